"""Forecast checks read the stored matrices and name the days that break a rule."""

from __future__ import annotations

import numpy as np

from trading_platform.config.models import ModelSpec
from trading_platform.domain.forecasting.checks import evaluate_forecast_checks
from trading_platform.domain.forecasting.protocol import HORIZONS
from trading_platform.resources.forecast_files import open_matrices, write_matrices

REAL = ModelSpec(kind="random_walk")
SYNTHETIC_80 = ModelSpec(kind="synthetic", synthetic=True, params={"accuracy": 0.8})
N_DAYS, N_PATHS = 400, 400


def _market(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Closes, each day's 14 realised future closes, and 400 paths drawn like the future.

    Every day's future is an independent draw of the same random walk as its paths, so the
    80 % band holds 80 % of realised closes up to binomial noise (sd about 2 points).
    """
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(rng.normal(0, 0.1, N_DAYS))

    def walks(n_paths: int) -> np.ndarray:
        steps = rng.normal(0, 0.01, (N_DAYS, n_paths, HORIZONS))
        return close[:, None, None] * np.exp(np.cumsum(steps, axis=2))

    return close, walks(1)[:, 0, :], walks(N_PATHS).astype(np.float32)


def _checks(tmp_path, paths, fit_end_lag_days=1, spec=REAL, close=None, future=None):
    dates = np.datetime64("2024-01-01") + np.arange(N_DAYS)
    write_matrices(tmp_path, dates, paths, dates - 300, dates - fit_end_lag_days, {})
    outcomes = evaluate_forecast_checks(open_matrices(tmp_path), close, future, spec, N_PATHS)
    return {o.name: o for o in outcomes}


def test_forecast_checks_given_calibrated_random_walk_paths_all_pass(tmp_path):
    close, future, paths = _market()
    outcomes = _checks(tmp_path, paths, close=close, future=future)
    assert all(o.passed for o in outcomes.values()), [o.description for o in outcomes.values()]
    assert outcomes["synthetic_accuracy_matches_nominal"].metadata["applies"] is False


def test_forecast_checks_given_nan_on_one_day_fail_shape_naming_the_day(tmp_path):
    close, future, paths = _market()
    paths[7, 3, 2] = np.nan
    outcome = _checks(tmp_path, paths, close=close, future=future)["forecasts_shape_and_finite"]
    assert not outcome.passed and outcome.severity == "ERROR"
    assert outcome.metadata["first_bad_days"] == ["2024-01-08"]  # day 7 after 2024-01-01


def test_forecast_checks_given_fit_ending_on_the_forecast_day_fail_leakage(tmp_path):
    close, future, paths = _market()
    outcome = _checks(tmp_path, paths, fit_end_lag_days=0, close=close,
                      future=future)["forecasts_fit_before_forecast_day"]
    assert not outcome.passed and outcome.metadata["leaking_days"] == N_DAYS
    assert outcome.metadata["first_leaks"][0] == "2024-01-01: fit 2023-03-07..2024-01-01"


def test_forecast_checks_given_bands_ten_times_too_narrow_warn_on_coverage(tmp_path):
    close, future, paths = _market()
    median = np.median(paths, axis=1, keepdims=True)
    narrow = (median + (paths - median) / 10).astype(np.float32)
    outcome = _checks(tmp_path, narrow, close=close,
                      future=future)["forecasts_band_coverage_calibrated"]
    assert not outcome.passed and outcome.severity == "WARN"
    assert outcome.metadata["observed"] < 0.70


def test_forecast_checks_given_synthetic_paths_always_right_fail_nominal_80(tmp_path):
    close, future, _ = _market()
    # Every path equals the realised future: the median is right on 100 % of days, not 80 %.
    exact = np.repeat(future[:, None, :], N_PATHS, axis=1).astype(np.float32)
    outcomes = _checks(tmp_path, exact, spec=SYNTHETIC_80, close=close, future=future)
    outcome = outcomes["synthetic_accuracy_matches_nominal"]
    assert not outcome.passed and outcome.metadata["observed"] == 1.0
    assert outcomes["forecasts_band_coverage_calibrated"].metadata["applies"] is False
