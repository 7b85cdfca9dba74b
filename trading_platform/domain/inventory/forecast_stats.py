"""Per-day statistics of a prediction-matrix set, computed once and shared by all strategies.

Conventions: ``paths`` (n, p, 14) closes aligned on the market's trading days (a day without a
matrix is all NaN), ``close`` (n,) today's closes. A path's return at horizon h (1-based) is
``float64(paths[t, i, h-1]) / close[t] - 1``. Days without a matrix, or with a non-positive
close, are "unavailable": every statistic is NaN there and forecast-driven strategies fall back
to their no-forecast rule (documented per strategy).

Statistics are computed lazily, once per horizon (a strategy set typically needs all 14 means
but quantiles at one evaluation horizon only): the mean return is summed path by path in path
order (``mean_path_return_reference`` is its plain-Python twin); quantiles use numpy's linear
interpolation, and the median is the 0.5 quantile.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit

from trading_platform.domain.forecasting.protocol import HORIZONS

BAND_QUANTILES = (0.1, 0.5, 0.9)


@njit(cache=True)
def mean_returns_kernel(paths: np.ndarray, close: np.ndarray) -> np.ndarray:
    """(n, 14) mean path return per day and horizon, summed in path order."""
    n, p, horizons = paths.shape
    out = np.zeros((n, horizons))
    for t in range(n):
        for i in range(p):  # path order per horizon; horizons innermost for contiguous reads
            for h in range(horizons):
                out[t, h] += np.float64(paths[t, i, h]) / close[t] - 1.0
        for h in range(horizons):
            out[t, h] /= p
    return out


def mean_path_return_reference(matrix: np.ndarray, close: float, horizon: int) -> float:
    """One day's mean path return at ``horizon``, in the kernel's summation order."""
    total = 0.0
    column = matrix[:, horizon - 1]
    for value in column:
        total += float(value) / close - 1.0
    return total / column.shape[0]


@dataclass(frozen=True)
class ForecastStats:
    """Lazily computed statistics of aligned prediction matrices (see the module docstring)."""

    paths: np.ndarray  # (n, p, 14), float32 or float64, possibly memory-mapped
    close: np.ndarray  # (n,) float64
    available: np.ndarray  # (n,) bool
    _cache: dict[object, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_paths(cls, paths: np.ndarray, close: np.ndarray) -> ForecastStats:
        close = np.ascontiguousarray(close, dtype=np.float64)
        if paths.ndim != 3 or paths.shape[0] != close.shape[0] or paths.shape[2] != HORIZONS:
            raise ValueError(f"paths must be (n_days, n_paths, {HORIZONS}) aligned with close "
                             f"({close.shape[0]} days); got {paths.shape}")
        finite = np.isfinite(paths.reshape(paths.shape[0], -1)).all(axis=1)
        return cls(paths=paths, close=close, available=finite & (close > 0))

    def _cached(self, key: object, compute) -> np.ndarray:  # type: ignore[no-untyped-def]
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def returns(self, horizon: int) -> np.ndarray:
        """(n, p) float64 path returns at ``horizon``; NaN rows on unavailable days."""
        if not 1 <= horizon <= HORIZONS:
            raise ValueError(f"horizon must be in 1..{HORIZONS}, got {horizon}")

        def compute() -> np.ndarray:
            with np.errstate(invalid="ignore", divide="ignore"):
                values = np.asarray(self.paths[:, :, horizon - 1], dtype=np.float64) / (
                    self.close[:, None]) - 1.0
            values[~self.available] = np.nan
            return values
        return self._cached(("returns", horizon), compute)

    def share_above(self, horizon: int, min_return: float) -> np.ndarray:
        """Share of paths whose return at ``horizon`` is >= ``min_return`` (NaN if unavailable)."""
        share = (self.returns(horizon) >= min_return).mean(axis=1)
        return np.where(self.available, share, np.nan)

    def mean_return(self, horizon: int) -> np.ndarray:
        def compute() -> np.ndarray:
            with np.errstate(invalid="ignore", divide="ignore"):
                means = mean_returns_kernel(np.ascontiguousarray(self.paths), self.close)
            means[~self.available] = np.nan
            return means
        return self._cached("means", compute)[:, horizon - 1]

    def quantiles(self, horizon: int) -> np.ndarray:
        """(3, n) q10, q50, q90 of the path returns at ``horizon``."""
        return self._cached(("quantiles", horizon),
                            lambda: np.quantile(self.returns(horizon), BAND_QUANTILES, axis=1))

    def median_return(self, horizon: int) -> np.ndarray:
        return self.quantiles(horizon)[1]

    def uncertainty(self, horizon: int) -> np.ndarray:
        """Width of the central 80 % band relative to the median price: (q90 - q10) / (1 + q50)."""
        q10, q50, q90 = self.quantiles(horizon)
        return (q90 - q10) / (1.0 + q50)
