"""One signal strategy on one commodity's continuous series through the position engine, and
the futures book's metrics.

Conventions: daily returns are simple returns of equity (``equity[t] / equity[t-1] - 1``);
annualisation uses 252 trading days (volatility and Sharpe by ``sqrt(252)``, CAGR by
``252 / days``); Sharpe and Sortino have no risk-free rate (futures P&L is an excess return).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from trading_platform.config.contracts import FuturesSpec
from trading_platform.config.futures_strategies import (
    DonchianBreakout,
    ForecastStrength,
    MovingAverageCross,
)
from trading_platform.domain.futures.engine import EngineConfig, EngineInputs, run_positions
from trading_platform.domain.futures.engine_kernels import REASONS, TRADE_COLUMNS
from trading_platform.domain.futures.signals import strategy_signal

TRADING_DAYS = 252
RISK_WINDOW = 60  # trading days of price changes behind a contract's volatility estimate


@dataclass(frozen=True)
class Costs:
    """Per contract traded: a commission (currency) and slippage in ticks."""

    commission: float = 2.5
    slippage_ticks: float = 1.0


DEFAULT_COSTS = Costs()


@dataclass(frozen=True)
class FuturesBacktest:
    """Daily ``frame`` (date, contract, close, position, pnl, costs, equity), the ``trades``
    (date, contract, contracts, price, commission, slippage, reason) and the ``metrics``."""

    frame: pl.DataFrame
    trades: pl.DataFrame
    metrics: dict[str, float]


def risk_per_contract(adjusted_close: np.ndarray, point_value: float,
                      window: int = RISK_WINDOW) -> np.ndarray:
    """Annualised currency volatility of one contract: the sample standard deviation of the
    last ``window`` daily changes of the back-adjusted close, x sqrt(252) x point value; NaN
    until ``window`` changes exist. Row t uses changes up to t only."""
    changes = np.diff(adjusted_close, prepend=np.nan)
    out = np.full(adjusted_close.shape[0], np.nan)
    if adjusted_close.shape[0] > window:
        windows = np.lib.stride_tricks.sliding_window_view(changes[1:], window)
        out[window:] = np.std(windows, axis=1, ddof=1)
    return out * math.sqrt(TRADING_DAYS) * point_value


def run_strategy(series: pl.DataFrame, spec: MovingAverageCross | DonchianBreakout |
                 ForecastStrength, contract: FuturesSpec, config: EngineConfig,
                 costs: Costs = DEFAULT_COSTS, expected: np.ndarray | None = None,
                 spread: np.ndarray | None = None, start: int = 0) -> FuturesBacktest:
    """Backtest ``spec`` on one commodity's ``continuous_series`` (close-only bars: the close
    stands in for the high and low, and there is no open, so orders fill at the next close).

    Signals read the back-adjusted close; fills, P&L and rolls the raw contract closes. A
    Donchian spec's ``stop_atr`` replaces the engine config's. Signals and the risk estimate
    use every row; the book trades from row ``start`` (the rows before it are warm-up)."""
    adjusted = series["adjusted_close"].to_numpy()
    direction, atr = strategy_signal(spec, adjusted, adjusted, adjusted, expected, spread)
    if isinstance(spec, DonchianBreakout):
        config = replace(config, stop_atr=spec.stop_atr)
    return run_directions(series, direction, atr, contract, config, costs, start)


def run_directions(series: pl.DataFrame, direction: np.ndarray, atr: np.ndarray,
                   contract: FuturesSpec, config: EngineConfig, costs: Costs = DEFAULT_COSTS,
                   start: int = 0) -> FuturesBacktest:
    """Trade the daily ``direction`` (aligned with ``series``) from row ``start`` on."""
    risk = risk_per_contract(series["adjusted_close"].to_numpy(), contract.point_value())
    traded = series.slice(start)
    inputs = engine_inputs(traded, direction[start:], risk[start:], atr[start:], contract, costs)
    result = run_positions(inputs, config)
    frame = traded.select("date", "contract", "close").with_columns(
        pl.Series("position", result.positions[:, 0]), pl.Series("pnl", result.pnl[:, 0]),
        pl.Series("costs", result.costs[:, 0]), pl.Series("equity", result.equity))
    trades = _trades(result.trades, traded)
    return FuturesBacktest(frame, trades, futures_metrics(frame, trades, config.capital))


def engine_inputs(series: pl.DataFrame, direction: np.ndarray, risk: np.ndarray,
                  atr: np.ndarray, contract: FuturesSpec, costs: Costs) -> EngineInputs:
    """One commodity's engine inputs (close-only: no opens)."""
    return EngineInputs(
        close=series["close"].to_numpy()[:, None], open_=np.full((series.height, 1), np.nan),
        roll=series["roll"].to_numpy().astype(np.float64)[:, None],
        next_close=series["next_close"].fill_null(np.nan).to_numpy()[:, None],
        target=direction[:, None], risk=risk[:, None],
        atr=atr[:, None], point_value=np.array([contract.point_value()]),
        commission=np.array([costs.commission]),
        slippage=np.array([costs.slippage_ticks * contract.tick_value]),
        margin=np.array([contract.initial_margin]))


def _trades(rows: np.ndarray, series: pl.DataFrame) -> pl.DataFrame:
    table = pl.DataFrame(rows, schema=list(TRADE_COLUMNS), orient="row")
    dates, held = series["date"].to_list(), series["contract"].to_list()
    following = series["next_contract"].to_list()
    day = table["day"].cast(pl.Int64).to_list()
    reason = [REASONS[int(r)] for r in table["reason"].to_list()]
    return pl.DataFrame({
        "date": [dates[d] for d in day],
        "contract": [following[d] if why == "roll_in" else held[d]
                     for d, why in zip(day, reason, strict=True)],
        "contracts": table["contracts"], "price": table["price"],
        "commission": table["commission"], "slippage": table["slippage"], "reason": reason,
    }, schema={"date": pl.Date, "contract": pl.String, "contracts": pl.Float64,
               "price": pl.Float64, "commission": pl.Float64, "slippage": pl.Float64,
               "reason": pl.String})


def equity_metrics(equity: np.ndarray, capital: float) -> dict[str, float]:
    """CAGR, volatility, Sharpe, Sortino, maximum drawdown and Calmar of a daily equity path
    that starts from ``capital`` (Calmar NaN without a drawdown)."""
    path = np.concatenate([[capital], equity])
    returns = path[1:] / path[:-1] - 1.0
    years = max(returns.size, 1) / TRADING_DAYS
    vol = float(np.std(returns, ddof=1)) * math.sqrt(TRADING_DAYS) if returns.size > 1 \
        else math.nan
    downside = returns[returns < 0]
    down_vol = float(np.sqrt(np.mean(downside ** 2))) * math.sqrt(TRADING_DAYS) \
        if downside.size else math.nan
    mean = float(np.mean(returns)) * TRADING_DAYS if returns.size else math.nan
    drawdown = float(np.min(path / np.maximum.accumulate(path) - 1.0))
    cagr = (path[-1] / capital) ** (1 / years) - 1 if path[-1] > 0 else -1.0
    return {"cagr": cagr, "volatility": vol,
            "sharpe": mean / vol if vol and vol > 0 else math.nan,
            "sortino": mean / down_vol if down_vol and down_vol > 0 else math.nan,
            "max_drawdown": drawdown, "calmar": cagr / -drawdown if drawdown < 0 else math.nan}


def futures_metrics(frame: pl.DataFrame, trades: pl.DataFrame, capital: float) -> dict[str, float]:
    """``equity_metrics``, then turnover (contracts traded per year), hit rate and average P&L
    of round trips (entry to flat or reversal, costs included), exposure (share of days holding
    a position), costs and roll costs paid."""
    years = max(frame.height, 1) / TRADING_DAYS
    trips = round_trips(frame)
    roll = trades.filter(pl.col("reason").str.starts_with("roll"))
    return equity_metrics(frame["equity"].to_numpy(), capital) | {
        "turnover": float(trades["contracts"].abs().sum()) / years,
        "hit_rate": float(np.mean(trips > 0)) if trips.size else math.nan,
        "average_trade": float(np.mean(trips)) if trips.size else math.nan,
        "round_trips": float(trips.size),
        "exposure": float(np.mean(frame["position"].to_numpy() != 0)),
        "costs": float(frame["costs"].sum()),
        "roll_costs": float((roll["commission"] + roll["slippage"]).sum()),
    }


def round_trips(frame: pl.DataFrame) -> np.ndarray:
    """Net P&L (P&L - costs) of each closed round trip: from the day a position opens to the
    day it is flat or reversed (that day's whole net goes to the closing trip; a reversed
    position starts its trip the day after). A position still open at the end is not one."""
    side = np.sign(frame["position"].to_numpy())
    net = (frame["pnl"] - frame["costs"]).to_numpy()
    trips: list[float] = []
    total, open_side = 0.0, 0.0
    for t in range(side.shape[0]):
        if open_side != 0.0:
            total += net[t]
            if side[t] != open_side:
                trips.append(total)
                total, open_side = 0.0, side[t]
        elif side[t] != 0.0:
            total, open_side = net[t], side[t]
    return np.array(trips)
