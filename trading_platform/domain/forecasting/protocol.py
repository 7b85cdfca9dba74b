"""The contract every forecasting piece shares: horizons, the model protocol, walk-forward knobs.

Array conventions (stated once): ``X`` is ``(n_rows, n_features)`` float64 features of trading
days in date order; ``Y`` is ``(n_rows, HORIZONS)`` float64 cumulative log returns
``ln(close[t+h] / close[t])``, h = 1..HORIZONS, NaN where t+h is beyond the data. A model predicts
``(n_rows, HORIZONS)`` float64. Prediction matrices are ``(n_days, n_paths, HORIZONS)`` float32
closes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

HORIZONS = 14


@runtime_checkable
class ForecastModel(Protocol):
    """A point forecaster of the 14 cumulative log returns from today's features."""

    def fit(self, X: np.ndarray, Y: np.ndarray) -> ForecastModel: ...

    def predict(self, X: np.ndarray) -> np.ndarray: ...

    def raw_importance(self) -> np.ndarray | None: ...


class FitCache(Protocol):
    """Fitted models kept between daily forecasts, addressed by a digest of their training rows.

    A fit is a function of its training rows (every model is seeded, and the tuned model's
    parameters depend only on its own rows), so a model found under the digest of the same
    rows is the model a refit would produce: the daily path reuses it instead of refitting.
    """

    def get(self, key: str) -> ForecastModel | None: ...

    def put(self, key: str, model: ForecastModel) -> None: ...


def training_key(X: np.ndarray, Y: np.ndarray) -> str:
    """A digest of a fit's training rows: equal rows, equal key (shapes included)."""
    digest = hashlib.blake2b(digest_size=16)
    for array in (X, Y):
        contiguous = np.ascontiguousarray(array, dtype=np.float64)
        digest.update(repr(contiguous.shape).encode())
        digest.update(contiguous.tobytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class WalkForwardConfig:
    """Walk-forward knobs: expanding window, refit cadence, out-of-sample span, paths."""

    refit_every: int = 21          # trading days between refits
    oos_years: float = 5.0         # out-of-sample period: the last N years of data
    min_train_rows: int = 504      # no forecast before two years of complete training rows
    n_paths: int = 500
    residual_window: int = 250     # recent out-of-sample residual vectors bootstrapped into paths
    seed: int = 7

    def __post_init__(self) -> None:
        if self.refit_every < 1 or self.n_paths < 1 or self.min_train_rows < 30:
            raise ValueError(f"invalid walk-forward config: {self}")
        if not 0 < self.oos_years <= 50:
            raise ValueError(f"oos_years must be in (0, 50], got {self.oos_years}")
