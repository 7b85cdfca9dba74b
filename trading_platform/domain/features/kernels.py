"""Numba kernels for row-based rolling windows over a panel sorted by (commodity, date).

Array contract, shared by every kernel: ``values`` is float64 1-D with rows sorted by commodity
then date; ``position`` is int64 1-D of the same length holding each row's 0-based position
inside its commodity; ``window`` (>= 1) counts rows. The result is a new float64 array whose row
``i`` covers rows ``i - window + 1 .. i`` and is NaN unless ``position[i] >= window - 1``, i.e.
unless that whole window lies inside one commodity. In the mean and std kernels a NaN inside a
window propagates; the max and min kernels expect NaN-free values.

Each window is reduced in its own loop, oldest row first. A running sum would carry rounding
from rows that already left the window, so its value would depend on how much history was
loaded; an explicit loop makes every value a function of the window's inputs alone,
bit-identical however the panel was truncated.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def rolling_mean_nb(values: np.ndarray, position: np.ndarray, window: int) -> np.ndarray:
    """Arithmetic mean of each complete window."""
    out = np.full(values.shape[0], np.nan)
    for i in range(values.shape[0]):
        if position[i] >= window - 1:
            total = 0.0
            for j in range(i - window + 1, i + 1):
                total += values[j]
            out[i] = total / window
    return out


@njit(cache=True)
def rolling_std_nb(values: np.ndarray, position: np.ndarray, window: int) -> np.ndarray:
    """Sample standard deviation (ddof 1, two passes) of each complete window; window >= 2."""
    means = rolling_mean_nb(values, position, window)
    out = np.full(values.shape[0], np.nan)
    for i in range(values.shape[0]):
        if position[i] >= window - 1:
            mean = means[i]
            squares = 0.0
            for j in range(i - window + 1, i + 1):
                squares += (values[j] - mean) ** 2
            out[i] = np.sqrt(squares / (window - 1))
    return out


@njit(cache=True)
def rolling_max_nb(values: np.ndarray, position: np.ndarray, window: int) -> np.ndarray:
    """Largest value of each complete window."""
    out = np.full(values.shape[0], np.nan)
    for i in range(values.shape[0]):
        if position[i] >= window - 1:
            best = values[i]
            for j in range(i - window + 1, i):
                best = max(best, values[j])
            out[i] = best
    return out


def rolling_min_nb(values: np.ndarray, position: np.ndarray, window: int) -> np.ndarray:
    """Smallest value of each complete window: the negated max of the negated values."""
    return -rolling_max_nb(-values, position, window)
