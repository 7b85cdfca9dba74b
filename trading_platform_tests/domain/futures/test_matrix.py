"""Every futures strategy on a commodity over identical dates, and the model x optimiser
matrix with its guards, each of which fails on a planted defect."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import polars as pl
import pytest

from trading_platform.config.futures_book import load_futures_book
from trading_platform.config.futures_strategies import load_futures_strategies
from trading_platform.domain.futures.backtest import Costs, round_trips
from trading_platform.domain.futures.commodity_backtests import (
    NO_MODEL,
    ModelForecasts,
    backtest_commodity,
    engine_matches_twin,
    window_start,
)
from trading_platform.domain.futures.engine import EngineConfig
from trading_platform.domain.futures.matrix import (
    matrix_accounting_holds,
    no_activity_without_data,
    research_windows_agree,
    run_matrix,
    signal_sets,
    weights_within_bounds,
)
from trading_platform.domain.futures.optimisers import WeightBounds
from trading_platform.domain.futures.portfolio import aligned
from trading_platform.domain.futures.synthetic_curves import universe_series
from trading_platform.domain.market.synthetic import generate_universe_market

COMMODITIES = ("coffee", "crude", "corn")
FIRST_FORECAST = np.datetime64("2022-01-03")
BOOK = load_futures_book()
STRATEGIES = load_futures_strategies()


def _forecasts(days: np.ndarray, seed: int) -> ModelForecasts:
    rng = np.random.default_rng(seed)
    on = days[days >= FIRST_FORECAST]
    return ModelForecasts(on, rng.normal(0, 0.03, on.size), np.full(on.size, 0.04))


@pytest.fixture(scope="module")
def research(universe):
    market = generate_universe_market(universe, dt.date(2019, 1, 2), dt.date(2023, 12, 29),
                                      list(COMMODITIES))
    series, specs = universe_series(universe, market, list(COMMODITIES))
    runs = {}
    config = EngineConfig(**BOOK.engine.model_dump())
    for name in COMMODITIES:
        days = series[name]["date"].to_numpy().astype("datetime64[D]")
        forecasts = {"model_a": _forecasts(days, 1), "model_b": _forecasts(days, 2)}
        runs[name] = backtest_commodity(series[name], specs[name], STRATEGIES, forecasts,
                                        config, Costs(**BOOK.costs.model_dump()))
    return series, specs, runs


def test_model_forecasts_on_given_days_without_a_forecast_gives_nan():
    forecasts = ModelForecasts(np.array(["2024-01-02", "2024-01-04"], dtype="datetime64[D]"),
                               np.array([0.1, 0.2]), np.array([1.0, 2.0]))
    expected, spread = forecasts.on(np.array(["2024-01-01", "2024-01-02", "2024-01-03",
                                              "2024-01-04", "2024-01-05"],
                                             dtype="datetime64[D]"))
    np.testing.assert_array_equal(expected, [np.nan, 0.1, np.nan, 0.2, np.nan])
    np.testing.assert_array_equal(spread, [np.nan, 1.0, np.nan, 2.0, np.nan])


def test_window_start_given_two_models_starts_at_the_later_first_forecast():
    days = np.arange(np.datetime64("2024-01-01"), np.datetime64("2024-01-11"))
    models = {"a": ModelForecasts(days[2:], np.zeros(8), np.ones(8)),
              "b": ModelForecasts(days[4:], np.zeros(6), np.ones(6))}
    assert window_start(days, models) == 4 and window_start(days, {}) == 0


def test_backtest_commodity_given_models_runs_technical_once_and_forecast_per_model(research):
    _, _, runs = research
    run = runs["coffee"]
    pairs = set(run.metrics.select("model", "strategy").iter_rows())
    technical = {(NO_MODEL, name) for name in STRATEGIES.technical}
    assert pairs == technical | {("model_a", "forecast_z"), ("model_b", "forecast_z")}
    # Every (model, strategy) trades the same dates, from the first forecast on.
    dates = run.daily.group_by("model", "strategy").agg(pl.col("date").min().alias("first"),
                                                        pl.len().alias("days"))
    assert dates["first"].unique().to_list() == [dt.date(2022, 1, 3)]
    assert dates["days"].n_unique() == 1
    assert all(outcome.passed for outcome in run.outcomes), run.outcomes
    assert run.metrics["spec_hash"].n_unique() == len(STRATEGIES.strategies)


def test_engine_matches_twin_given_a_planted_difference_fails():
    @dataclasses.dataclass
    class Book:
        equity: np.ndarray
        positions: np.ndarray
        pnl: np.ndarray
        costs: np.ndarray
        pending: np.ndarray
        trades: np.ndarray

    same = Book(np.ones(3), np.zeros((3, 1)), np.zeros((3, 1)), np.zeros((3, 1)), np.zeros(1),
                np.zeros((0, 7)))
    assert engine_matches_twin(same, same, "x").passed
    off = dataclasses.replace(same, equity=np.array([1.0, 1.0, 1.5]))
    outcome = engine_matches_twin(same, off, "x")
    assert not outcome.passed and "equity" in outcome.description
    late = dataclasses.replace(same, pending=np.array([2.0]))
    assert "pending" in engine_matches_twin(same, late, "x").description


@pytest.fixture(scope="module")
def matrix(research):
    series, specs, runs = research
    daily = pl.concat([run.daily.with_columns(pl.lit(name).alias("commodity"))
                       for name, run in runs.items()])
    sets, firsts, incomplete = signal_sets(series, daily)
    assert incomplete == [] and firsts == {name: run.window[0] for name, run in runs.items()}
    return run_matrix(series, sets, specs, firsts, BOOK)


def test_run_matrix_given_signal_sets_fills_every_cell_and_passes_its_guards(matrix, research):
    n_sets = len(STRATEGIES.technical) + 2
    assert matrix.metrics.height == n_sets * len(BOOK.portfolio.optimisers)
    assert all(outcome.passed for outcome in matrix.outcomes), matrix.outcomes
    assert matrix.equity["date"].min() == dt.date(2022, 1, 3)
    # Each cell's commodity contributions add up to its equity change.
    final = matrix.metrics.select("signal_set", "optimiser", "final_equity")
    summed = matrix.contribution.group_by("signal_set", "optimiser").agg(pl.col("net_pnl").sum())
    joined = final.join(summed, on=["signal_set", "optimiser"])
    np.testing.assert_allclose(joined["final_equity"] - BOOK.engine.capital, joined["net_pnl"],
                               atol=1e-6)
    # Round trips per cell: every commodity's closed trips (hand-checked for one below).
    cell = matrix.runs[("ma_cross_50_200|none", "equal_weight")].result
    coffee = round_trips(pl.DataFrame({"position": cell.positions[:, 0], "pnl": cell.pnl[:, 0],
                                       "costs": cell.costs[:, 0]}))
    row = matrix.metrics.filter((pl.col("signal_set") == "ma_cross_50_200|none")
                                & (pl.col("optimiser") == "equal_weight")).row(0, named=True)
    assert row["round_trips"] >= coffee.size > 0 and 0 <= row["hit_rate"] <= 1
    assert set(matrix.regimes["regime"]) <= {"calm_up", "calm_down", "volatile_up",
                                             "volatile_down"}
    assert matrix.regimes.group_by("signal_set", "optimiser").agg(pl.col("days").sum())[
        "days"].max() <= matrix.equity.filter(pl.col("optimiser") == "equal_weight").group_by(
        "signal_set").len()["len"].max()


def test_signal_sets_given_a_model_missing_on_one_commodity_leaves_that_set_out(research):
    series, _, runs = research
    daily = pl.concat([run.daily.with_columns(pl.lit(name).alias("commodity"))
                       for name, run in runs.items()]).filter(
        ~((pl.col("commodity") == "crude") & (pl.col("model") == "model_b")))
    sets, _, incomplete = signal_sets(series, daily)
    assert incomplete == ["forecast_z|model_b"] and "forecast_z|model_a" in sets


def test_matrix_accounting_holds_given_a_planted_price_shift_fails(matrix, research):
    series, specs, _ = research
    cell = next(iter(matrix.runs))
    shifted = {name: frame.with_columns(pl.col("close").shift(1).fill_null(strategy="backward"))
               for name, frame in series.items()}
    outcome = matrix_accounting_holds({cell: matrix.runs[cell]}, shifted, specs,
                                      BOOK.engine.capital)
    assert not outcome.passed and "recompute" in outcome.description


def test_research_windows_agree_given_a_commodity_left_behind_warns_naming_it():
    same = {"coffee": dt.date(2024, 5, 1), "corn": dt.date(2024, 5, 1)}
    assert research_windows_agree(same).passed
    stale = same | {"crude": dt.date(2024, 3, 1)}  # its rebuild failed: older rows remain
    outcome = research_windows_agree(stale)
    assert not outcome.passed and outcome.metadata["behind"] == {"crude": "2024-03-01"}


def test_weights_within_bounds_given_a_weight_above_the_cap_fails():
    bounds = WeightBounds(0.05, 0.40)
    good = np.array([[np.nan, np.nan, np.nan], [0.4, 0.35, 0.25]])
    assert weights_within_bounds({"w": good}, bounds).passed
    bad = np.array([[0.5, 0.3, 0.2]])
    assert not weights_within_bounds({"w": bad}, bounds).passed


def test_no_activity_without_data_given_pnl_on_a_missing_day_fails(matrix, research):
    series, _, _ = research
    cell = next(iter(matrix.runs))
    run = matrix.runs[cell]
    offset = len(aligned(series, "close")[0]) - len(run.dates)  # the matrix's first row
    holed = dict(series)
    holed["coffee"] = series["coffee"].filter(pl.col("date") != run.dates[10])
    # The run has coffee P&L on that day: planted activity on a day without a bar.
    pnl = run.result.pnl.copy()
    pnl[10, run.commodities.index("coffee")] += 1.0
    planted = dataclasses.replace(run, result=dataclasses.replace(run.result, pnl=pnl))
    outcome = no_activity_without_data({cell: planted}, holed, offset)
    assert not outcome.passed and outcome.metadata["problems"][0]["commodity"] == "coffee"
