"""Kernels of the classic moving-average sweep (``ma_sweep``).

Array contract (stated once): ``closes`` is ``(series, bars)`` float64, each row a series'
closes oldest first, padded after its ``lengths[i]`` bars (padding never read); ``windows`` the
distinct SMA lengths, ascending; ``means`` ``(series, windows, bars)`` float64, written from
the bar where a window is full; ``pairs`` ``(k, 2)`` int64 indices into ``windows`` (fast,
slow). Outputs are ``(series, k)``: final equity, entries and annualised Sharpe.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

TRADING_DAYS = 252


@njit(cache=True)
def means_kernel(closes: np.ndarray, lengths: np.ndarray, windows: np.ndarray) -> np.ndarray:
    """Every window's simple moving average of every series, from running sums (only bars
    from ``window - 1`` on are written: the backtests never read earlier ones)."""
    series, bars = closes.shape
    out = np.empty((series, windows.size, bars))
    for i in range(series):
        sums = np.zeros(lengths[i] + 1)
        for t in range(lengths[i]):
            sums[t + 1] = sums[t] + closes[i, t]
        for w in range(windows.size):
            window = windows[w]
            for t in range(window - 1, lengths[i]):
                out[i, w, t] = (sums[t + 1] - sums[t + 1 - window]) / window
    return out


@njit(cache=True)
def one_backtest(close: np.ndarray, length: int, fast: np.ndarray, slow: np.ndarray,
                 slow_window: int, fee: float, cash0: float) -> tuple[float, int, float]:
    """Long/flat, all in at the close of the bar whose fast mean is above the slow one, all
    out at the close of the bar where it no longer is; (final equity, entries, Sharpe).

    Before the slow mean exists the book is flat and every return is 0, so the loop starts
    there with those returns already counted; a flat bar without a trade adds a 0 return
    without a division."""
    cash, units, entries = cash0, 0.0, 0
    previous, total, squares = cash0, 0.0, 0.0
    first = min(slow_window - 1, length)
    for t in range(first, length):
        price = close[t]
        if fast[t] > slow[t]:
            if units == 0.0:
                units = cash / (price * (1.0 + fee))
                cash = 0.0
                entries += 1
        elif units > 0.0:
            cash = units * price * (1.0 - fee)
            units = 0.0
        else:
            continue  # flat before and after: a 0 return
        equity = cash + units * price
        change = equity / previous - 1.0
        previous = equity
        total += change
        squares += change * change
    sharpe = math.nan
    if length > 1:
        variance = (squares - total * total / length) / (length - 1)
        if variance > 0.0:
            sharpe = total / length / math.sqrt(variance) * math.sqrt(TRADING_DAYS)
    return previous, entries, sharpe


@njit(cache=True, parallel=True)
def sweep_kernel(closes: np.ndarray, lengths: np.ndarray, means: np.ndarray,
                 windows: np.ndarray, pairs: np.ndarray, fee: float, cash0: float
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (series, pair) backtest, spread over the cores."""
    series, k = closes.shape[0], pairs.shape[0]
    final = np.empty((series, k))
    entries = np.empty((series, k), dtype=np.int64)
    sharpe = np.empty((series, k))
    for job in prange(series * k):
        i, j = job // k, job % k
        result = one_backtest(closes[i], lengths[i], means[i, pairs[j, 0]],
                              means[i, pairs[j, 1]], windows[pairs[j, 1]], fee, cash0)
        final[i, j], entries[i, j], sharpe[i, j] = result
    return final, entries, sharpe
