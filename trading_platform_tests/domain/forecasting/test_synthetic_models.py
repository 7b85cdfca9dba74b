from __future__ import annotations

import numpy as np
import pytest

from trading_platform.domain.forecasting.metrics import forecast_metrics
from trading_platform.domain.forecasting.protocol import HORIZONS
from trading_platform.domain.forecasting.synthetic_models import (
    realised_direction_accuracy,
    synthetic_paths,
)

N_DAYS = 2_000
VOL = 0.015


def _random_walk(n_days: int = N_DAYS, seed: int = 11) -> tuple[np.ndarray, np.ndarray]:
    """Today's closes (n + 14,) and future closes (n + 14, 14); the last 14 rows are incomplete."""
    rng = np.random.default_rng(seed)
    closes = 80.0 * np.exp(np.cumsum(rng.normal(0, VOL, n_days + HORIZONS)))
    padded = np.r_[closes, np.full(HORIZONS, np.nan)]
    future = np.stack([padded[1 + h : 1 + h + closes.size] for h in range(HORIZONS)], axis=1)
    return closes, future


@pytest.mark.parametrize("accuracy", [0.6, 0.7, 0.8, 0.9])
def test_synthetic_paths_given_accuracy_realised_accuracy_within_3_points(accuracy: float) -> None:
    today, future = _random_walk()
    paths = synthetic_paths(today, future, accuracy, n_paths=100, vol=VOL, seed=5)
    realised = realised_direction_accuracy(paths, today, future)
    assert abs(realised - accuracy) <= 0.03
    # By construction the count of correct days is exact: round(0.6 * 2000) / 2000 = 0.6.
    assert realised == pytest.approx(accuracy, abs=1 / N_DAYS)
    h14 = forecast_metrics(paths, today, future).row(HORIZONS - 1, named=True)
    assert h14["directional_accuracy"] == pytest.approx(realised)


def test_synthetic_paths_given_even_paths_and_per_day_vol_keeps_accuracy() -> None:
    today, future = _random_walk(n_days=500)
    vol = np.linspace(0.005, 0.03, today.size)
    paths = synthetic_paths(today, future, 0.75, n_paths=64, vol=vol, seed=1)
    assert realised_direction_accuracy(paths, today, future) == pytest.approx(0.75, abs=1 / 500)


def test_synthetic_paths_given_incomplete_future_returns_nan_rows_and_finite_elsewhere() -> None:
    today, future = _random_walk(n_days=300)
    paths = synthetic_paths(today, future, 0.8, n_paths=50, vol=VOL, seed=3)
    assert paths.shape == (today.size, 50, HORIZONS)
    assert paths.dtype == np.float32
    known = np.isfinite(future).all(axis=1)
    assert known.sum() == today.size - HORIZONS
    assert np.isnan(paths[~known]).all()
    assert np.isfinite(paths[known]).all()


def test_synthetic_paths_given_vol_paths_are_spread_and_dependent_across_horizons() -> None:
    today, future = _random_walk(n_days=200)
    paths = synthetic_paths(today, future, 0.7, n_paths=200, vol=VOL, seed=4)[:200]
    r = np.log(paths.astype(np.float64) / today[:200, None, None])
    spread = r.std(axis=1)
    # A random walk of daily sd 1.5 %: sd at horizon h is about 0.015 * sqrt(h).
    np.testing.assert_allclose(spread[:, -1].mean(), VOL * np.sqrt(HORIZONS), rtol=0.1)
    # Cumulated noise: corr(h13, h14) = sqrt(13 / 14) = 0.964 across paths.
    demeaned = r - r.mean(axis=1, keepdims=True)
    corr = (demeaned[:, :, -2] * demeaned[:, :, -1]).sum(1) / np.sqrt(
        (demeaned[:, :, -2] ** 2).sum(1) * (demeaned[:, :, -1] ** 2).sum(1)
    )
    assert corr.mean() == pytest.approx(np.sqrt(13 / 14), abs=0.02)


def test_synthetic_paths_given_same_seed_is_deterministic_and_other_seed_differs() -> None:
    today, future = _random_walk(n_days=100)
    first = synthetic_paths(today, future, 0.6, n_paths=20, vol=VOL, seed=9)
    again = synthetic_paths(today, future, 0.6, n_paths=20, vol=VOL, seed=9)
    other = synthetic_paths(today, future, 0.6, n_paths=20, vol=VOL, seed=10)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other, equal_nan=True)


def test_realised_direction_accuracy_given_two_days_hand_case() -> None:
    # Day 0: median 14-day return ln(105/100) > 0, realised 103 > 100 -> hit.
    # Day 1: median ln(98/100) < 0, realised 101 > 100 -> miss.  Accuracy = 1 / 2.
    paths = np.zeros((2, 3, HORIZONS), dtype=np.float32)
    paths[0] = np.array([95.0, 105.0, 110.0])[:, None]
    paths[1] = np.array([90.0, 98.0, 120.0])[:, None]
    future = np.array([[103.0] * HORIZONS, [101.0] * HORIZONS])
    assert realised_direction_accuracy(paths, np.array([100.0, 100.0]), future) == 0.5


def test_synthetic_paths_given_bad_accuracy_raises() -> None:
    today, future = _random_walk(n_days=20)
    with pytest.raises(ValueError, match="accuracy"):
        synthetic_paths(today, future, 1.5, n_paths=10, vol=VOL, seed=0)
