"""Walk-forward: targets, leakage, cadence, determinism, daily parity and path shape."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from trading_platform.config.models import load_model_zoo
from trading_platform.domain.features.build import build_features
from trading_platform.domain.forecasting.build import model_factory
from trading_platform.domain.forecasting.models import RandomWalkModel, XGBoostModel
from trading_platform.domain.forecasting.protocol import HORIZONS, WalkForwardConfig
from trading_platform.domain.forecasting.targets import FEATURE_COLUMNS, feature_matrix, targets
from trading_platform.domain.forecasting.walk_forward import (
    daily_forecast,
    first_honest_row,
    walk_forward,
)
from trading_platform.domain.market.synthetic import generate_universe_market

CONFIG = WalkForwardConfig(
    refit_every=10, oos_years=0.5, min_train_rows=60, n_paths=200, residual_window=40, seed=3
)


def _series(n: int = 260, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random walk whose next-14-day drift is planted in feature 0."""
    rng = np.random.default_rng(seed)
    dates = np.datetime64("2020-01-01") + np.arange(n)
    X = rng.normal(size=(n, 4))
    log_close = np.log(100.0) + np.cumsum(rng.normal(0.0, 0.01, n))
    return dates, X, np.exp(log_close)


def _small_xgb() -> XGBoostModel:
    return XGBoostModel(n_estimators=20, max_depth=2, learning_rate=0.2, n_jobs=1)


def test_targets_given_tiny_series_hand_derived_log_returns():
    Y = targets(np.array([100.0, 110.0, 121.0]))
    # 110 / 100 = 1.1; 121 / 100 = 1.21 = 1.1 ** 2; 121 / 110 = 1.1
    assert Y[0, 0] == pytest.approx(math.log(1.1))
    assert Y[0, 1] == pytest.approx(2 * math.log(1.1))
    assert Y[1, 0] == pytest.approx(math.log(1.1))
    assert np.isnan(Y[0, 2:]).all() and np.isnan(Y[2]).all()


def test_targets_given_non_positive_close_nan():
    Y = targets(np.array([1.0, -2.0, 3.0, 4.0]))
    # any log return touching the -2.0 close is undefined
    assert np.isnan(Y[0, 0]) and np.isnan(Y[1, :2]).all()
    assert Y[0, 1] == pytest.approx(math.log(3.0))


def test_feature_matrix_given_synthetic_coffee_drops_warm_up(universe):
    market = generate_universe_market(universe, dt.date(2020, 1, 1), dt.date(2021, 12, 31),
                                      ["coffee"])
    features = build_features(market, universe)
    dates, X = feature_matrix(features)
    assert X.shape == (int((~features["warm_up"]).sum()), len(FEATURE_COLUMNS))
    assert np.isfinite(X).all() and (np.diff(dates) > np.timedelta64(0, "D")).all()


def test_walk_forward_given_any_day_no_label_leakage():
    dates, X, close = _series()
    result = walk_forward(dates, X, close, RandomWalkModel, CONFIG)
    assert (result.fit_end < result.dates).all()
    assert (result.fit_end < result.refit_date).all()
    assert (result.refit_date <= result.dates).all()
    # the last training target closes HORIZONS rows after its row, still before the refit row
    refit_rows = np.searchsorted(dates, result.refit_date)
    assert (np.searchsorted(dates, result.fit_end) <= refit_rows - 1).all()


def test_walk_forward_given_refit_every_schedule_has_cadence():
    dates, X, close = _series(n=400)
    result = walk_forward(dates, X, close, RandomWalkModel, CONFIG)
    rows = np.searchsorted(dates, result.schedule)
    assert (np.diff(rows) == CONFIG.refit_every).all()
    assert set(result.refit_date) <= set(result.schedule)
    # the window is the last half year: 183 calendar days of daily dates
    assert result.dates[0] == dates[-1] - np.timedelta64(182, "D")


def test_walk_forward_given_short_history_starts_where_out_of_sample_residuals_suffice():
    # 260 days: the first refit is row 74 (it trains on rows t with t + 14 < 74: the 60
    # rows 0..59); its paths need 40 residuals of days whose outcome is known before the
    # day: 74 + 14 + 40 = row 128, later than the half-year cut (row 77).
    dates, X, close = _series()
    assert first_honest_row(close, CONFIG) == 128
    result = walk_forward(dates, X, close, RandomWalkModel, CONFIG)
    assert result.dates[0] == dates[128]
    with pytest.raises(ValueError, match="out-of-sample residuals for its paths"):
        daily_forecast(dates, X, close, RandomWalkModel, CONFIG, dates[127])


def test_walk_forward_given_progress_reports_every_refit_in_order():
    dates, X, close = _series()
    calls: list[tuple[int, int]] = []
    result = walk_forward(dates, X, close, RandomWalkModel, CONFIG,
                          progress=lambda done, total: calls.append((done, total)))
    total = result.schedule.size
    assert calls == [(done, total) for done in range(1, total + 1)]


def test_walk_forward_given_random_walk_paths_centred_on_close():
    dates, X, close = _series()
    result = walk_forward(dates, X, close, RandomWalkModel, CONFIG)
    today = close[np.searchsorted(dates, result.dates)]
    median_h1 = np.median(result.paths[:, :, 0], axis=1)
    assert np.allclose(median_h1 / today, 1.0, atol=0.02)
    assert result.paths.dtype == np.float32
    assert result.paths.shape == (result.dates.shape[0], CONFIG.n_paths, HORIZONS)


def test_walk_forward_given_same_seed_deterministic():
    dates, X, close = _series()
    first = walk_forward(dates, X, close, _small_xgb, CONFIG)
    second = walk_forward(dates, X, close, _small_xgb, CONFIG)
    np.testing.assert_array_equal(first.paths, second.paths)
    np.testing.assert_array_equal(first.point, second.point)


def test_daily_forecast_given_day_equals_walk_forward_row():
    dates, X, close = _series()
    result = walk_forward(dates, X, close, _small_xgb, CONFIG)
    for row in (0, 37, result.dates.shape[0] - 1):
        day = result.dates[row]
        np.testing.assert_array_equal(
            daily_forecast(dates, X, close, _small_xgb, CONFIG, day), result.paths[row]
        )


class _Counted:
    """A model factory that counts its fits, and a dict-backed fit cache."""

    def __init__(self) -> None:
        self.fits = 0
        self.cache: dict[str, object] = {}

    def __call__(self) -> XGBoostModel:
        self.fits += 1
        return _small_xgb()

    def get(self, key: str):
        return self.cache.get(key)

    def put(self, key: str, model) -> None:
        self.cache[key] = model


def test_daily_forecast_given_fit_cache_refits_only_new_grid_rows_and_equals_uncached():
    dates, X, close = _series()
    counted = _Counted()
    fits_per_day = []
    for day in dates[-12:]:
        before = counted.fits
        cached = daily_forecast(dates, X, close, counted, CONFIG, day, fits=counted)
        fits_per_day.append(counted.fits - before)
        np.testing.assert_array_equal(cached, daily_forecast(dates, X, close, _small_xgb,
                                                             CONFIG, day))
    # The first day fits its whole window, (14 + 40) // 10 + 1 = 6 refits (5 or 6 by phase);
    # a later day fits only when its own row is a refit row (every 10th row).
    assert fits_per_day[0] >= 5
    assert sorted(set(fits_per_day[1:])) == [0, 1]
    assert sum(fits_per_day[1:]) in (1, 2)  # 11 more days span one or two refit rows


def test_daily_forecast_given_factory_sharing_one_model_refuses_instead_of_aliasing_fits():
    # Planted: a factory that hands out one model object for every refit (as the tuned model's
    # factory once did). With an in-memory fit cache, each key would hold that same object,
    # refitted on later rows by the time it is read back.
    dates, X, close = _series()
    shared = _small_xgb()
    cache = _Counted()
    with pytest.raises(ValueError, match="refits must be separate objects"):
        daily_forecast(dates, X, close, lambda: shared, CONFIG, dates[-1], fits=cache)


def test_tuned_model_factory_given_refits_makes_separate_objects_sharing_tunings():
    zoo = load_model_zoo()
    factory = model_factory(zoo.models["xgboost_tuned"], zoo)
    first, second = factory(), factory()
    assert first is not second and first._tunings is second._tunings


def test_forecast_paths_given_bootstrap_keep_cross_horizon_dependence():
    dates, X, close = _series()
    result = walk_forward(dates, X, close, RandomWalkModel, CONFIG)
    log_paths = np.log(result.paths[-1].astype(np.float64))
    assert np.corrcoef(log_paths[:, 12], log_paths[:, 13])[0, 1] > 0.8


def test_walk_forward_given_too_little_data_raises():
    dates, X, close = _series(n=50)
    with pytest.raises(ValueError, match="min_train_rows"):
        walk_forward(dates, X, close, RandomWalkModel, CONFIG)


def test_walk_forward_given_trending_closes_random_walk_paths_carry_no_drift():
    # Closes rise 0.5 % a day with small noise: the realised 14-day log returns in the pool
    # average about +7 %. The random walk is a martingale: its paths must stay centred on
    # today's close (mean log return over the paths ~0 at every horizon), not on the trend.
    rng = np.random.default_rng(2)
    n = 260
    dates = np.datetime64("2020-01-01") + np.arange(n)
    close = 100.0 * np.exp(np.cumsum(0.005 + rng.normal(0.0, 0.002, n)))
    result = walk_forward(dates, rng.normal(size=(n, 4)), close, RandomWalkModel, CONFIG)
    today = close[np.searchsorted(dates, result.dates)]
    log_returns = np.log(result.paths.astype(np.float64) / today[:, None, None])
    # The trend would put day 14 near +0.07 (0.005 x 14); centred pools leave only the
    # sampling error of 200 draws per day (~0.001).
    assert abs(log_returns[:, :, -1].mean()) < 0.002
    assert np.abs(log_returns.mean(axis=1)).max() < 0.01
    assert log_returns[:, :, -1].std() > 0.001  # the paths still spread
