"""One strategy on one commodity: the risk estimate, the metrics and round trips by hand, and a
ten-year synthetic coffee run whose equity reconciles with its trades and raw closes."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from trading_platform.config.futures_strategies import load_futures_strategies
from trading_platform.domain.futures.backtest import (
    Costs,
    futures_metrics,
    risk_per_contract,
    round_trips,
    run_strategy,
)
from trading_platform.domain.futures.engine import EngineConfig
from trading_platform.domain.futures.synthetic_curves import synthetic_series
from trading_platform.domain.market.synthetic import generate_universe_market


def test_risk_per_contract_given_two_day_window_is_the_sd_of_changes_annualised():
    # changes (1, 2, -1): sd(1, 2) = 0.7071, sd(2, -1) = 2.1213; x sqrt(252) x 10
    risk = risk_per_contract(np.array([100.0, 101, 103, 102]), 10.0, window=2)
    np.testing.assert_allclose(risk, [np.nan, np.nan, math.sqrt(0.5) * math.sqrt(252) * 10,
                                      math.sqrt(4.5) * math.sqrt(252) * 10])


def _frame(position, pnl, costs, equity):
    n = len(position)
    return pl.DataFrame({"date": [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(n)],
                         "position": np.asarray(position, float), "pnl": np.asarray(pnl, float),
                         "costs": np.asarray(costs, float), "equity": np.asarray(equity, float)})


def test_round_trips_given_a_long_and_a_short_trip_sum_each_trips_net():
    # long t1..t3: 10 + 20 + 3 = 33; short t4..t6: -5 - 10 + 7 = -8
    frame = _frame([0, 1, 1, 0, -1, -1, 0], [0, 10, 20, 3, -5, -10, 7], np.zeros(7), np.ones(7))
    np.testing.assert_array_equal(round_trips(frame), [33, -8])
    reversal = _frame([1, -1, 0], [1, 2, 3], np.zeros(3), np.ones(3))
    np.testing.assert_array_equal(round_trips(reversal), [3, 3])  # 1 + 2, then 3


def test_futures_metrics_given_equity_path_match_the_hand_numbers():
    # equity 100 -> 110 -> 99 -> 121: drawdown 99 / 110 - 1 = -10 %
    trades = pl.DataFrame({"contracts": [1.0, -1.0, 1.0], "commission": [1.0, 1.0, 1.0],
                           "slippage": [0.5, 0.5, 0.5], "reason": ["signal", "roll_out",
                                                                   "roll_in"]})
    metrics = futures_metrics(_frame([1, 1, 0], [10, -11, 22], [1, 1, 1], [110, 99, 121]),
                              trades, 100.0)
    assert metrics["max_drawdown"] == pytest.approx(-0.10)
    assert metrics["exposure"] == pytest.approx(2 / 3)
    assert metrics["costs"] == 3 and metrics["roll_costs"] == 3  # 2 x (1 + 0.5)
    assert metrics["cagr"] == pytest.approx(1.21 ** (252 / 3) - 1)
    rising = futures_metrics(_frame([1, 1], [1, 1], [0, 0], [101, 102]), trades, 100.0)
    assert math.isnan(rising["calmar"])  # no drawdown: Calmar is undefined, not 0


@pytest.fixture(scope="module")
def coffee_series(universe):
    market = generate_universe_market(universe, dt.date(2016, 1, 4), dt.date(2025, 12, 31),
                                      ["coffee"])
    spec = universe.commodities["coffee"].futures
    calendar = universe.exchange_calendar_for("coffee")
    return synthetic_series(market.select("date", "close"), spec, calendar, 150.0, universe.seed,
                            "coffee"), spec


@pytest.mark.parametrize("name", ["ma_cross_20_100", "donchian_55_20"])
def test_run_strategy_given_ten_years_reconciles_with_trades_and_raw_closes(coffee_series,
                                                                           name):
    series, spec = coffee_series
    config = EngineConfig(capital=1_000_000, vol_target=0.1, stop_atr=0.0, use_open=False)
    run = run_strategy(series, load_futures_strategies().strategies[name], spec, config,
                       Costs(commission=2.5, slippage_ticks=1))
    frame, trades = run.frame, run.trades
    assert trades.filter(pl.col("reason") == "roll_out").height > 10
    # Independent recompute: positions from the trade list, P&L from raw closes, the roll's
    # next close as the base after a roll; costs from the trade list.
    held = trades.group_by("date").agg(pl.col("contracts").sum()).sort("date")
    position = frame.join(held, on="date", how="left")["contracts"].fill_null(0).cum_sum()
    np.testing.assert_array_equal(position.to_numpy(), frame["position"].to_numpy())
    close = series["close"].to_numpy()
    base = np.where(series["roll"].to_numpy(), series["next_close"].fill_null(0).to_numpy(),
                    close)
    pnl = np.concatenate([[0.0], position.to_numpy()[:-1] * (close[1:] - base[:-1])])
    np.testing.assert_allclose(pnl * spec.point_value(), frame["pnl"].to_numpy(), atol=1e-6)
    costs = (trades["commission"] + trades["slippage"]).sum()
    assert frame["costs"].sum() == pytest.approx(costs)
    assert frame["equity"][-1] == pytest.approx(1_000_000 + frame["pnl"].sum() - costs)
    assert set(run.metrics) >= {"sharpe", "sortino", "calmar", "hit_rate", "roll_costs"}


def _run(series, spec, name="ma_cross_20_100"):
    config = EngineConfig(capital=1_000_000, vol_target=0.1, stop_atr=0.0, use_open=False)
    return run_strategy(series, load_futures_strategies().strategies[name], spec, config)


def test_futures_accounting_holds_given_an_honest_run_passes(coffee_series):
    from trading_platform.domain.futures.checks import futures_accounting_holds

    series, spec = coffee_series
    run = _run(series, spec, "donchian_55_20")
    outcome = futures_accounting_holds(run.frame, run.trades, series, spec.point_value(),
                                       1_000_000)
    assert outcome.passed and outcome.metadata["observed"] == 0, outcome.description


def test_futures_accounting_holds_given_prices_shifted_one_day_fails(coffee_series):
    # Planted: the engine ran on closes shifted by one day against their dates.
    from trading_platform.domain.futures.checks import futures_accounting_holds

    series, spec = coffee_series
    shifted = series.with_columns(pl.col("close").shift(1).fill_null(strategy="backward"))
    run = _run(shifted, spec)
    outcome = futures_accounting_holds(run.frame, run.trades, series, spec.point_value(),
                                       1_000_000)
    assert not outcome.passed and "disagrees with its recompute" in outcome.description


def test_futures_accounting_holds_given_a_roll_bought_back_at_the_old_close_fails(
    coffee_series,
):
    # Planted: roll-in trades priced at the expiring contract's close instead of the next one.
    from trading_platform.domain.futures.checks import futures_accounting_holds

    series, spec = coffee_series
    run = _run(series, spec)
    closes = dict(zip(series["date"].to_list(), series["close"].to_list(), strict=True))
    wrong = run.trades.with_columns(
        pl.when(pl.col("reason") == "roll_in")
        .then(pl.col("date").replace_strict(closes, return_dtype=pl.Float64))
        .otherwise(pl.col("price")).alias("price"))
    outcome = futures_accounting_holds(run.frame, wrong, series, spec.point_value(), 1_000_000)
    assert not outcome.passed
    assert outcome.metadata["problems"][0]["rule"] == "roll trades at both closes"
