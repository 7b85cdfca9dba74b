"""Focused replay makes the same trades as the full replay, and the parity check fails when the
screener drops a class of sentinel."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from trading_platform.domain.futures.backtest import Costs
from trading_platform.domain.futures.synthetic_curves import synthetic_series
from trading_platform.domain.market.synthetic import generate_universe_market
from trading_platform.domain.replay.examples import MovingAverageCrossUser
from trading_platform.domain.replay.focused import (
    CANDIDATE_SCHEMA,
    candidate_windows,
    focused_replay,
    replay_parity,
    warm_mask,
)
from trading_platform.domain.replay.fusion import FusionUser
from trading_platform.domain.replay.replay import full_replay

COSTS = Costs()


@pytest.fixture(scope="module")
def coffee(universe):
    market = generate_universe_market(universe, dt.date(2016, 1, 4), dt.date(2023, 12, 29),
                                      ["coffee"])
    spec = universe.commodities["coffee"].futures
    series = synthetic_series(market.select("date", "close"), spec,
                              universe.exchange_calendar_for("coffee"), 150.0, universe.seed,
                              "coffee")
    return series, spec


def test_focused_replay_given_the_cross_strategy_equals_the_full_replay(coffee):
    series, spec = coffee
    strategy = MovingAverageCrossUser(fast=20, slow=100, size=3)
    full = full_replay(strategy, series, spec, COSTS, 1_000_000.0)
    focused = focused_replay(strategy, series, spec, COSTS, 1_000_000.0)
    outcome = replay_parity(full, focused.replay)
    assert outcome.passed, outcome.description
    assert full.trades.filter(pl.col("reason") == "signal").height > 10
    assert full.trades.filter(pl.col("reason").str.starts_with("roll")).height > 10
    # on_bar ran on the candidate bars only: a few percent of the series.
    assert focused.called_bars == focused.candidates.height < 0.1 * series.height


class MissesShortEntries(MovingAverageCrossUser):
    """A planted defect: the screener drops the downward crosses."""

    def screen(self, columns):
        return super().screen(columns).filter(pl.col("side") == "buy")


def test_replay_parity_given_a_screener_dropping_a_sentinel_class_names_the_first_divergence(
        coffee):
    series, spec = coffee
    strategy = MissesShortEntries(fast=20, slow=100, size=3)
    full = full_replay(strategy, series, spec, COSTS, 1_000_000.0)
    focused = focused_replay(strategy, series, spec, COSTS, 1_000_000.0)
    outcome = replay_parity(full, focused.replay)
    assert not outcome.passed
    first_sell = full.trades.filter((pl.col("reason") == "signal")
                                    & (pl.col("side") == "sell"))["bar"][0]
    assert outcome.metadata["bar"] <= first_sell and "screener missed" in outcome.description


def test_warm_mask_given_overlapping_windows_merges_them_before_each_candidate():
    warm = warm_mask(np.array([3, 5]), 2, 8)
    np.testing.assert_array_equal(np.flatnonzero(warm), [1, 2, 3, 4])


def test_focused_replay_given_the_fusion_strategy_equals_the_full_replay(coffee):
    series, spec = coffee
    strategy = FusionUser()
    full = full_replay(strategy, series, spec, COSTS, 1_000_000.0)
    focused = focused_replay(strategy, series, spec, COSTS, 1_000_000.0)
    outcome = replay_parity(full, focused.replay)
    assert outcome.passed, outcome.description
    reasons = set(full.trades["reason"].to_list())
    assert {"signal", "stop", "roll_out", "roll_in"} <= reasons  # trailing stops fired too
    assert focused.called_bars < 0.25 * series.height


class FusionMissingDownCrossings(FusionUser):
    """A planted defect: the screener drops every bar whose score is below zero (short entries
    and the exits of longs)."""

    def screen(self, columns):
        return super().screen(columns).filter(pl.col("score") >= 0)


def test_replay_parity_given_a_fusion_screen_without_down_crossings_fails(coffee):
    series, spec = coffee
    strategy = FusionMissingDownCrossings()
    full = full_replay(strategy, series, spec, COSTS, 1_000_000.0)
    focused = focused_replay(strategy, series, spec, COSTS, 1_000_000.0)
    assert not replay_parity(full, focused.replay).passed


class BadScreen(MovingAverageCrossUser):
    """A screener returning a planted set of bars."""

    def __init__(self, bars):
        super().__init__()
        self.bars = bars

    def screen(self, columns):
        n = len(self.bars)
        return pl.DataFrame({"bar": self.bars, "side": ["buy"] * n, "score": [0.0] * n,
                             "reason": ["x"] * n}, schema=CANDIDATE_SCHEMA)


@pytest.mark.parametrize(("bars", "message"), [
    ([5, 99_999], r"candidate row 1 marks bar 99999, outside the data \(bars 0\.\.\d+\)"),
    ([-1], r"candidate row 0 marks bar -1, outside the data"),
    ([5, 9, 7], r"candidate row 2 marks bar 7 out of order \(after bar 9\)"),
    ([5, 9, 9], r"candidate row 2 marks bar 9 twice"),
])
def test_focused_replay_given_a_bad_screen_is_a_clear_error(coffee, bars, message):
    series, spec = coffee
    with pytest.raises(ValueError, match=message):
        focused_replay(BadScreen(bars), series, spec, COSTS, 1_000_000.0)


def test_candidate_windows_given_warmup_merges_overlapping_windows():
    # Bars 10 and 12 with 3 warm-up bars: windows 7..10 and 9..12 overlap (one window);
    # bar 30's window 27..30 is the second.
    candidates = pl.DataFrame({"bar": [10, 12, 30], "side": "buy", "score": 0.0,
                               "reason": "x"}, schema=CANDIDATE_SCHEMA)
    windows = candidate_windows(candidates, 3)
    assert windows.select("window_start", "window").rows() == [(7, 1), (9, 1), (27, 2)]
