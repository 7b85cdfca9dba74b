"""Per-day statistics of a prediction-matrix set, computed once and shared by all strategies.

Conventions: ``paths`` (n, p, 14) closes aligned on the market's trading days (a day without a
matrix is all NaN), ``close`` (n,) today's closes. A path's return at horizon h (1-based) is
``paths[t, :, h-1] / close[t] - 1`` in float64. Days without a matrix, or with a non-positive
close, are "unavailable": every statistic is NaN there and forecast-driven strategies fall back
to their no-forecast rule (documented per strategy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trading_platform.domain.forecasting.protocol import HORIZONS


@dataclass(frozen=True)
class ForecastStats:
    """Path returns per (day, path, horizon) and which days have a usable matrix."""

    returns: np.ndarray  # (n, p, 14) float64
    available: np.ndarray  # (n,) bool

    @classmethod
    def from_paths(cls, paths: np.ndarray, close: np.ndarray) -> ForecastStats:
        paths = np.asarray(paths, dtype=np.float64)
        close = np.asarray(close, dtype=np.float64)
        if paths.ndim != 3 or paths.shape[0] != close.shape[0] or paths.shape[2] != HORIZONS:
            raise ValueError(f"paths must be (n_days, n_paths, {HORIZONS}) aligned with close "
                             f"({close.shape[0]} days); got {paths.shape}")
        available = np.isfinite(paths).all(axis=(1, 2)) & (close > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            returns = paths / close[:, None, None] - 1.0
        returns[~available] = np.nan
        return cls(returns=returns, available=available)

    def _at(self, horizon: int) -> np.ndarray:
        if not 1 <= horizon <= HORIZONS:
            raise ValueError(f"horizon must be in 1..{HORIZONS}, got {horizon}")
        return self.returns[:, :, horizon - 1]

    def share_above(self, horizon: int, min_return: float) -> np.ndarray:
        """Share of paths whose return at ``horizon`` is >= ``min_return`` (NaN if unavailable)."""
        share = (self._at(horizon) >= min_return).mean(axis=1)
        return np.where(self.available, share, np.nan)

    def median_return(self, horizon: int) -> np.ndarray:
        return np.median(self._at(horizon), axis=1)

    def mean_return(self, horizon: int) -> np.ndarray:
        return self._at(horizon).mean(axis=1)

    def uncertainty(self, horizon: int) -> np.ndarray:
        """Width of the central 80 % band relative to the median price: (q90 - q10) / (1 + q50)."""
        q10, q50, q90 = np.quantile(self._at(horizon), [0.1, 0.5, 0.9], axis=1)
        return (q90 - q10) / (1.0 + q50)
