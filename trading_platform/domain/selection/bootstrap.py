"""Block-bootstrap confidence intervals for daily return series.

Conventions (stated once):
- Circular moving-block bootstrap: a resample is ``ceil(n / block)`` blocks of ``block``
  consecutive days, each starting at a uniformly drawn day and wrapping past the end, cut to
  ``n`` days. Blocks keep the autocorrelation of a book's daily P&L that an i.i.d. bootstrap
  would destroy.
- Intervals are percentile intervals at ``level`` (0.90 = the 5th and 95th percentiles) of the
  statistic over ``resamples`` resamples drawn from a seeded generator: the same inputs always
  give the same interval.
- The Sharpe ratio is annualised with ``periods`` (252 trading days) like
  ``inventory.metrics.sharpe_ratio``; a resample without variation has Sharpe 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TRADING_DAYS_PER_YEAR = 252


@dataclass(frozen=True)
class Interval:
    """A point estimate and its bootstrap interval; NaN bounds when there are too few days."""

    estimate: float
    low: float
    high: float
    level: float


def block_indices(n: int, block: int, resamples: int, seed: int) -> np.ndarray:
    """(resamples, n) day indices of circular moving-block resamples of ``n`` days."""
    block, starts = _block_starts(n, block, resamples, seed)
    offsets = np.arange(block)
    return ((starts[:, :, None] + offsets) % n).reshape(resamples, -1)[:, :n]


def _block_starts(n: int, block: int, resamples: int, seed: int) -> tuple[int, np.ndarray]:
    """The block length used (at most ``n``) and (resamples, ceil(n / block)) start days."""
    if n < 1 or block < 1 or resamples < 1:
        raise ValueError(f"need n, block and resamples >= 1, got {n}, {block}, {resamples}")
    block = min(block, n)
    blocks = -(-n // block)
    return block, np.random.default_rng(seed).integers(0, n, size=(resamples, blocks))


def resampled_means(values: np.ndarray, block: int, resamples: int, seed: int) -> np.ndarray:
    """(resamples,) means of the circular moving-block resamples that ``block_indices`` draws
    (same seed, same blocks), from prefix sums of the circular series: each block's sum is a
    difference of two prefix sums, so no (resamples, n) array is built. Equal to
    ``values[block_indices(...)].mean(axis=1)`` up to rounding (tested)."""
    n = values.size
    block, starts = _block_starts(n, block, resamples, seed)
    blocks = starts.shape[1]
    prefix = np.concatenate(([0.0], np.cumsum(np.concatenate((values, values[:block])))))
    lengths = np.full(blocks, block)
    lengths[-1] = n - (blocks - 1) * block  # the last block is cut at n days
    sums = prefix[starts + lengths] - prefix[starts]
    return sums.sum(axis=1) / n


def _sharpe_rows(samples: np.ndarray, periods: int) -> np.ndarray:
    spread = samples.std(axis=1, ddof=1)
    flat = np.ptp(samples, axis=1) == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        sharpe = samples.mean(axis=1) / spread * np.sqrt(periods)
    return np.where(flat, 0.0, sharpe)


def _interval(estimate: float, values: np.ndarray, level: float) -> Interval:
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(values, [tail, 100.0 - tail])
    return Interval(estimate, float(low), float(high), level)


def sharpe_interval(returns: np.ndarray, block: int = 20, resamples: int = 1000,
                    level: float = 0.90, seed: int = 0,
                    periods: int = TRADING_DAYS_PER_YEAR) -> Interval:
    """Annualised Sharpe of ``returns`` with its block-bootstrap interval."""
    values = np.asarray(returns, dtype=np.float64)
    if values.size < 2:
        return Interval(float("nan"), float("nan"), float("nan"), level)
    estimate = float(_sharpe_rows(values[None, :], periods)[0])
    samples = values[block_indices(values.size, block, resamples, seed)]
    return _interval(estimate, _sharpe_rows(samples, periods), level)


def mean_difference_interval(first: np.ndarray, second: np.ndarray, block: int = 20,
                             resamples: int = 1000, level: float = 0.90,
                             seed: int = 0) -> Interval:
    """Mean of the paired daily difference ``first - second`` (same days, same order) with its
    block-bootstrap interval: both series are resampled on the same days."""
    a, b = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired series differ in length: {a.size} and {b.size} days")
    if a.size < 2:
        return Interval(float("nan"), float("nan"), float("nan"), level)
    difference = a - b
    means = resampled_means(difference, block, resamples, seed)
    return _interval(float(difference.mean()), means, level)
