"""The vectorised sweep of a moving-average cross with an ATR stop and a volatility target over
a book of commodities: every (fast, slow, stop multiple, volatility target) combination in one
compiled pass over the bars each, indicators computed once and shared.

Rules, stated once (the research engine of this sweep; ``sweep_reference`` is its plain twin):

- Bars: the back-adjusted closes of every commodity on the union of their dates; a commodity
  without a bar that day does nothing that day. P&L is contracts x the change of the
  back-adjusted close since that commodity's last bar x its point value (rolls cost nothing
  beyond the contracts traded).
- At each close, in order: the position is marked; the order decided at the previous close
  fills at this close, paying ``cost`` per contract traded (commission + slippage); then the
  new order is decided.
- Direction: the sign of SMA_fast - SMA_slow of that commodity's closes (0 until the slow
  mean has a full window). A new direction sets a stop ``stop_mult`` ATRs behind the close (ATR:
  mean absolute close change over 20 bars); a close at or beyond the stop goes flat until the
  direction changes.
- Size: ``vol_target x (capital / commodities) / (ATR x sqrt(252) x point value)`` fractional
  contracts in the direction (non-compounding: each commodity's budget is fixed).
- The book's daily return is the day's P&L over the equity before it; Sharpe = mean / std
  (ddof 1) x sqrt(252) over every day of the calendar; maximum drawdown of the equity path.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl

from trading_platform.domain.research.vector_sweep_kernels import (
    TRADING_DAYS,
    directions_kernel,
    one_combo,
    shared_kernel,
    sweep_kernel,
)

ATR_WINDOW = 20
RESULT_COLUMNS = ("final_equity", "sharpe", "max_drawdown", "contracts_traded", "train_sharpe",
                  "test_sharpe")


def book_arrays(series: dict[str, pl.DataFrame]) -> tuple[list[dt.date], np.ndarray,
                                                          np.ndarray]:
    """(calendar, prices, atr) on the union of the commodities' dates, NaN where a commodity
    has no bar (each ATR over that commodity's own bars)."""
    days = sorted({d for frame in series.values() for d in frame["date"].to_list()})
    position = {d: i for i, d in enumerate(days)}
    prices = np.full((len(series), len(days)), np.nan)
    atr = np.full_like(prices, np.nan)
    for a, frame in enumerate(series.values()):
        rows = [position[d] for d in frame["date"].to_list()]
        close = frame["adjusted_close"].to_numpy().astype(np.float64)
        prices[a, rows] = close
        atr[a, rows] = own_atr(close)
    return days, prices, atr


def own_atr(close: np.ndarray, window: int = ATR_WINDOW) -> np.ndarray:
    """Mean absolute close change over the last ``window`` changes (NaN before)."""
    moves = np.abs(np.diff(close))
    out = np.full(close.size, np.nan)
    if moves.size >= window:
        sums = np.cumsum(np.concatenate([[0.0], moves]))
        out[window:] = (sums[window:] - sums[:-window]) / window
    return out


def vector_sweep(series: dict[str, pl.DataFrame], point_value: np.ndarray, cost: np.ndarray,
                 fast: list[int], slow: list[int], stop_mult: list[float],
                 vol_target: list[float], capital: float, split: int | None = None
                 ) -> pl.DataFrame:
    """One row per combination with fast < slow, fast-major: the parameters and
    ``RESULT_COLUMNS`` (module doc); ``split`` is the calendar's first test day (default: the
    last quarter of the days)."""
    _, prices, atr = book_arrays(series)
    pairs = [(f, s) for f in fast for s in slow if f < s]
    if not pairs:
        raise ValueError(f"no (fast, slow) pair with fast < slow in {fast} x {slow}")
    directions = directions_kernel(prices, np.array([f for f, _ in pairs], dtype=np.int64),
                                   np.array([s for _, s in pairs], dtype=np.int64))
    combos = np.array([(j, k, v, 0.0) for j in range(len(pairs)) for k in stop_mult
                       for v in vol_target], dtype=np.float64)
    cut = round(prices.shape[1] * 0.75) if split is None else split
    out = sweep_kernel(prices, atr, directions, np.asarray(point_value, dtype=np.float64),
                       np.asarray(cost, dtype=np.float64), combos, capital, cut)
    index = combos[:, 0].astype(np.int64)
    return pl.DataFrame({
        "fast": [pairs[j][0] for j in index], "slow": [pairs[j][1] for j in index],
        "stop_mult": combos[:, 1], "vol_target": combos[:, 2],
        **{name: out[:, i] for i, name in enumerate(RESULT_COLUMNS)}})


def sweep_reference(series: dict[str, pl.DataFrame], point_value: np.ndarray,
                    cost: np.ndarray, fast: int, slow: int, stop_mult: float,
                    vol_target: float, capital: float, split: int | None = None
                    ) -> dict[str, float]:
    """The plain-Python twin of one combination (same rules, written out)."""
    _, prices, atr = book_arrays(series)
    assets, bars = prices.shape
    direction = [_directions(prices[a], fast, slow) for a in range(assets)]
    held, wanted, side = [0.0] * assets, [0.0] * assets, [0] * assets
    stop, stopped, last = [0.0] * assets, [False] * assets, [math.nan] * assets
    equity, peak, worst, traded, returns = capital, capital, 0.0, 0.0, []
    for t in range(bars):
        pnl = 0.0
        for a in range(assets):
            price = prices[a, t]
            if math.isnan(price):
                continue
            if not math.isnan(last[a]):
                pnl += held[a] * (price - last[a]) * point_value[a]
            last[a] = price
            if wanted[a] != held[a]:
                pnl -= abs(wanted[a] - held[a]) * cost[a]
                traded += abs(wanted[a] - held[a])
                held[a] = wanted[a]
            d = direction[a][t]
            if d != side[a]:
                side[a], stopped[a] = d, False
                stop[a] = price - d * stop_mult * atr[a, t]
            elif d != 0 and not stopped[a] and (price - stop[a]) * d <= 0:
                stopped[a] = True
            risk = atr[a, t] * math.sqrt(TRADING_DAYS) * point_value[a]
            flat = d == 0 or stopped[a] or not risk > 0
            wanted[a] = 0.0 if flat else d * vol_target * (capital / assets) / risk
        returns.append(pnl / equity)
        equity += pnl
        peak = max(peak, equity)
        worst = min(worst, equity / peak - 1.0)
    values = np.array(returns)
    cut = round(bars * 0.75) if split is None else split
    return {"final_equity": equity, "sharpe": _sharpe(values), "max_drawdown": worst,
            "contracts_traded": traded, "train_sharpe": _sharpe(values[:cut]),
            "test_sharpe": _sharpe(values[cut:])}


def _sharpe(values: np.ndarray) -> float:
    sd = values.std(ddof=1) if values.size > 1 else 0.0
    return float(values.mean() / sd * math.sqrt(TRADING_DAYS)) if sd > 0 else math.nan


def _directions(prices: np.ndarray, fast: int, slow: int) -> list[int]:
    """The direction on each calendar bar, from the commodity's own closes (0 elsewhere)."""
    out = [0] * prices.size
    where = [t for t in range(prices.size) if not math.isnan(prices[t])]
    own = [float(prices[t]) for t in where]
    for i in range(slow - 1, len(own)):
        gap = sum(own[i - fast + 1:i + 1]) / fast - sum(own[i - slow + 1:i + 1]) / slow
        out[where[i]] = 1 if gap > 0 else (-1 if gap < 0 else 0)
    return out


def combo_returns(series: dict[str, pl.DataFrame], point_value: np.ndarray, cost: np.ndarray,
                  fast: int, slow: int, stop_mult: float, vol_target: float,
                  capital: float) -> np.ndarray:
    """The daily returns of one combination over the calendar (for the DSR of a chosen run and
    the PBO matrix), by the sweep's own kernel."""
    _, prices, atr = book_arrays(series)
    direction = directions_kernel(prices, np.array([fast], dtype=np.int64),
                                  np.array([slow], dtype=np.int64))[0]
    move, size = shared_kernel(prices, atr, np.asarray(point_value, dtype=np.float64),
                               capital / prices.shape[0])
    returns = np.zeros(prices.shape[1])
    one_combo(prices, atr, move, size, direction, np.asarray(cost, dtype=np.float64),
              stop_mult, vol_target, capital, prices.shape[1], returns)
    return returns
