"""Metrics of one simulated inventory book, overall and per season.

Conventions (stated once):
- **Net earnings** = cash at the end (gross proceeds - transaction costs - storage costs) plus
  the stock still unsold at the end of the data (the open season's) valued as if sold at the
  last close, net of the transaction cost. Strategies that hold stock at the end are therefore
  neither rewarded nor punished for it.
- **Price capture** of a season = average realised price (volume-weighted over all of the
  season's sales, forced ones included) / average market price (simple mean of the closes over
  the season's trading days). Above 1: the strategy sold better than the season's average.
- **Daily P&L** = change of the book's mark-to-market value (cash + stock at the close) minus
  the value of the day's intake at the close: what the book gained or lost that day by holding
  stock and by its costs. Summed over the window it is the final value (cash + stock at the
  last close) minus the intake valued at the intake days' closes, i.e. the value added over
  selling everything on arrival (for a book that ends without stock: net earnings minus that).
- **Daily returns** = daily P&L / notional, the notional being one season's intake valued at the
  window's first close (a fixed capital base known on the first day, so returns add up and no
  later price enters them). Annualisation uses 252
  trading days; the risk-free rate is 0.
- **Sharpe** = mean / standard deviation (ddof 1) of daily returns x sqrt(252); **Sortino** uses
  the downside deviation sqrt(mean(min(r, 0)^2)) instead. Both are 0 when the returns are
  constant (Sharpe) or never negative (Sortino).
- **Max drawdown**: equity = 1 + cumulative daily returns (starting at 1 before day 0); the
  largest fall from a running peak, as a fraction (-0.12 = 12 % below the peak; 0 = none).
- **Annual return** = mean daily return x 252; **Calmar** = annual return / |max drawdown|;
  without a drawdown it is +inf for a positive annual return (nothing lost on the way: the best
  possible) and 0 otherwise (``calmar_ratio``).
- **Turnover** = the mean, over days that start with stock on hand, of the share of that stock
  sold that day (strategy and forced sales). Immediate Sale is 1.0; selling a quarter every 30
  days is about 0.01.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from trading_platform.domain.inventory.engine import BookResult
from trading_platform.domain.inventory.engine_kernels import REASON_FORCED

TRADING_DAYS_PER_YEAR = 252
METRIC_COLUMNS = (
    "net_earnings", "gross_proceeds", "transaction_costs", "storage_costs", "ending_inventory",
    "avg_realised_price", "avg_market_price", "price_capture", "n_sales", "forced_volume",
    "forced_share", "sharpe", "sortino", "max_drawdown", "annual_return", "calmar", "turnover",
)


def daily_pnl(value: np.ndarray, intake: np.ndarray, price: np.ndarray) -> np.ndarray:
    """``value[t] - value[t-1] - intake[t] x price[t]`` with ``value[-1] = 0``."""
    previous = np.concatenate(([0.0], value[:-1]))
    return value - previous - intake * price


def sharpe_ratio(returns: np.ndarray) -> float:
    """Annualised Sharpe of daily returns (see the module conventions)."""
    if returns.size < 2 or np.ptp(returns) == 0:  # constant: std is rounding residue, not 0
        return 0.0
    deviation = float(np.std(returns, ddof=1))
    return float(np.mean(returns) / deviation * np.sqrt(TRADING_DAYS_PER_YEAR))


def sortino_ratio(returns: np.ndarray) -> float:
    """Annualised Sortino of daily returns: the mean over the downside deviation."""
    if returns.size == 0:
        return 0.0
    downside = float(np.sqrt(np.mean(np.minimum(returns, 0.0) ** 2)))
    return float(np.mean(returns) / downside * np.sqrt(TRADING_DAYS_PER_YEAR)) if (
        downside > 0) else 0.0


def max_drawdown(returns: np.ndarray) -> float:
    """Largest fall of ``1 + cumsum(returns)`` below its running peak (peak starts at 1)."""
    if returns.size == 0:
        return 0.0
    equity = 1.0 + np.cumsum(returns)
    peak = np.maximum.accumulate(np.maximum(equity, 1.0))
    return float(min((equity / peak - 1.0).min(), 0.0))


def calmar_ratio(annual_return: float, drawdown: float) -> float:
    """Annual return over |max drawdown|; +inf without a drawdown and a positive return, 0
    without a drawdown otherwise."""
    if drawdown < 0:
        return annual_return / abs(drawdown)
    return float("inf") if annual_return > 0 else 0.0


def turnover(inventory: np.ndarray, sold: np.ndarray, forced: np.ndarray) -> float:
    """Mean share of the stock on hand sold per day, over days that start with stock."""
    before = inventory + sold + forced
    held = before > 0
    if not held.any():
        return 0.0
    return float(((sold + forced)[held] / before[held]).mean())


def _ratio(numerator: float, denominator: float) -> float:
    """NaN when nothing was sold or there is no market price to compare with."""
    return numerator / denominator if denominator > 0 else float("nan")


def book_metrics(
    result: BookResult, price: np.ndarray, season: np.ndarray, tx_rate: float, notional: float
) -> dict[str, float]:
    """Every metric of the module docstring for one book over its whole (non-empty) window."""
    col = result.column
    inventory, sold, forced = col("inventory"), col("sold"), col("forced")
    ending = float(inventory[-1])
    returns = daily_pnl(col("value"), col("intake"), price) / notional
    drawdown = max_drawdown(returns)
    annual = float(np.mean(returns) * TRADING_DAYS_PER_YEAR)
    in_season = season >= 0
    realised = _ratio(float(col("proceeds").sum()), float(result.sales[:, 1].sum()))
    market = float(price[in_season].mean()) if in_season.any() else float("nan")
    return {
        "net_earnings": float(col("cash")[-1])
        + ending * max(float(price[-1]), 0.0) * (1.0 - tx_rate),
        "gross_proceeds": float(col("proceeds").sum()),
        "transaction_costs": float(col("transaction_cost").sum()),
        "storage_costs": float(col("storage_cost").sum()),
        "ending_inventory": ending,
        "avg_realised_price": realised,
        "avg_market_price": market,
        "price_capture": _ratio(realised, market),
        "n_sales": float(result.sales.shape[0]),
        "forced_volume": float(forced.sum()),
        "forced_share": _ratio(float(forced.sum()), float(col("intake").sum())),
        "sharpe": sharpe_ratio(returns),
        "sortino": sortino_ratio(returns),
        "max_drawdown": drawdown,
        "annual_return": annual,
        "calmar": calmar_ratio(annual, drawdown),
        "turnover": turnover(inventory, sold, forced),
    }


def season_metrics(
    result: BookResult, price: np.ndarray, season: np.ndarray, season_starts: np.ndarray
) -> pl.DataFrame:
    """One row per simulated season: its intake, sales, costs, net and price capture.

    ``net`` is the season's cash flow (proceeds - transaction - storage costs of its days);
    ``ending_inventory`` is the stock left on its last day (0 after forced liquidation).
    """
    k = len(season_starts)
    days = season >= 0
    slot = season[days]

    def per_season(values: np.ndarray) -> np.ndarray:
        return np.bincount(slot, weights=values[days], minlength=k)[:k]

    col = result.column
    sale_days = result.sales[:, 0].astype(np.int64)
    sale_season = season[sale_days] if sale_days.size else np.empty(0, dtype=np.int64)
    counted = sale_season >= 0
    n_sales = np.bincount(sale_season[counted], minlength=k)[:k]
    n_forced = np.bincount(sale_season[counted & (result.sales[:, 3] == REASON_FORCED)],
                           minlength=k)[:k]
    n_days = np.bincount(slot, minlength=k)[:k]
    last_day = np.full(k, -1)
    last_day[slot] = np.flatnonzero(days)  # later days overwrite: the season's last day
    proceeds, sold, forced = per_season(col("proceeds")), per_season(col("sold")), per_season(
        col("forced"))
    with np.errstate(invalid="ignore", divide="ignore"):
        realised = np.where(sold + forced > 0, proceeds / (sold + forced), np.nan)
        market = np.where(n_days > 0, per_season(price) / n_days, np.nan)
    transaction, storage = per_season(col("transaction_cost")), per_season(col("storage_cost"))
    return pl.DataFrame({
        "season": np.arange(k, dtype=np.int64),
        "season_start": np.asarray(season_starts, dtype="datetime64[D]"),
        "intake": per_season(col("intake")), "sold": sold, "forced": forced,
        "proceeds": proceeds, "transaction_costs": transaction, "storage_costs": storage,
        "net": proceeds - transaction - storage,
        "ending_inventory": np.where(last_day >= 0, col("inventory")[last_day], 0.0),
        "avg_realised_price": realised, "avg_market_price": market,
        "price_capture": realised / market,
        "n_sales": n_sales.astype(np.int64), "n_forced_sales": n_forced.astype(np.int64),
    })
