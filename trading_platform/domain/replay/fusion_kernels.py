"""The fusion strategy's score for every bar at once, with the same arithmetic as its ``on_bar``.

Arrays: ``prices`` float64 (the back-adjusted closes, one per bar). Outputs float64 of the same
length, NaN where the history is too short. Every sum is a left-to-right loop starting from 0.0
and every comparison is the one ``FusionUser`` makes, so each score is bit-identical to the one
``on_bar`` computes on that bar (``FusionUser.score_at`` is the plain twin the tests compare).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def atr_kernel(prices: np.ndarray, window: int) -> np.ndarray:
    """Mean absolute close-to-close move over the ``window`` moves ending at each bar."""
    out = np.full(prices.size, np.nan)
    for end in range(window, prices.size):
        total = 0.0
        for i in range(end - window + 1, end + 1):
            total += abs(prices[i] - prices[i - 1])
        out[end] = total / window
    return out


@njit(cache=True)
def _mean(prices: np.ndarray, end: int, window: int) -> float:
    total = 0.0
    for i in range(end - window + 1, end + 1):
        total += prices[i]
    return total / window


@njit(cache=True)
def _breakout(prices: np.ndarray, t: int, window: int, recent: int) -> float:
    """+1 when the highest close of the ``window`` bars ending at ``t`` (its first occurrence)
    is under ``recent`` bars old and newer than the lowest, -1 mirrored, else 0."""
    high_at, low_at = t - window + 1, t - window + 1
    for i in range(t - window + 2, t + 1):
        if prices[i] > prices[high_at]:
            high_at = i
        if prices[i] < prices[low_at]:
            low_at = i
    high_age, low_age = t - high_at, t - low_at
    if high_age < recent and high_age < low_age:
        return 1.0
    if low_age < recent and low_age < high_age:
        return -1.0
    return 0.0


@njit(cache=True)
def fusion_score_kernel(prices: np.ndarray, fast: int, slow: int, breakout: int,
                        recent: int, atr_window: int, regime_window: int,
                        regime_quantile: float, first: int) -> np.ndarray:
    """The fused score at every bar from ``first`` on (NaN before)."""
    atr = atr_kernel(prices, atr_window)
    out = np.full(prices.size, np.nan)
    for t in range(first, prices.size):
        fast_mean, slow_mean = _mean(prices, t, fast), _mean(prices, t, slow)
        side = float((fast_mean > slow_mean) - (fast_mean < slow_mean))
        broke = _breakout(prices, t, breakout, recent)
        below = 0
        for e in range(t - regime_window + 1, t + 1):
            if atr[e] <= atr[t]:
                below += 1
        regime = 1.0 if below / regime_window >= regime_quantile else 0.0
        out[t] = 0.4 * side + 0.4 * broke + 0.2 * regime * side
    return out
