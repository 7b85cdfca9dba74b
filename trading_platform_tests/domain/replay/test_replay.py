"""The strategy API and full event replay: hand-derived books for fills, marks, rolls, costs
and stops, and a strategy that cannot read a later bar."""

from __future__ import annotations

import datetime as dt
import math
import traceback

import numpy as np
import polars as pl
import pytest

from trading_platform.config.contracts import ExpiryRule, FuturesSpec
from trading_platform.domain.futures.backtest import Costs
from trading_platform.domain.replay.api import Context, LookAheadError
from trading_platform.domain.replay.replay import StrategyError, full_replay

# Point value 10 (multiplier 10, price in currency); one tick of 0.5 is worth 5.
SPEC = FuturesSpec(root="XX", months="HZ", multiplier=10, tick_size=0.5, tick_value=5.0,
                   initial_margin=1000, expiry=ExpiryRule(anchor="delivery_month",
                                                          business_days=1))
COSTS = Costs(commission=2.0, slippage_ticks=1.0)  # 2 + 1 x 5 = 7 per contract traded


def _series(closes, roll_at=None, next_close=None):
    n = len(closes)
    return pl.DataFrame({
        "date": [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(n)],
        "contract": ["XXH2024"] * n, "close": [float(c) for c in closes],
        "adjusted_close": [float(c) for c in closes],
        "roll": [i == roll_at for i in range(n)],
        "next_contract": ["XXZ2024" if i == roll_at else None for i in range(n)],
        "next_close": [float(next_close) if i == roll_at else None for i in range(n)]})


class Scripted:
    """Targets by bar, and optionally a stop set with the entry."""

    def __init__(self, targets: dict[int, float], stop: float | None = None) -> None:
        self.targets, self.stop_price, self.fills = targets, stop, []

    def on_bar(self, ctx: Context) -> None:
        if ctx.bar in self.targets:
            ctx.target(self.targets[ctx.bar])
            if self.stop_price is not None and self.targets[ctx.bar] != 0:
                ctx.stop(self.stop_price)

    def on_fill(self, ctx: Context, fill) -> None:
        self.fills.append((fill.bar, fill.contracts, fill.reason))


def test_full_replay_given_a_round_trip_fills_at_the_next_close_and_charges_costs():
    # Bar 0 orders 1 long: filled at bar 1's close 101 (cost 7): 1000 - 7 = 993.
    # Bar 2 marks 1 x (103 - 101) x 10 = +20: 1013, and orders flat.
    # Bar 3 sells at 102: 1 x (102 - 103) x 10 = -10 and cost 7: 996. Bar 4 flat: 996.
    strategy = Scripted({0: 1, 2: 0})
    result = full_replay(strategy, _series([100, 101, 103, 102, 104]), SPEC, COSTS, 1000.0)
    np.testing.assert_allclose(result.equity, [1000, 993, 1013, 996, 996])
    np.testing.assert_array_equal(result.positions, [0, 1, 1, 0, 0])
    assert result.trades.select("bar", "side", "contracts", "price", "reason").rows() == [
        (1, "buy", 1.0, 101.0, "signal"), (3, "sell", -1.0, 102.0, "signal")]
    assert strategy.fills == [(1, 1.0, "signal"), (3, -1.0, "signal")]


def test_full_replay_given_a_roll_trades_both_legs_at_their_closes():
    # Long 2 from bar 1 (100, cost 14: 986). Bar 2 marks +2 x 2 x 10 = 40 and rolls: sell 2 at
    # 102, buy 2 at 105 (cost 28): 986 + 40 - 28 = 998. Bar 3 marks from 105: 2 x 1 x 10 = 1018.
    result = full_replay(Scripted({0: 2}), _series([99, 100, 102, 106], roll_at=2,
                                                   next_close=105), SPEC, COSTS, 1000.0)
    np.testing.assert_allclose(result.equity, [1000, 986, 998, 1018])
    assert result.trades.select("contract", "contracts", "price", "reason").rows()[1:] == [
        ("XXH2024", -2.0, 102.0, "roll_out"), ("XXZ2024", 2.0, 105.0, "roll_in")]


def test_full_replay_given_a_stop_reached_exits_at_the_next_close():
    # Long 1 from bar 1 with a stop at 98; bar 2 closes at 97 (<= 98): flat at bar 3's close.
    result = full_replay(Scripted({0: 1}, stop=98.0), _series([100, 100, 97, 96, 99]), SPEC,
                         COSTS, 1000.0)
    np.testing.assert_array_equal(result.positions, [0, 1, 1, 0, 0])
    assert result.trades["reason"].to_list() == ["signal", "stop"]


def test_full_replay_given_a_roll_day_checks_the_stop_against_the_new_contract():
    # Long 1 from bar 1 (100) with a stop at 95. Bar 2 rolls from 96 into a contract at 100:
    # the stop moves by the gap (+4) to 99, and the held price is now 100 > 99, so no exit
    # (comparing the old contract's 96 with 99 would have stopped out by mistake).
    result = full_replay(Scripted({0: 1}, stop=95.0), _series([100, 100, 96, 101], roll_at=2,
                                                              next_close=100), SPEC, COSTS,
                         1000.0)
    np.testing.assert_array_equal(result.positions, [0, 1, 1, 1])
    assert "stop" not in result.trades["reason"].to_list()


class Trailing:
    def on_bar(self, ctx: Context) -> None:
        if ctx.bar == 0:
            ctx.target(1)
            ctx.trail(3.0)


def test_full_replay_given_a_trailing_stop_moves_it_without_calling_the_strategy():
    # Long from bar 1 at 100: stop 97, then 102 -> 99, 105 -> 102; bar 4 closes 101 <= 102:
    # flat at bar 5's close. The strategy only acted on bar 0.
    result = full_replay(Trailing(), _series([100, 100, 102, 105, 101, 100]), SPEC, COSTS,
                         1000.0)
    np.testing.assert_array_equal(result.positions, [0, 1, 1, 1, 1, 0])
    assert result.trades["reason"].to_list() == ["signal", "stop"]


class Peeking:
    def on_bar(self, ctx: Context) -> None:
        ctx.state["seen"] = ctx.history("close").size
        ctx.value("close", ago=-1)


def test_context_given_a_read_of_a_later_bar_raises_look_ahead_at_the_offending_line():
    with pytest.raises(StrategyError, match=r"Peeking raised LookAheadError in on_bar at bar 0 "
                       r"\(2024-01-01\).* 1 bar\(s\) ahead") as raised:
        full_replay(Peeking(), _series([100, 101]), SPEC, COSTS, 1000.0)
    cause = raised.value.__cause__
    assert isinstance(cause, LookAheadError)
    assert 'ctx.value("close", ago=-1)' in "".join(traceback.format_tb(cause.__traceback__))


class Broken:
    label = "broken_v3"

    def on_bar(self, ctx: Context) -> None:
        if ctx.bar == 2:
            raise ZeroDivisionError("division by zero")


def test_full_replay_given_a_strategy_that_raises_stops_with_the_version_and_the_bar():
    with pytest.raises(StrategyError, match=r"broken_v3 raised ZeroDivisionError in on_bar at "
                       r"bar 2 \(2024-01-03\)"):
        full_replay(Broken(), _series([100, 101, 102, 103]), SPEC, COSTS, 1000.0)


def test_context_history_given_a_bar_ends_there_and_is_read_only():
    ctx = Context({"close": np.array([1.0, 2.0, 3.0])}, [dt.date(2024, 1, d) for d in (1, 2, 3)])
    ctx.bar = 1
    np.testing.assert_array_equal(ctx.history("close"), [1.0, 2.0])
    assert ctx.value("close", ago=1) == 1.0 and math.isnan(ctx.value("close", ago=5))
    with pytest.raises(ValueError, match="read-only"):
        ctx.history("close")[0] = 9.0
    with pytest.raises(KeyError, match="no column 'volume'"):
        ctx.history("volume")
