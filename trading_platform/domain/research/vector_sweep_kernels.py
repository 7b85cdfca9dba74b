"""Kernels of the vectorised moving-average sweep (``vector_sweep``).

Array contract (stated once): ``prices`` ``(assets, bars)`` float64, back-adjusted closes on a
shared calendar (NaN where an asset has no bar); ``atr`` the same shape (NaN until full);
``directions`` ``(pairs, assets, bars)`` int8 in {-1, 0, 1}, decided at each close;
``point_value`` and ``cost`` ``(assets,)``; ``combos`` ``(k, 4)`` float64 rows of (pair index,
stop multiple, volatility target, unused); ``split`` the first test bar. Outputs ``(k, 6)``:
final equity, Sharpe and maximum drawdown over every bar, contracts traded, train Sharpe and
test Sharpe.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

TRADING_DAYS = 252


@njit(cache=True)
def directions_kernel(prices: np.ndarray, fast: np.ndarray, slow: np.ndarray) -> np.ndarray:
    """+1 / -1 / 0 per (pair, asset, bar): the fast mean of the asset's own last closes above /
    below / level with the slow one; 0 until the slow mean has a full window and on bars the
    asset does not have."""
    pairs, (assets, bars) = fast.size, prices.shape
    out = np.zeros((pairs, assets, bars), dtype=np.int8)
    for a in range(assets):
        where = np.empty(bars, dtype=np.int64)
        n = 0
        for t in range(bars):
            if prices[a, t] == prices[a, t]:
                where[n] = t
                n += 1
        sums = np.zeros(n + 1)
        for i in range(n):
            sums[i + 1] = sums[i] + prices[a, where[i]]
        for j in range(pairs):
            f, s = fast[j], slow[j]
            for i in range(s - 1, n):
                gap = (sums[i + 1] - sums[i + 1 - f]) / f - (sums[i + 1] - sums[i + 1 - s]) / s
                out[j, a, where[i]] = 1 if gap > 0 else (-1 if gap < 0 else 0)
    return out


@njit(cache=True)
def shared_kernel(prices: np.ndarray, atr: np.ndarray, point_value: np.ndarray,
                  budget: float) -> tuple[np.ndarray, np.ndarray]:
    """What every combination shares, per (asset, bar): the value of one contract's move since
    the asset's previous bar, and the contracts one unit of volatility target buys
    (``budget / (ATR x sqrt(252) x point value)``, 0 without a positive ATR)."""
    assets, bars = prices.shape
    move = np.zeros((assets, bars))
    size = np.zeros((assets, bars))
    for a in range(assets):
        last = np.nan
        for t in range(bars):
            price = prices[a, t]
            if price != price:
                continue
            if last == last:
                move[a, t] = (price - last) * point_value[a]
            last = price
            risk = atr[a, t] * math.sqrt(TRADING_DAYS) * point_value[a]
            if risk > 0.0:
                size[a, t] = budget / risk
    return move, size


@njit(cache=True)
def one_combo(prices: np.ndarray, atr: np.ndarray, move: np.ndarray, size: np.ndarray,
              direction: np.ndarray, cost: np.ndarray, stop_mult: float, vol_target: float,
              capital: float, split: int, returns: np.ndarray
              ) -> tuple[float, float, float, float, float, float]:
    """One combination's book over every bar (rules in ``vector_sweep``): final equity, Sharpe
    and maximum drawdown over every bar, contracts traded, and the Sharpe of the bars before
    ``split`` (train) and from it on (test). ``returns`` (empty, or one slot per bar) receives
    the daily returns."""
    assets, bars = prices.shape
    held = np.zeros(assets)
    wanted = np.zeros(assets)
    side = np.zeros(assets)
    stop = np.zeros(assets)
    stopped = np.zeros(assets, dtype=np.bool_)
    equity, peak, worst, traded = capital, capital, 0.0, 0.0
    total, squares, train_total, train_squares = 0.0, 0.0, 0.0, 0.0
    for t in range(bars):
        pnl = 0.0
        for a in range(assets):
            price = prices[a, t]
            if price != price:
                continue  # no bar: the position waits, nothing fills
            pnl += held[a] * move[a, t]
            change = wanted[a] - held[a]
            if change != 0.0:
                pnl -= abs(change) * cost[a]
                traded += abs(change)
                held[a] = wanted[a]
            d = direction[a, t]
            if d != side[a]:
                side[a], stopped[a] = d, False
                stop[a] = price - d * stop_mult * atr[a, t]
            elif d != 0 and not stopped[a] and (price - stop[a]) * d <= 0.0:
                stopped[a] = True  # the close reached the stop: flat until a new cross
            wanted[a] = 0.0 if d == 0 or stopped[a] else d * vol_target * size[a, t]
        change = pnl / equity
        equity += pnl
        total += change
        squares += change * change
        if t < split:
            train_total += change
            train_squares += change * change
        if returns.size:
            returns[t] = change
        if equity > peak:
            peak = equity
        elif equity / peak - 1.0 < worst:
            worst = equity / peak - 1.0
    test = bars - split
    return (equity, _sharpe(total, squares, bars), worst, traded,
            _sharpe(train_total, train_squares, split),
            _sharpe(total - train_total, squares - train_squares, test))


@njit(cache=True)
def _sharpe(total: float, squares: float, n: int) -> float:
    """Annualised mean / std (ddof 1) from the sum and sum of squares of ``n`` returns."""
    if n < 2:
        return math.nan
    variance = (squares - total * total / n) / (n - 1)
    if not variance > 0.0:
        return math.nan
    return total / n / math.sqrt(variance) * math.sqrt(TRADING_DAYS)


@njit(cache=True, parallel=True)
def sweep_kernel(prices: np.ndarray, atr: np.ndarray, directions: np.ndarray,
                 point_value: np.ndarray, cost: np.ndarray, combos: np.ndarray,
                 capital: float, split: int) -> np.ndarray:
    """Every combination, spread over the cores: ``(k, 6)`` as ``one_combo`` returns them."""
    move, size = shared_kernel(prices, atr, point_value, capital / prices.shape[0])
    out = np.empty((combos.shape[0], 6))
    none = np.empty(0)
    for k in prange(combos.shape[0]):
        result = one_combo(prices, atr, move, size, directions[int(combos[k, 0])], cost,
                           combos[k, 1], combos[k, 2], capital, split, none)
        for i in range(6):
            out[k, i] = result[i]
    return out
