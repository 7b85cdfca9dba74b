"""Every user strategy on one commodity: full and focused replays agree, the threshold sweep
reuses the spec's candidate set, and a spec with a defective screen fails the parity verdict
by name."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from trading_platform.config.user_strategies import UserStrategies, load_user_strategies
from trading_platform.domain.futures.backtest import Costs
from trading_platform.domain.futures.synthetic_curves import synthetic_series
from trading_platform.domain.market.synthetic import generate_universe_market
from trading_platform.domain.replay.examples import MovingAverageCrossUser
from trading_platform.domain.replay.study import study_strategies


@pytest.fixture(scope="module")
def sugar(universe):
    market = generate_universe_market(universe, dt.date(2016, 1, 4), dt.date(2022, 12, 30),
                                      ["sugar"])
    spec = universe.commodities["sugar"].futures
    return synthetic_series(market.select("date", "close"), spec,
                            universe.exchange_calendar_for("sugar"), 20.0, universe.seed,
                            "sugar"), spec


def test_study_strategies_given_the_shipped_specs_agrees_and_reuses_the_sweep_screen(sugar):
    series, spec = sugar
    study = study_strategies(load_user_strategies(), series, spec, Costs(), 1e7)
    assert study.parity.passed, study.parity.description
    runs = study.runs.select("strategy", "variant", "mode", "reused_screen").rows()
    assert runs == [("fusion", "spec", "full", False), ("fusion", "spec", "focused", False),
                    ("fusion", "threshold=0.4", "focused", True),
                    ("fusion", "threshold=0.8", "focused", True),
                    ("fusion", "threshold=1.0", "focused", True),
                    ("ma_cross_user", "spec", "full", False),
                    ("ma_cross_user", "spec", "focused", False)]
    # one candidate set per screen: the sweep added none
    assert study.candidates.group_by("strategy").agg(pl.col("screen_key").n_unique()) \
        .sort("strategy").rows() == [("fusion", 1), ("ma_cross_user", 1)]
    focused = study.runs.filter(pl.col("mode") == "focused")
    assert (focused["called_bars"] == focused["candidate_bars"]).all()
    assert (focused["candidate_bars"] < 0.1 * series.height).all()
    assert study.trades.filter(pl.col("mode") == "full")["timestamp"].dtype == pl.Date


class DropsShortEntries(MovingAverageCrossUser):
    def screen(self, columns):
        return super().screen(columns).filter(pl.col("side") == "buy")


def test_study_strategies_given_a_spec_with_a_defective_screen_fails_parity_by_name(sugar):
    series, spec = sugar
    strategies = UserStrategies.model_validate({"strategies": {
        "good": {"code": "moving_average_cross", "params": {"fast": 10, "slow": 50}},
        "leaky": {"code": f"{__name__}:DropsShortEntries", "params": {"fast": 10,
                                                                      "slow": 50}}}})
    study = study_strategies(strategies, series, spec, Costs(), 1e7)
    assert not study.parity.passed
    assert study.parity.metadata["failed"] == ["leaky"]
    assert study.parity.description.startswith("leaky: trade ")
