"""The synthetic market: reproducible, prefix-stable, calendar-true and believable OHLCV."""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import polars as pl
import pytest

from trading_platform.domain.market import synthetic
from trading_platform.domain.market.calendar import trading_days
from trading_platform.domain.market.schema import MARKET_SCHEMA
from trading_platform.domain.market.synthetic import generate_market, generate_universe_market

START = dt.date(2000, 1, 3)
END_2025 = dt.date(2025, 12, 31)


def _market(universe, key, start=START, end=END_2025, *, seed=None, calendar=None):
    return generate_market(
        key,
        universe.commodity(key),
        calendar or universe.calendar_for(key),
        start,
        end,
        seed=universe.seed if seed is None else seed,
        origin=universe.partition_start,
    )


def _fingerprint(frame: pl.DataFrame) -> str:
    digest = hashlib.sha256()
    for column in frame.iter_columns():
        if column.dtype == pl.String:
            digest.update("\x00".join(value or "" for value in column.to_list()).encode())
        else:  # dates as their int32 day numbers, floats and ints as raw IEEE / two's complement
            digest.update(column.to_physical().to_numpy().tobytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def market(universe) -> pl.DataFrame:
    return generate_universe_market(universe, START, END_2025)


def _closes(market: pl.DataFrame, key: str, end: dt.date = END_2025) -> np.ndarray:
    rows = market.filter(pl.col("commodity") == key, pl.col("date") <= end)
    return rows["close"].to_numpy()


def test_generate_market_given_same_seed_is_bit_identical(universe, market):
    again = generate_universe_market(universe, START, END_2025)
    assert again.equals(market)
    assert _fingerprint(again) == _fingerprint(market)


def test_generate_market_given_different_seed_differs(universe):
    first = _market(universe, "coffee", end=dt.date(2000, 12, 31), seed=1)
    second = _market(universe, "coffee", end=dt.date(2000, 12, 31), seed=2)
    assert first["date"].equals(second["date"])
    assert not np.array_equal(first["close"].to_numpy(), second["close"].to_numpy())


@pytest.mark.parametrize("key", ["coffee", "crude"])
@pytest.mark.parametrize("end", [dt.date(2000, 1, 3), dt.date(2013, 7, 9), dt.date(2020, 12, 31)])
def test_generate_market_given_later_end_keeps_earlier_rows_identical(universe, key, end):
    # Odd window lengths too: a vectorised tail that rounded differently would show up here.
    short = _market(universe, key, end=end)
    long = _market(universe, key).filter(pl.col("date") <= end)
    assert short.height > 0
    assert short.equals(long)


def test_generate_market_given_later_start_keeps_overlap_identical(universe, market):
    late = _market(universe, "cocoa", start=dt.date(2017, 3, 15))
    overlap = market.filter(pl.col("commodity") == "cocoa", pl.col("date") >= dt.date(2017, 3, 15))
    assert late.equals(overlap)


def test_generate_market_given_extra_holiday_drops_only_that_day(universe):
    calendar = universe.calendar_for("corn")
    extra = dt.date(2010, 6, 1)  # a Tuesday, not a holiday in the default calendar
    with_holiday = calendar.model_copy(update={"holidays": (*calendar.holidays, extra)})
    base = _market(universe, "corn", end=dt.date(2011, 12, 31))
    edited = _market(universe, "corn", end=dt.date(2011, 12, 31), calendar=with_holiday)
    assert base.height - edited.height == 1
    assert edited.equals(base.filter(pl.col("date") != extra))


@pytest.mark.parametrize("key", ["coffee", "corn", "crude"])  # one per calendar
def test_generate_market_emits_exactly_the_calendar_trading_days(universe, key):
    start, end = dt.date(2023, 12, 20), dt.date(2026, 1, 5)
    dates = _market(universe, key, start=start, end=end)["date"].to_list()
    assert dates == trading_days(start, end, universe.calendar_for(key))
    assert all(day.weekday() < 5 for day in dates)
    assert dates == sorted(set(dates))
    assert dt.date(2024, 12, 25) not in dates
    assert dt.date(2025, 4, 18) not in dates  # an explicit holiday in all three calendars


def test_generate_market_given_weekend_window_is_empty_with_schema(universe):
    saturday = dt.date(2024, 6, 1)
    frame = _market(universe, "sugar", start=saturday, end=saturday + dt.timedelta(days=1))
    assert frame.height == 0
    assert frame.schema == MARKET_SCHEMA


def test_generate_universe_market_has_market_schema_and_synthetic_provenance(universe, market):
    assert market.schema == MARKET_SCHEMA
    assert set(market["commodity"].unique()) == set(universe.commodity_keys)
    assert (market["flags"] == "").all()
    assert (market["origin"] == "synthetic").all()
    assert (market["source"] == f"synthetic:{universe.seed}").all()
    # Batch and time are stamped by whoever stores the rows; nothing else is empty.
    filled = market.drop("source_sha256", "batch", "ingested_at")
    assert filled.select(pl.all().null_count().sum()).sum_horizontal().item() == 0


def test_generate_universe_market_given_subset_returns_only_those(universe, market):
    subset = generate_universe_market(universe, START, END_2025, ["wheat", "coffee"])
    expected = market.filter(pl.col("commodity").is_in(["coffee", "wheat"]))
    assert subset.equals(expected)
    assert generate_universe_market(universe, START, END_2025, []).schema == MARKET_SCHEMA


def test_generate_universe_market_ohlc_is_consistent_on_every_row(market):
    body_low = pl.min_horizontal("open", "close")
    body_high = pl.max_horizontal("open", "close")
    broken = market.filter((pl.col("low") > body_low) | (body_high > pl.col("high")))
    assert broken.height == 0, broken.head()
    # Ranges are |half-normal| * vol with vol > 0, so high == low would need two zero draws.
    assert (market["high"] > market["low"]).mean() > 0.99


def test_generate_market_given_negatives_not_allowed_prices_stay_positive(universe, market):
    for key in universe.commodity_keys:
        if universe.commodity(key).allow_negative_prices:
            continue
        rows = market.filter(pl.col("commodity") == key)
        assert rows.select(pl.min_horizontal("open", "high", "low", "close").min()).item() > 0


def test_generate_market_given_crude_dips_below_zero_between_2000_and_2025(universe, market):
    # p = 0.0008 per weekday over ~6800 weekdays: about 5 episodes expected, each with a
    # negative trough close; seed 42 has several, so this is no knife-edge.
    assert universe.commodity("crude").allow_negative_prices
    negative = (_closes(market, "crude") < 0).sum()
    assert negative >= 1


def test_generate_market_given_negative_episode_keeps_ohlc_ordered(market):
    crude = market.filter(pl.col("commodity") == "crude", pl.col("low") < 0)
    assert crude.height >= 1
    open_, close = crude["open"].to_numpy(), crude["close"].to_numpy()
    assert (crude["low"].to_numpy() <= np.minimum(open_, close)).all()
    assert (crude["high"].to_numpy() >= np.maximum(open_, close)).all()


@pytest.mark.parametrize("key", ["corn", "wheat"])
def test_generate_market_volatility_clusters(market, key):
    # GARCH(1,1) with alpha 0.10, beta 0.88 has a lag-1 autocorrelation of squared shocks of
    # a (1 - a b - b^2) / (1 - 2 a b - b^2) = 0.1 * 0.1376 / 0.0496 ~ 0.28; jumps and sample
    # noise pull that down, iid returns would give ~0. Threshold 0.1 is well clear of both.
    log_returns = np.diff(np.log(_closes(market, key, end=dt.date(2019, 12, 31))))
    squared = log_returns**2
    assert np.corrcoef(squared[:-1], squared[1:])[0, 1] > 0.1


def test_generate_market_mean_reverts_within_a_believable_band(universe, market):
    # Over 10 years: stationary sd of the deviation ~ daily_vol / sqrt(2 k) = 0.02 / 0.17 ~ 0.12,
    # level drift sd <= 0.005 * sqrt(2610) ~ 0.26, so log(5) = 1.61 is ~5 sd away. A plain
    # random walk at 2 % a day would have sd 0.02 * sqrt(2610) ~ 1.0 and often leave the band.
    for key in universe.commodity_keys:
        if universe.commodity(key).allow_negative_prices:
            continue
        base = universe.commodity(key).synthetic.base_price
        closes = _closes(market, key, end=dt.date(2009, 12, 31))
        assert base / 5 < closes.min() and closes.max() < base * 5, key


def test_generate_market_yearly_moves_show_mean_reversion(universe, market):
    # Variance ratio VR = Var(250-day change) / (250 Var(1-day change)) is 1 for a random walk.
    # Coffee: Var(y) = 0.019^2 / (2 * 0.015 - 0.015^2) = 0.0121 and Var(1-day) ~ 0.019^2 + 0.004^2
    # + 0.004 * 0.08^2 = 0.0004, so VR ~ (2 * 0.0121 + 250 * 0.004^2) / (250 * 0.0004) ~ 0.28.
    ratios = []
    for key in universe.commodity_keys:
        if universe.commodity(key).allow_negative_prices:
            continue
        log_close = np.log(_closes(market, key))
        yearly = log_close[250:] - log_close[:-250]
        ratios.append(yearly.var() / (250 * np.diff(log_close).var()))
    assert np.mean(ratios) < 0.6


def test_generate_market_given_weekend_adds_no_extra_move(market):
    # The path steps once per weekday, so Monday opens from Friday's close with the same small
    # overnight gap (0.25 daily vol) as any other day; simulating the weekend would add two
    # full days of moves, sqrt(2) / 0.25 ~ 6x the gap.
    corn = market.filter(pl.col("commodity") == "corn")
    gap = corn.select(
        monday=pl.col("date").dt.weekday() == 1,
        gap=(pl.col("open") / pl.col("close").shift(1)).log().abs(),
    ).drop_nulls()
    monday = gap.filter(pl.col("monday"))["gap"].mean()
    other = gap.filter(~pl.col("monday"))["gap"].mean()
    assert monday < 1.5 * other


def test_generate_market_given_crop_is_weakest_in_harvest_intake(market):
    # Corn intake 09-15..11-30 is 77 days, half-width 38 days = 0.654 rad of the year;
    # mean of -A cos over it = -A sin(0.654) / 0.654 = -0.93 A = -0.065 for A = 0.07. The
    # calendar-year mean is ~0, so outside sits at +0.065 * 77 / 288 = +0.017: gap ~ -0.08.
    corn = market.filter(pl.col("commodity") == "corn", pl.col("date") <= dt.date(2024, 12, 31))
    month_day = pl.col("date").dt.month().cast(pl.Int32) * 100 + pl.col("date").dt.day()
    deviation = corn.select(
        intake=month_day.is_between(915, 1130),
        deviation=pl.col("close").log()
        - pl.col("close").log().mean().over(pl.col("date").dt.year()),
    )
    means = deviation.group_by("intake").agg(pl.col("deviation").mean())
    by_window = dict(zip(means["intake"], means["deviation"], strict=True))
    assert by_window[True] - by_window[False] < -0.04


def test_generate_market_volume_is_positive_int_around_base_and_rises_on_big_moves(
    universe, market
):
    # Noise has mean 1 and activity is normalised to a typical day, so the mean is ~base.
    # Top-decile moves have |z| ~ 2.0 vs ~0.6 elsewhere: activity (1 + 1.0) vs (1 + 0.3), ~1.5x.
    assert market.schema["volume"] == pl.Int64
    assert market["volume"].min() > 0
    for key in universe.commodity_keys:
        rows = market.filter(pl.col("commodity") == key)
        base = universe.commodity(key).synthetic.base_volume
        assert 0.8 * base < rows["volume"].mean() < 1.2 * base, key
        move = rows.select(pl.col("close").log().diff().abs().fill_null(0.0)).to_series()
        big = move > move.quantile(0.9)
        assert rows["volume"].filter(big).mean() > 1.2 * rows["volume"].filter(~big).mean(), key


def test_generate_market_given_start_before_origin_raises(universe):
    with pytest.raises(ValueError, match="before the origin 2000-01-03"):
        _market(universe, "coffee", start=dt.date(1999, 12, 31), end=dt.date(2000, 2, 1))


def test_generate_market_given_end_before_start_raises(universe):
    with pytest.raises(ValueError, match="end 2001-01-01 is before start 2001-02-01"):
        _market(universe, "coffee", start=dt.date(2001, 2, 1), end=dt.date(2001, 1, 1))


def test_mean_reverting_kernel_given_tiny_case_matches_hand_values():
    # y0 = 1; y1 = 0.5 * 1 + 0 = 0.5; y2 = 0.5 * 0.5 + 2 = 2.25
    out = np.empty(3)
    synthetic._mean_reverting(np.array([1.0, 0.0, 2.0]), 0.5, out)
    np.testing.assert_allclose(out, [1.0, 0.5, 2.25])


def test_garch_kernel_given_tiny_case_matches_hand_values():
    # h0 = 1: vol0 = 1, e0 = 1 * 2 + 0 = 2; h1 = 0.1 + 0.5 * 2^2 + 0.4 * 1 = 2.5:
    # vol1 = sqrt(2.5), e1 = sqrt(2.5) * 1 + 0.5
    innovation, vol = np.empty(2), np.empty(2)
    synthetic._garch_innovations(
        np.array([2.0, 1.0]), np.array([0.0, 0.5]), 0.1, 0.5, 0.4, 1.0, innovation, vol
    )
    np.testing.assert_allclose(vol, [1.0, np.sqrt(2.5)])
    np.testing.assert_allclose(innovation, [2.0, np.sqrt(2.5) + 0.5])


def test_excursion_kernel_given_tiny_case_matches_hand_values():
    # Episode starts at t=1 (0.0 < 0.1): days = 2 + int(0.5 * 4) = 4, depth 1.2, trough k=1.
    # Shapes 1/2, 1, 2/3, 1/3 -> multipliers 0.4, -0.2, 0.2, 0.6; the start draw at t=4 falls
    # inside the episode and is ignored; t=5 starts a 2-day episode cut off by the array end.
    start_u = np.array([0.5, 0.0, 0.9, 0.9, 0.0, 0.0])
    days_u = np.array([0.0, 0.5, 0.0, 0.0, 0.0, 0.0])
    out = np.empty(6)
    synthetic._excursion_multiplier(start_u, days_u, np.zeros(6), 0.1, (2, 5), (1.2, 1.2), out)
    np.testing.assert_allclose(out, [1.0, 0.4, -0.2, 0.2, 0.6, -0.2])


def test_kernels_given_random_inputs_match_their_python_reference():
    rng = np.random.default_rng(7)
    z, jumps, u = rng.standard_normal(500), 0.1 * rng.standard_normal(500), rng.random((3, 500))
    cases = [
        (synthetic._garch_innovations, (z, jumps, 2e-6, 0.1, 0.88, 1e-4), 2),
        (synthetic._mean_reverting, (z, 0.02), 1),
        (synthetic._excursion_multiplier, (*u, 0.05, (2, 5), (1.05, 1.5)), 1),
    ]
    for kernel, args, outputs in cases:
        compiled = [np.empty(500) for _ in range(outputs)]
        reference = [np.empty(500) for _ in range(outputs)]
        kernel(*args, *compiled)
        kernel.py_func(*args, *reference)
        for got, want in zip(compiled, reference, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=0.0)
