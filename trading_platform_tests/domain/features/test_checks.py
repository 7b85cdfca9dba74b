"""The look-ahead guard: which dates it checks, and a planted peek it must catch."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from trading_platform.config import Universe
from trading_platform.domain.features.build import build_features
from trading_platform.domain.features.checks import (
    CHECK_ALL_UP_TO,
    RANDOM_DATES,
    find_lookahead,
    lookahead_dates,
)
from trading_platform.domain.market.schema import conform_market_frame

DAYS = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(2000)]


def test_lookahead_dates_given_short_run_checks_every_date_and_the_one_before():
    run = DAYS[10:20]
    assert lookahead_dates(run, DAYS[9]) == DAYS[9:20]
    assert lookahead_dates(DAYS[:CHECK_ALL_UP_TO], None) == DAYS[:CHECK_ALL_UP_TO]


def test_lookahead_dates_given_long_run_checks_first_last_and_random_dates():
    run = DAYS[:CHECK_ALL_UP_TO + 1]
    dates = lookahead_dates(run, None, seed=3)
    assert dates[0] == run[0] and dates[-1] == run[-1]
    assert len(dates) == RANDOM_DATES + 2 and len(set(dates)) == len(dates)
    assert dates == lookahead_dates(run, None, seed=3)  # reproducible


def _market(rows: int = 320) -> pl.DataFrame:
    rng = np.random.default_rng(9)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, rows)))
    days = [d for d in DAYS if d.weekday() < 5][:rows]
    return pl.DataFrame({"commodity": "coffee", "date": days, "open": close, "high": close * 1.01,
                         "low": close * 0.99, "close": close, "volume": 100, "flags": "",
                         "origin": "vendor", "source": "test"}).pipe(conform_market_frame)


def _leaky(peek_every: int):
    """Planted: ``ret_1d`` on every ``peek_every``-th row is replaced by the next row's, a
    peek one day ahead (on the last loaded row there is no next row: it reads null)."""
    def build(market: pl.DataFrame, universe: Universe) -> pl.DataFrame:
        honest = build_features(market, universe)
        row = pl.int_range(pl.len()).over("commodity")
        return honest.with_columns(ret_1d=pl.when(row % peek_every == peek_every - 1)
                                   .then(pl.col("ret_1d").shift(-1).over("commodity"))
                                   .otherwise(pl.col("ret_1d")))
    return build


def test_find_lookahead_given_honest_features_finds_nothing(universe: Universe):
    market = _market()
    features = build_features(market, universe)
    dates = lookahead_dates(features["date"].to_list(), None)
    assert find_lookahead(market, features, universe, dates) == []


def test_find_lookahead_given_a_peek_on_one_percent_of_dates_catches_every_one(
        universe: Universe):
    # 320 dates (a backfill under 500: every date checked), a peek on every 100th row: rows
    # 99, 199 and 299. Each is found, naming the date and the column.
    market = _market()
    leaky = _leaky(100)
    features = leaky(market, universe)
    dates = lookahead_dates(features["date"].to_list(), None)
    found = find_lookahead(market, features, universe, dates, build=leaky)
    expected = {features["date"][i].isoformat() for i in (99, 199, 299)}
    assert {m["date"] for m in found} == expected
    assert {m["column"] for m in found} == {"ret_1d"}


def test_find_lookahead_given_a_daily_run_checks_the_day_before_and_catches_its_peek(
        universe: Universe):
    # A daily run loads its lookback and one new day; its own day has no later close, so the
    # guard checks the newest date before it too, whose next close the run did load.
    market = _market()
    leaky = _leaky(1)  # every row peeks
    features = leaky(market, universe)
    today, yesterday = features["date"][-1], features["date"][-2]
    dates = lookahead_dates([today], yesterday)
    assert dates == [yesterday, today]
    found = find_lookahead(market, features, universe, dates, build=leaky)
    assert {m["date"] for m in found} == {yesterday.isoformat()}
    # Checking only the newest date (the old daily behaviour) was vacuous: nothing found.
    assert find_lookahead(market, features, universe, [today], build=leaky) == []
