"""Kernels of the classic moving-average sweep (``ma_sweep``).

Array contract (stated once): ``closes`` is ``(series, bars)`` float64, each row a series'
closes oldest first, padded after its ``lengths[i]`` bars (padding never read); ``windows`` the
distinct SMA lengths, ascending; ``means`` ``(series, windows, bars)`` float64, NaN until a
window is full; ``pairs`` ``(k, 2)`` int64 indices into ``windows`` (fast, slow). Outputs are
``(series, k)``: final equity, entries and annualised Sharpe.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

TRADING_DAYS = 252


@njit(cache=True)
def means_kernel(closes: np.ndarray, lengths: np.ndarray, windows: np.ndarray) -> np.ndarray:
    """Every window's simple moving average of every series, from running sums."""
    series, bars = closes.shape
    out = np.full((series, windows.size, bars), np.nan)
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
                 fee: float, cash0: float) -> tuple[float, int, float]:
    """Long/flat, all in at the close of the bar whose fast mean is above the slow one, all
    out at the close of the bar where it no longer is; (final equity, entries, Sharpe)."""
    cash, units, entries = cash0, 0.0, 0
    previous, count, mean, squares = cash0, 0, 0.0, 0.0
    for t in range(length):
        price = close[t]
        wanted = slow[t] == slow[t] and fast[t] > slow[t]  # False while the slow mean is NaN
        if wanted and units == 0.0:
            units = cash / (price * (1.0 + fee))
            cash = 0.0
            entries += 1
        elif not wanted and units > 0.0:
            cash = units * price * (1.0 - fee)
            units = 0.0
        equity = cash + units * price
        change = equity / previous - 1.0
        previous = equity
        count += 1  # Welford: mean and sum of squared deviations in one pass
        delta = change - mean
        mean += delta / count
        squares += delta * (change - mean)
    sharpe = math.nan
    if count > 1 and squares > 0.0:
        sharpe = mean / math.sqrt(squares / (count - 1)) * math.sqrt(TRADING_DAYS)
    return previous, entries, sharpe


@njit(cache=True, parallel=True)
def sweep_kernel(closes: np.ndarray, lengths: np.ndarray, means: np.ndarray,
                 pairs: np.ndarray, fee: float, cash0: float
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (series, pair) backtest, spread over the cores."""
    series, k = closes.shape[0], pairs.shape[0]
    final = np.empty((series, k))
    entries = np.empty((series, k), dtype=np.int64)
    sharpe = np.empty((series, k))
    for job in prange(series * k):
        i, j = job // k, job % k
        result = one_backtest(closes[i], lengths[i], means[i, pairs[j, 0]],
                              means[i, pairs[j, 1]], fee, cash0)
        final[i, j], entries[i, j], sharpe[i, j] = result
    return final, entries, sharpe
