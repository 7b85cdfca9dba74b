"""A whole forecast build: window, fit windows, synthetic accuracy, importances, daily parity."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from trading_platform.config.models import ModelZoo
from trading_platform.domain.features.build import build_features
from trading_platform.domain.forecasting import walk_forward
from trading_platform.domain.forecasting.build import (
    build_forecast,
    daily_prediction_matrix,
    fit_schedule,
    future_closes,
)
from trading_platform.domain.forecasting.checks import (
    forecasts_match_truncated_recompute,
    recompute_days,
)
from trading_platform.domain.forecasting.protocol import HORIZONS, WalkForwardConfig
from trading_platform.domain.forecasting.synthetic_models import realised_direction_accuracy
from trading_platform.domain.forecasting.targets import FEATURE_COLUMNS
from trading_platform.domain.forecasting.walk_forward import KeptFits
from trading_platform.domain.market.synthetic import generate_universe_market

CONFIG = WalkForwardConfig(refit_every=42, oos_years=1.0, min_train_rows=200, n_paths=40,
                           residual_window=60, seed=5)
# One thread per model: two test workers with two OpenMP threads each oversubscribe 2 cores.
SMALL_ZOO = ModelZoo.model_validate({"models": {
    "naive_rw": {"kind": "random_walk"},
    "xgboost": {"kind": "xgboost", "params": {"n_estimators": 15, "max_depth": 2, "n_jobs": 1}},
    "xgboost_tuned": {"kind": "xgboost_optuna",
                      "params": {"n_trials": 3, "cv_folds": 2, "n_jobs": 1}},
    "lightgbm": {"kind": "lightgbm", "params": {"n_estimators": 10, "num_leaves": 4,
                                                "n_jobs": 1}},
    "random_forest": {"kind": "random_forest", "params": {"n_estimators": 10, "max_depth": 3,
                                                          "n_jobs": 1}},
    "ensemble": {"kind": "ensemble", "params": {"members": ["xgboost", "lightgbm",
                                                             "random_forest"]}},
    "synthetic_70": {"kind": "synthetic", "synthetic": True, "params": {"accuracy": 0.70}},
}})


@pytest.fixture(scope="module")
def coffee(universe):
    market = generate_universe_market(universe, dt.date(2018, 1, 1), dt.date(2021, 12, 31),
                                      ["coffee"])
    return build_features(market, universe)


def test_future_closes_given_four_closes_shifts_and_pads_with_nan():
    future = future_closes(np.array([1.0, 2.0, 3.0, 4.0]))
    assert future.shape == (4, HORIZONS)
    np.testing.assert_array_equal(future[0, :3], [2.0, 3.0, 4.0])  # rows 1, 2, 3
    assert np.isnan(future[0, 3]) and np.isnan(future[3]).all()


def test_build_forecast_given_random_walk_every_fit_ends_before_its_day(coffee):
    build = build_forecast(coffee, "naive_rw", SMALL_ZOO, CONFIG)
    assert build.paths.shape == (build.dates.size, CONFIG.n_paths, HORIZONS)
    assert (build.fit_end < build.dates).all() and (build.fit_start <= build.fit_end).all()
    # One year out of sample (365 days back from the last date), the last day included.
    assert build.dates[-1] == build.data_end
    assert build.dates[0] > build.data_end - np.timedelta64(366, "D")
    assert build.metrics.height == HORIZONS and build.importance == {} and not build.synthetic
    assert build.uses_future is False  # fitted on the past only: marked so in the store
    schedule = fit_schedule(build)
    assert schedule["days"].sum() == build.dates.size
    assert (schedule["fit_end"] < schedule["first_forecast"]).all()


def test_build_forecast_given_synthetic_70_median_path_right_70_percent(coffee):
    build = build_forecast(coffee, "synthetic_70", SMALL_ZOO, CONFIG)
    assert build.synthetic and build.model is None and fit_schedule(build).is_empty()
    assert build.uses_future is True  # built from realised closes: the mark keeps it out
    # A synthetic path needs its whole 14-day future: the window stops 14 rows before the end.
    assert np.isfinite(build.future_closes).all() and build.dates[-1] < build.data_end
    accuracy = realised_direction_accuracy(build.paths, build.close_today, build.future_closes)
    assert abs(accuracy - 0.70) <= 1 / build.dates.size + 1e-9
    # The stored window is the 60 returns before the day: it ends on the previous trading day.
    assert (build.fit_end < build.dates).all()


@pytest.mark.parametrize("key", ["xgboost", "lightgbm", "random_forest", "ensemble",
                                 "xgboost_tuned"])
def test_build_forecast_given_tree_model_importances_are_shares_of_every_feature(coffee, key):
    build = build_forecast(coffee, key, SMALL_ZOO, CONFIG)
    assert list(build.importance) == list(FEATURE_COLUMNS)
    assert sum(build.importance.values()) == pytest.approx(1.0)
    assert min(build.importance.values()) >= 0.0


@pytest.mark.parametrize("key", ["xgboost", "xgboost_tuned"])
def test_daily_prediction_matrix_given_day_equals_the_stored_walk_forward_row(coffee, key):
    build = build_forecast(coffee, key, SMALL_ZOO, CONFIG)
    for row in (build.dates.size // 2, build.dates.size - 1):
        day = build.dates[row]
        later_rows_too = daily_prediction_matrix(coffee, key, SMALL_ZOO, CONFIG, day)
        np.testing.assert_array_equal(later_rows_too, build.paths[row])


def test_daily_prediction_matrix_given_synthetic_model_refuses():
    with pytest.raises(ValueError, match="synthetic research instrument"):
        daily_prediction_matrix(None, "synthetic_70", SMALL_ZOO, CONFIG, "2021-06-01")


def test_build_forecast_given_unknown_model_names_the_zoo(coffee):
    with pytest.raises(ValueError, match="not in the model zoo"):
        build_forecast(coffee, "prophet", SMALL_ZOO, CONFIG)


def test_build_forecast_given_negative_close_synthetic_skips_the_days_that_touch_it(coffee):
    negative_day = coffee["date"][-100]
    crude_like = coffee.with_columns(
        close=pl.when(pl.col("date") == negative_day).then(-1.5).otherwise(pl.col("close"))
    )
    build = build_forecast(crude_like, "synthetic_70", SMALL_ZOO, CONFIG)
    assert np.isfinite(build.paths).all()
    # The negative day is neither a forecast day nor inside any stored day's 14-day future.
    assert (build.close_today > 0).all() and (build.future_closes > 0).all()
    assert np.datetime64(negative_day, "D") not in build.dates


def test_feature_definitions_given_moved_imports_and_docstrings_hash_the_same():
    from trading_platform.domain.forecasting.targets import _definitions

    before = ('"""Old words."""\nimport numpy as np\n\n'
              'def f(x):\n    """Say it."""\n    return x + 1\n')
    moved = "from somewhere.other import np\n\ndef f(x):\n    return x + 1\n"
    changed = "import numpy as np\n\ndef f(x):\n    return x + 2\n"
    assert _definitions(before) == _definitions(moved)
    assert _definitions(before) != _definitions(changed)


def _recompute(coffee, days, fits=None):
    return [daily_prediction_matrix(coffee.filter(pl.col("date") <= day.astype(dt.date)),
                                    "xgboost", SMALL_ZOO, CONFIG, day, fits) for day in days]


def test_forecasts_match_truncated_recompute_given_honest_build_passes(coffee):
    build = build_forecast(coffee, "xgboost", SMALL_ZOO, CONFIG)
    days = recompute_days(build.dates, 3, seed=1)
    assert days[-1] == build.dates[-1] and len(days) == 3
    stored = [build.paths[int(np.searchsorted(build.dates, day))] for day in days]
    outcome = forecasts_match_truncated_recompute(days, stored, _recompute(coffee, days), False)
    assert outcome.passed and outcome.metadata["observed"] == 0, outcome.description


def test_forecasts_match_truncated_recompute_given_build_fits_reuses_them_bit_for_bit(coffee):
    fits = KeptFits()
    build = build_forecast(coffee, "xgboost", SMALL_ZOO, CONFIG, fits=fits)
    built = len(fits)
    days = recompute_days(build.dates, 3, seed=1)
    stored = [build.paths[int(np.searchsorted(build.dates, day))] for day in days]
    shared = _recompute(coffee, days, fits)
    assert fits.hits > 0 and len(fits) == built  # every truncated refit was a build fit
    for fresh, reused in zip(_recompute(coffee, days), shared, strict=True):
        np.testing.assert_array_equal(fresh, reused)
    outcome = forecasts_match_truncated_recompute(days, stored, shared, False, fits.hits)
    assert outcome.passed and outcome.metadata["fits_reused"] == fits.hits


def test_forecasts_match_truncated_recompute_given_fits_trained_past_their_refit_fails(
    coffee, monkeypatch,
):
    # Planted: each refit trains on rows whose 14-day outcome ends after the refit day. The
    # build's fits are shared with the recompute, yet none is reused: the honest, truncated
    # training rows differ, so their digests do, and the recompute refits and disagrees.
    monkeypatch.setattr(walk_forward, "training_rows",
                        lambda complete, refit: np.flatnonzero(complete[:refit]))
    fits = KeptFits()
    build = build_forecast(coffee, "xgboost", SMALL_ZOO, CONFIG, fits=fits)
    monkeypatch.undo()
    days = recompute_days(build.dates, 1, seed=1)  # one window: its refits are all distinct
    stored = [build.paths[int(np.searchsorted(build.dates, day))] for day in days]
    outcome = forecasts_match_truncated_recompute(days, stored, _recompute(coffee, days, fits),
                                                  False, fits.hits)
    assert fits.hits == 0
    assert not outcome.passed and outcome.metadata["observed"] == 1


def test_build_forecast_given_members_built_first_ensemble_reuses_their_fits(coffee):
    members = {key: KeptFits() for key in ("xgboost", "lightgbm", "random_forest")}
    for key, fits in members.items():
        build_forecast(coffee, key, SMALL_ZOO, CONFIG, fits=fits)
    built = {key: len(fits) for key, fits in members.items()}
    alone = build_forecast(coffee, "ensemble", SMALL_ZOO, CONFIG)
    reusing = build_forecast(coffee, "ensemble", SMALL_ZOO, CONFIG, member_fits=members)
    assert all(members[key].hits == built[key] > 0 for key in members)  # every refit reused
    np.testing.assert_array_equal(reusing.paths, alone.paths)
    day = reusing.dates[-1]
    np.testing.assert_array_equal(
        daily_prediction_matrix(coffee.filter(pl.col("date") <= day.astype(dt.date)),
                                "ensemble", SMALL_ZOO, CONFIG, day, member_fits=members),
        reusing.paths[-1])


def test_forecasts_match_truncated_recompute_given_model_reading_next_close_fails(coffee):
    # Planted: a model that reads the next close. Its stored paths are the honest ones moved
    # by tomorrow's realised return; a recompute from history truncated at the day cannot
    # know it, so the sampled days differ.
    build = build_forecast(coffee, "xgboost", SMALL_ZOO, CONFIG)
    tomorrow = build.future_closes[:, 0] / build.close_today
    leaky = build.paths * tomorrow[:, None, None].astype(np.float32)
    days = recompute_days(build.dates[:-1], 3, seed=1)  # days whose next close is known
    stored = [leaky[int(np.searchsorted(build.dates, day))] for day in days]
    outcome = forecasts_match_truncated_recompute(days, stored, _recompute(coffee, days), False)
    assert not outcome.passed and outcome.metadata["observed"] == 3
    assert "used information from after their day" in outcome.description


def test_forecasts_match_truncated_recompute_given_future_built_model_says_not_applicable():
    outcome = forecasts_match_truncated_recompute([], [], [], uses_future=True)
    assert outcome.passed and "never traded" in outcome.description
