"""Signals across commodities on one book: every optimiser within its bounds, contributions that
add up to the equity, and no trade on a day a commodity has no bar."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from trading_platform.domain.futures.engine import EngineConfig
from trading_platform.domain.futures.optimisers import OPTIMISER_NAMES, WeightBounds
from trading_platform.domain.futures.portfolio import (
    aligned,
    optimiser_weights,
    run_portfolio,
    scaled_returns,
)
from trading_platform.domain.futures.signals import moving_average_cross
from trading_platform.domain.futures.synthetic_curves import universe_series
from trading_platform.domain.market.synthetic import generate_universe_market

COMMODITIES = ("coffee", "sugar", "corn")
CONFIG = EngineConfig(capital=5_000_000, vol_target=0.1, stop_atr=0.0, use_open=False)


@pytest.fixture(scope="module")
def book(universe):
    market = generate_universe_market(universe, dt.date(2019, 1, 2), dt.date(2023, 12, 29),
                                      list(COMMODITIES))
    return universe_series(universe, market, list(COMMODITIES))


def _directions(series):
    return {name: moving_average_cross(frame["adjusted_close"].to_numpy(), 20, 100)
            for name, frame in series.items()}


@pytest.mark.parametrize("optimiser", OPTIMISER_NAMES)
def test_run_portfolio_given_each_optimiser_keeps_weights_in_bounds_and_adds_up(book,
                                                                                optimiser):
    series, specs = book
    bounds = WeightBounds(0.05, 0.6)
    weights = optimiser_weights(series, optimiser, bounds)
    run = run_portfolio(series, _directions(series), specs, weights, CONFIG)
    held = run.weights[np.isfinite(run.weights).all(axis=1)]
    assert held.shape[0] > 500
    np.testing.assert_allclose(held.sum(axis=1), 1.0, atol=1e-9)
    assert (held >= 0.05 - 1e-9).all() and (held <= 0.6 + 1e-9).all()
    equity = run.result.equity
    assert equity[-1] - CONFIG.capital == pytest.approx(sum(run.contribution().values()))
    assert np.abs(run.result.positions).sum() > 0


def test_run_portfolio_given_a_commodity_without_bars_for_a_month_trades_it_not_then(book):
    series, specs = book
    gap = (pl.col("date") >= dt.date(2022, 3, 1)) & (pl.col("date") <= dt.date(2022, 3, 31))
    gappy = dict(series)
    gappy["sugar"] = series["sugar"].filter(~gap)
    directions = _directions(gappy)
    weights = optimiser_weights(gappy, "equal_weight", WeightBounds(0, 1))
    run = run_portfolio(gappy, directions, specs, weights, CONFIG)
    days = np.array(run.dates)
    missing = (days >= dt.date(2022, 3, 1)) & (days <= dt.date(2022, 3, 31))
    sugar = run.commodities.index("sugar")
    trades = run.result.trades
    traded_days = trades[trades[:, 1] == sugar, 0].astype(int)
    assert not missing[traded_days].any()
    assert (run.result.pnl[missing, sugar] == 0).all()


def test_scaled_returns_given_a_negative_close_use_its_absolute_value():
    adjusted, close = np.array([1.0, 3.0, 2.0]), np.array([-2.0, 4.0, 0.0])
    np.testing.assert_allclose(scaled_returns(adjusted, close), [np.nan, 1.0, -0.25])


def test_aligned_given_two_calendars_fill_the_missing_days_with_nan():
    a = pl.DataFrame({"date": [dt.date(2024, 1, 2), dt.date(2024, 1, 3)], "close": [1.0, 2.0]})
    b = pl.DataFrame({"date": [dt.date(2024, 1, 3)], "close": [5.0]})
    dates, values = aligned({"a": a, "b": b}, "close")
    assert dates == [dt.date(2024, 1, 2), dt.date(2024, 1, 3)]
    np.testing.assert_array_equal(values, [[1.0, np.nan], [2.0, 5.0]])
