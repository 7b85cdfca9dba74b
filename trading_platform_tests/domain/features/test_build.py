"""Tests for domain.features: hand-derived tiny cases, point in time, finiteness on real data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from trading_platform.config import Universe
from trading_platform.domain.features.build import (
    FEATURE_SCHEMA,
    LOOKBACK_ROWS,
    WARMUP_ROWS,
    build_features,
)
from trading_platform.domain.features.kernels import (
    rolling_max_nb,
    rolling_mean_nb,
    rolling_min_nb,
    rolling_std_nb,
)
from trading_platform.domain.market.schema import MARKET_SCHEMA, PRICE_COLUMNS, conform_market_frame

REAL_FILES = {"coffee": "coffee_arabica_yahoo.csv", "corn": "corn.csv", "sugar": "sugar.csv"}


def _weekdays(start: dt.date, count: int) -> list[dt.date]:
    days = (start + dt.timedelta(days=offset) for offset in range(count * 2 + 7))
    return [day for day in days if day.weekday() < 5][:count]


def _market(
    commodity: str,
    close: list[float] | np.ndarray,
    high: list[float] | np.ndarray | None = None,
    low: list[float] | np.ndarray | None = None,
    dates: list[dt.date] | None = None,
) -> pl.DataFrame:
    close = np.asarray(close, dtype=float)
    return pl.DataFrame(
        {
            "commodity": commodity,
            "date": dates or _weekdays(dt.date(2020, 1, 6), close.size),
            "open": close,
            "high": close if high is None else np.asarray(high, dtype=float),
            "low": close if low is None else np.asarray(low, dtype=float),
            "close": close,
            "volume": 100,
            "flags": "",
            "origin": "vendor",
            "source": "test",
        }
    ).pipe(conform_market_frame)


def _random_walk(commodity: str, rows: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, rows)))
    spread = close * rng.uniform(0.0, 0.03, rows)
    return _market(commodity, close, close + spread, close - spread)


def _real_market(real_data_dir: Path, commodity: str) -> pl.DataFrame:
    raw = pl.read_csv(
        real_data_dir / REAL_FILES[commodity],
        schema_overrides={
            "date": pl.Date,
            "volume": pl.Int64,
            **dict.fromkeys(PRICE_COLUMNS, pl.Float64),
        },
    )
    return (
        raw.drop_nulls(PRICE_COLUMNS)
        .with_columns(commodity=pl.lit(commodity), flags=pl.lit(""), origin=pl.lit("vendor"),
                      source=pl.lit("test"))
        .pipe(conform_market_frame)
    )


def _row(features: pl.DataFrame, commodity: str, date: dt.date) -> pl.DataFrame:
    return features.filter((pl.col("commodity") == commodity) & (pl.col("date") == date))


def _assert_finite_after_warm_up(features: pl.DataFrame) -> None:
    settled = features.filter(~pl.col("warm_up"))
    assert settled.height > 0
    assert settled.null_count().sum_horizontal().item() == 0
    floats = [name for name, dtype in FEATURE_SCHEMA.items() if dtype == pl.Float64()]
    assert settled.select(pl.all_horizontal(pl.col(floats).is_finite()).all()).item()


# ---- hand-derived tiny cases ------------------------------------------------------------------


def test_build_features_given_two_closes_ret_1d_is_simple_return(universe: Universe) -> None:
    features = build_features(_market("coffee", [100.0, 110.0]), universe)
    # (110 - 100) / 100 = 0.10; the first row has no previous close.
    assert features["ret_1d"].to_list() == [None, pytest.approx(0.10)]


def test_build_features_given_ramp_returns_and_ma_ratios_match_hand_values(
    universe: Universe,
) -> None:
    features = build_features(_market("coffee", [100.0 + i for i in range(61)]), universe)
    # Closes 100, 101, ..., 160 (row i closes at 100 + i).
    assert features["ret_5d"][5] == pytest.approx(0.05)  # (105 - 100) / 100
    assert features["ret_20d"][20] == pytest.approx(0.20)  # (120 - 100) / 100
    assert features["momentum_60"][60] == pytest.approx(0.60)  # (160 - 100) / 100
    # Row 19: MA5 = mean(115..119) = 117, MA20 = mean(100..119) = 109.5; 117 / 109.5 - 1.
    assert features["ma_ratio_5_20"][19] == pytest.approx(117 / 109.5 - 1)
    assert features["ma_ratio_5_20"][18] is None
    # Row 59: MA20 = mean(140..159) = 149.5, MA60 = mean(100..159) = 129.5.
    assert features["ma_ratio_20_60"][59] == pytest.approx(149.5 / 129.5 - 1)


def test_build_features_given_alternating_closes_rsi_is_cutlers(universe: Universe) -> None:
    closes = [10, 11, 10, 12, 11, 13, 12, 14, 13, 15, 14, 16, 15, 17, 16]
    features = build_features(_market("coffee", closes), universe)
    # Changes +1, -1, then (+2, -1) six times: gains 1 + 6 * 2 = 13, losses 7 over 14 rows.
    # RSI = 100 * 13 / (13 + 7) = 65; row 13 still lacks a 14th change.
    assert features["rsi_14"][14] == pytest.approx(65.0)
    assert features["rsi_14"][13] is None


@pytest.mark.parametrize(
    ("closes", "expected"),
    [
        ([10.0] * 15, 50.0),
        ([10.0 + i for i in range(15)], 100.0),
        ([30.0 - i for i in range(15)], 0.0),
    ],
)
def test_build_features_given_one_sided_closes_rsi_is_bounded(
    universe: Universe, closes: list[float], expected: float
) -> None:
    # Flat: no gains and no losses -> 50; only gains -> 100; only losses -> 0.
    assert build_features(_market("coffee", closes), universe)["rsi_14"][14] == expected


def test_build_features_given_gap_atr_uses_previous_close(universe: Universe) -> None:
    close = [10.0] * 14 + [20.0]
    high = [11.0] * 14 + [21.0]
    low = [9.0] * 14 + [19.0]
    features = build_features(_market("coffee", close, high, low), universe)
    # Rows 1..13: true range 11 - 9 = 2. Row 14 gaps up: max(21, 10) - min(19, 10) = 11,
    # not 21 - 19 = 2. ATR = (13 * 2 + 11) / 14 = 37 / 14, divided by close 20.
    assert features["atr_14_pct"][14] == pytest.approx(37 / 14 / 20)
    assert features["atr_14_pct"][13] is None  # row 0 has no previous close


def test_build_features_given_high_below_close_true_range_stays_positive(
    universe: Universe,
) -> None:
    # A vendor bar whose high (9) lies below its close (10): the true range spans 9..10 = 1.
    features = build_features(_market("coffee", [10.0] * 15, [9.0] * 15, [9.0] * 15), universe)
    assert features["atr_14_pct"][14] == pytest.approx(1 / 10)


def test_build_features_given_old_extremes_dist_52w_follows_the_window(
    universe: Universe,
) -> None:
    close = np.full(263, 100.0)
    close[252] = 120.0
    high, low = close + 1.0, close - 1.0
    high[10], low[20] = 150.0, 50.0
    features = build_features(_market("coffee", close, high, low), universe)
    # Row 252 sees rows 1..252: high 150 (row 10) and low 50 (row 20).
    assert features["dist_52w_high"][252] == pytest.approx(120 / 150 - 1)  # -0.2
    assert features["dist_52w_low"][252] == pytest.approx(120 / 50 - 1)  # 1.4
    # Row 262 sees rows 11..262: the 150 has left; the highest high is 121 (row 252).
    assert features["dist_52w_high"][262] == pytest.approx(100 / 121 - 1)


def test_build_features_given_zero_and_negative_closes_returns_use_floored_base(
    universe: Universe,
) -> None:
    features = build_features(_market("crude", [-1.0, 0.0, 2.0]), universe)
    # (0 - (-1)) / max(|-1|, 0.01) = 1.0; (2 - 0) / max(|0|, 0.01) = 200.
    assert features["ret_1d"].to_list() == [None, pytest.approx(1.0), pytest.approx(200.0)]


@pytest.mark.parametrize(
    ("commodity", "date", "in_harvest", "day_of_season"),
    [
        # cocoa intake 10-01..03-31 wraps the year end; seasons start on Oct 1.
        ("cocoa", dt.date(2023, 9, 29), False, 363),  # 2022-10-01 + 363 days
        ("cocoa", dt.date(2023, 10, 2), True, 1),
        ("cocoa", dt.date(2024, 1, 15), True, 106),  # Oct 31 + Nov 30 + Dec 31 = 92, + 14
        ("cocoa", dt.date(2024, 3, 29), True, 180),  # 92 + Jan 31 + Feb 29 + 28
        ("cocoa", dt.date(2024, 4, 1), False, 183),
        # coffee intake 05-01..09-30 does not wrap.
        ("coffee", dt.date(2024, 4, 30), False, 365),  # 2023-05-01 + 365 days (Feb 29 inside)
        ("coffee", dt.date(2024, 5, 1), True, 0),
        ("coffee", dt.date(2024, 9, 30), True, 152),
        # crude has no harvest: the season is the calendar year.
        ("crude", dt.date(2024, 1, 1), False, 0),
        ("crude", dt.date(2024, 3, 1), False, 60),  # Jan 31 + Feb 29
    ],
)
def test_build_features_given_date_season_columns_match_hand_values(
    universe: Universe, commodity: str, date: dt.date, in_harvest: bool, day_of_season: int
) -> None:
    row = build_features(_market(commodity, [50.0], dates=[date]), universe).row(0, named=True)
    assert (row["in_harvest"], row["day_of_season"]) == (in_harvest, day_of_season)
    assert row["season_progress"] == pytest.approx(day_of_season / 365)
    assert row["month"] == date.month
    assert row["day_of_year"] == date.timetuple().tm_yday
    assert row["day_of_week"] == date.weekday()


# ---- contract ---------------------------------------------------------------------------------


def test_build_features_given_shuffled_panel_returns_schema_sorted_rows(
    universe: Universe,
) -> None:
    market = pl.concat([_random_walk("sugar", 300, 1), _random_walk("corn", 400, 2)])
    features = build_features(market.sample(fraction=1.0, shuffle=True, seed=3), universe)
    assert features.schema == pl.Schema(FEATURE_SCHEMA)
    assert features.height == market.height
    assert features.equals(features.sort("commodity", "date"))
    # warm_up marks exactly the first 252 rows of each commodity (300 sugar rows, 400 corn rows).
    first_rows = pl.int_range(pl.len()).over("commodity") < WARMUP_ROWS
    assert features.select((pl.col("warm_up") == first_rows).all()).item()
    assert features["warm_up"].sum() == 2 * WARMUP_ROWS
    assert LOOKBACK_ROWS == WARMUP_ROWS == 252


def test_build_features_given_empty_market_returns_empty_schema(universe: Universe) -> None:
    features = build_features(pl.DataFrame(schema=MARKET_SCHEMA), universe)
    assert features.height == 0
    assert features.schema == pl.Schema(FEATURE_SCHEMA)


def test_build_features_given_unknown_commodity_raises_key_error(universe: Universe) -> None:
    with pytest.raises(KeyError, match="platinum"):
        build_features(_market("platinum", [1.0, 2.0]), universe)


def test_build_features_given_null_close_raises_naming_the_row(universe: Universe) -> None:
    market = _market("corn", [1.0, 2.0]).with_columns(close=pl.Series([1.0, None]))
    with pytest.raises(ValueError, match="corn 2020-01-07"):
        build_features(market, universe)


def test_build_features_given_duplicate_dates_raises(universe: Universe) -> None:
    market = _market("corn", [1.0])
    with pytest.raises(ValueError, match="duplicate"):
        build_features(pl.concat([market, market]), universe)


# ---- point in time and finiteness -------------------------------------------------------------


def _assert_point_in_time(market: pl.DataFrame, universe: Universe, seed: int) -> None:
    """Row d must not change when rows after d, or rows long before d, are left out."""
    full = build_features(market, universe)
    commodity = market["commodity"][0]
    dates = full.filter(~pl.col("warm_up") & (pl.col("commodity") == commodity))["date"]
    for date in np.random.default_rng(seed).choice(dates.to_list(), size=6, replace=False):
        expected = _row(full, commodity, date)
        past = market.filter(pl.col("date") <= date)
        assert_frame_equal(
            _row(build_features(past, universe), commodity, date), expected, check_exact=True
        )
        recent = past.filter(pl.col("date") > date - dt.timedelta(days=400))
        if recent.height > WARMUP_ROWS:
            got = _row(build_features(recent, universe), commodity, date)
            assert_frame_equal(got, expected, check_exact=True)
        # The shortest history that leaves row d out of warm-up: itself and LOOKBACK_ROWS rows.
        tail = past.filter(pl.col("commodity") == commodity).sort("date").tail(LOOKBACK_ROWS + 1)
        got = _row(build_features(tail, universe), commodity, date)
        assert_frame_equal(got, expected, check_exact=True)


def test_build_features_given_truncated_history_is_identical(universe: Universe) -> None:
    market = pl.concat([_random_walk("cocoa", 900, 11), _random_walk("wheat", 700, 12)])
    _assert_point_in_time(market.filter(pl.col("commodity") == "cocoa"), universe, seed=5)
    _assert_point_in_time(market, universe, seed=6)


def test_build_features_given_truncated_real_coffee_is_identical(
    universe: Universe, real_data_dir: Path
) -> None:
    _assert_point_in_time(_real_market(real_data_dir, "coffee"), universe, seed=7)


def test_build_features_given_late_start_non_null_values_match_full_history(
    universe: Universe,
) -> None:
    # Even inside the warm-up, a value is either null or exactly the full-history value.
    market = _random_walk("sugar", 600, 21)
    full = build_features(market, universe)
    late = build_features(market.slice(137), universe)
    aligned = full.slice(137).drop("warm_up")
    for name in aligned.columns:
        defined = late[name].is_not_null()
        assert late[name].filter(defined).equals(aligned[name].filter(defined)), name


@pytest.mark.parametrize("commodity", sorted(REAL_FILES))
def test_build_features_given_real_file_is_finite_after_warm_up(
    universe: Universe, real_data_dir: Path, commodity: str
) -> None:
    market = _real_market(real_data_dir, commodity)
    _assert_finite_after_warm_up(build_features(market, universe))


def test_build_features_given_crude_through_zero_is_finite_after_warm_up(
    universe: Universe,
) -> None:
    rng = np.random.default_rng(4)
    # Swings between about -4 and +4 USD/bbl, rounded to 0.1 so that exact zeros occur.
    close = np.round(4.0 * np.sin(np.arange(800) / 40.0) + rng.normal(0.0, 0.5, 800), 1)
    close[[300, 301, 302, 500]] = 0.0  # flat at exactly zero, then a lone zero
    spread = np.abs(rng.normal(0.0, 0.5, close.size))
    market = _market("crude", close, close + spread, close - spread)
    assert (close[WARMUP_ROWS:] < 0).any() and (close[WARMUP_ROWS:] > 0).any()
    _assert_finite_after_warm_up(build_features(market, universe))


# ---- kernels ----------------------------------------------------------------------------------


def test_rolling_kernels_given_tiny_series_match_hand_values() -> None:
    values = np.array([1.0, 2.0, 4.0, 7.0, 3.0])
    position = np.array([0, 1, 2, 0, 1])  # two groups: rows 0..2 and rows 3..4
    nan = np.nan
    # Windows of 2 rows never straddle the group boundary at row 3.
    np.testing.assert_array_equal(rolling_mean_nb(values, position, 2), [nan, 1.5, 3.0, nan, 5.0])
    np.testing.assert_array_equal(rolling_max_nb(values, position, 2), [nan, 2.0, 4.0, nan, 7.0])
    np.testing.assert_array_equal(rolling_min_nb(values, position, 2), [nan, 1.0, 2.0, nan, 3.0])
    # Rows 0..2: mean 7/3, squares (4/3)^2 + (1/3)^2 + (5/3)^2 = 42/9, / (3 - 1) = 7/3.
    np.testing.assert_allclose(rolling_std_nb(values, position, 3)[2], np.sqrt(7 / 3))


@pytest.mark.parametrize("window", [1, 5, 20, 252])
def test_rolling_kernels_given_random_values_match_numpy_reference(window: int) -> None:
    rng = np.random.default_rng(window)
    values = rng.normal(0.0, 1.0, 700)
    position = np.arange(values.size)
    windows = np.lib.stride_tricks.sliding_window_view(values, window)
    defined = slice(window - 1, None)
    np.testing.assert_allclose(rolling_mean_nb(values, position, window)[defined], windows.mean(1))
    assert np.isnan(rolling_mean_nb(values, position, window)[: window - 1]).all()
    np.testing.assert_array_equal(rolling_max_nb(values, position, window)[defined], windows.max(1))
    np.testing.assert_array_equal(rolling_min_nb(values, position, window)[defined], windows.min(1))
    if window > 1:
        reference = windows.std(1, ddof=1)
        np.testing.assert_allclose(rolling_std_nb(values, position, window)[defined], reference)
