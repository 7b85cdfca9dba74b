"""The champion's target on a day is the portfolio matrix's own cell (same equity, day for
day), and it reads no later data: the target on a cut day is what the longer run holds next."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from trading_platform.config.futures_book import load_futures_book
from trading_platform.config.futures_strategies import load_futures_strategies
from trading_platform.domain.desk.trading_book.targets import champion_target, engine_weights
from trading_platform.domain.futures.commodity_backtests import ModelForecasts
from trading_platform.domain.futures.matrix import run_matrix
from trading_platform.domain.futures.signals import strategy_signal
from trading_platform.domain.futures.synthetic_curves import universe_series
from trading_platform.domain.market.synthetic import generate_universe_market

COMMODITIES = ("coffee", "crude", "corn")
FIRST = dt.date(2022, 1, 3)
BOOK = load_futures_book()
STRATEGIES = load_futures_strategies()


@pytest.fixture(scope="module")
def book(universe):
    market = generate_universe_market(universe, dt.date(2019, 1, 2), dt.date(2023, 6, 30),
                                      list(COMMODITIES))
    series, specs = universe_series(universe, market, list(COMMODITIES))
    rng = np.random.default_rng(3)
    forecasts = {}
    for name, frame in series.items():
        days = frame["date"].to_numpy().astype("datetime64[D]")
        on = days[days >= np.datetime64(FIRST)]
        forecasts[name] = ModelForecasts(on, rng.normal(0, 0.03, on.size),
                                         np.full(on.size, 0.04))
    return series, specs, forecasts


def _matrix_cell(series, specs, strategy, forecasts, optimiser):
    sets = {"cell": {}}
    for name, frame in series.items():
        expected, spread = (forecasts[name].on(frame["date"].to_numpy().astype(
            "datetime64[D]")) if forecasts else (None, None))
        adjusted = frame["adjusted_close"].to_numpy()
        direction, atr = strategy_signal(strategy, adjusted, adjusted, adjusted, expected,
                                         spread)
        first = np.asarray(frame["date"].to_list()) >= FIRST
        sets["cell"][name] = (np.where(first, direction, 0.0), atr)
    matrix = run_matrix(series, sets, specs, {c: FIRST for c in series}, BOOK)
    return matrix.runs[("cell", optimiser)].result


@pytest.mark.parametrize(("strategy", "optimiser", "with_forecasts"), [
    ("ma_cross_50_200", "equal_weight", False),
    ("forecast_z", "inverse_volatility", True),
])
def test_champion_target_given_a_cell_runs_the_matrixs_own_path(book, strategy, optimiser,
                                                                 with_forecasts):
    series, specs, forecasts = book
    spec = STRATEGIES.strategies[strategy]
    used = forecasts if with_forecasts else None
    target = champion_target(series, specs, spec, used, optimiser, BOOK, [FIRST] * 3)
    cell = _matrix_cell(series, specs, spec, used, optimiser)
    np.testing.assert_array_equal(target.run.result.equity, cell.equity)
    np.testing.assert_array_equal(target.contracts, cell.positions[-1] + cell.pending)
    assert target.day == series["coffee"]["date"][-1]
    point_value = np.array([specs[c].point_value() for c in series])
    np.testing.assert_allclose(target.weights, engine_weights(
        target.contracts, target.price, point_value, target.equity))
    assert target.twin_gap() <= 1e-6


def test_champion_target_given_a_cut_day_wants_what_the_longer_run_holds_next(book):
    series, specs, _ = book
    spec = STRATEGIES.strategies["ma_cross_20_100"]
    full = champion_target(series, specs, spec, None, "equal_weight", BOOK, [FIRST] * 3)
    dates = full.run.dates
    cut = dates[len(dates) // 2]
    prefix = {c: frame.filter(pl.col("date") <= cut) for c, frame in series.items()}
    early = champion_target(prefix, specs, spec, None, "equal_weight", BOOK, [FIRST] * 3)
    at = dates.index(cut)
    np.testing.assert_array_equal(early.contracts, full.run.result.positions[at + 1])
    assert early.equity == full.run.result.equity[at]


def test_champion_target_given_research_after_the_series_refuses(book):
    series, specs, _ = book
    with pytest.raises(ValueError, match="after the series' last day"):
        champion_target(series, specs, STRATEGIES.strategies["ma_cross_20_100"], None,
                         "equal_weight", BOOK, [dt.date(2030, 1, 1)])
