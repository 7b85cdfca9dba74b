"""Aligning prediction matrices with market days, and refusing unusable forecast stores."""

from __future__ import annotations

import numpy as np
import pytest

from trading_platform.domain.inventory.alignment import (
    UnusableForecastsError,
    align_forecasts,
    require_passed_checks,
)


def _days(*texts: str) -> np.ndarray:
    return np.array(texts, dtype="datetime64[D]")


def _paths(n: int, n_paths: int = 3) -> np.ndarray:
    # Row t is filled with t + 1, so a test can see which matrix landed where.
    return (np.arange(1, n + 1, dtype=np.float32)[:, None, None]
            * np.ones((n, n_paths, 14), np.float32))


MARKET = _days("2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08")
CLOSES = np.array([10.0, 11.0, 12.0, 13.0, 14.0])


def test_align_forecasts_given_store_covering_exactly_the_market_days_returns_same_array():
    paths = _paths(5)
    aligned = align_forecasts(MARKET, CLOSES, MARKET.copy(), paths)
    assert aligned.paths is paths  # no copy
    assert aligned.missing_days == 0 and aligned.ignored_days == 0
    np.testing.assert_array_equal(aligned.dates, MARKET)
    np.testing.assert_array_equal(aligned.price, CLOSES)


def test_align_forecasts_given_market_days_without_matrix_fills_nan_rows_and_counts_them():
    # Forecasts on days 0, 1, 3, 4: day 2 (2024-01-04) has no matrix.
    forecast_days = MARKET[[0, 1, 3, 4]]
    aligned = align_forecasts(MARKET, CLOSES, forecast_days, _paths(4))
    assert aligned.paths.shape == (5, 3, 14)
    assert aligned.missing_days == 1 and aligned.ignored_days == 0
    assert np.isnan(aligned.paths[2]).all()
    # The stored rows 1, 2, 3, 4 land on market days 0, 1, 3, 4.
    assert aligned.paths[[0, 1, 3, 4], 0, 0].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_align_forecasts_given_forecast_day_that_is_not_a_market_day_ignores_and_counts_it():
    # 2024-01-06 is a Saturday: no market day, its matrix (row 4 -> value 4) is ignored.
    forecast_days = _days("2024-01-02", "2024-01-03", "2024-01-04", "2024-01-06", "2024-01-08")
    aligned = align_forecasts(MARKET, CLOSES, forecast_days, _paths(5))
    assert aligned.ignored_days == 1
    assert aligned.missing_days == 1  # 2024-01-05 has no matrix
    assert aligned.paths[:, 0, 0].tolist()[:3] == [1.0, 2.0, 3.0]
    assert np.isnan(aligned.paths[3]).all()
    assert aligned.paths[4, 0, 0] == 5.0
    assert not (aligned.paths == 4.0).any()


def test_align_forecasts_given_store_ending_early_runs_to_last_market_day_without_forecast():
    # The store covers 2024-01-03 .. 2024-01-05 (a synthetic model's store ends before the
    # market): the window is market days 1..4, day 4 (2024-01-08) an empty-forecast day.
    aligned = align_forecasts(MARKET, CLOSES, MARKET[1:4], _paths(3))
    np.testing.assert_array_equal(aligned.dates, MARKET[1:])
    np.testing.assert_array_equal(aligned.price, [11.0, 12.0, 13.0, 14.0])
    assert aligned.paths.shape[0] == 4 and aligned.missing_days == 1
    assert np.isnan(aligned.paths[3]).all()


def test_align_forecasts_given_nan_close_in_window_names_the_date():
    closes = CLOSES.copy()
    closes[2] = np.nan
    with pytest.raises(UnusableForecastsError, match="close on 2024-01-04 is nan"):
        align_forecasts(MARKET, closes, MARKET, _paths(5))


def test_align_forecasts_given_infinite_close_in_window_names_the_date():
    closes = CLOSES.copy()
    closes[4] = np.inf
    with pytest.raises(UnusableForecastsError, match="close on 2024-01-08 is inf"):
        align_forecasts(MARKET, closes, MARKET, _paths(5))


def test_align_forecasts_given_nan_close_outside_window_ignores_it():
    closes = CLOSES.copy()
    closes[0] = np.nan  # 2024-01-02 is before the store's first day
    aligned = align_forecasts(MARKET, closes, MARKET[1:], _paths(4))
    np.testing.assert_array_equal(aligned.price, [11.0, 12.0, 13.0, 14.0])


def test_align_forecasts_given_zero_close_keeps_it():
    closes = CLOSES.copy()
    closes[1] = 0.0
    aligned = align_forecasts(MARKET, closes, MARKET, _paths(5))
    assert aligned.price[1] == 0.0 and aligned.price.size == 5


def test_align_forecasts_given_empty_store_refuses():
    with pytest.raises(UnusableForecastsError, match="holds no days"):
        align_forecasts(MARKET, CLOSES, _days(), np.empty((0, 3, 14), np.float32))


def test_align_forecasts_given_store_outside_market_refuses_naming_span():
    with pytest.raises(UnusableForecastsError, match=r"2025-01-02 \.\. 2025-01-03"):
        align_forecasts(MARKET, CLOSES, _days("2025-01-02", "2025-01-03"), _paths(2))


def test_require_passed_checks_given_none_says_checks_never_ran():
    with pytest.raises(UnusableForecastsError, match="never ran") as error:
        require_passed_checks(None, "coffee|naive_rw")
    assert "coffee|naive_rw" in str(error.value)


def test_require_passed_checks_given_failed_error_check_names_it():
    checks = {"paths_finite": {"severity": "ERROR", "passed": False},
              "coverage": {"severity": "ERROR", "passed": True}}
    with pytest.raises(UnusableForecastsError, match="paths_finite") as error:
        require_passed_checks(checks, "coffee|naive_rw")
    assert "coverage" not in str(error.value)


def test_require_passed_checks_given_only_failed_warn_check_passes():
    checks = {"spread_reasonable": {"severity": "WARN", "passed": False},
              "paths_finite": {"severity": "ERROR", "passed": True}}
    assert require_passed_checks(checks, "coffee|naive_rw") is None
