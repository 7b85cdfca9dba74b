"""The vectorised book between events moves marks and trailing stops exactly as the per-bar
loop does (hand-derived and random cases)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from trading_platform.config.contracts import ExpiryRule, FuturesSpec
from trading_platform.domain.futures.backtest import Costs
from trading_platform.domain.replay.api import Context
from trading_platform.domain.replay.replay import run_replay
from trading_platform.domain.replay.stretches import Book, quiet_stretch

SPEC = FuturesSpec(root="XX", months="HMUZ", multiplier=10, tick_size=0.01, tick_value=0.1,
                   initial_margin=1000, expiry=ExpiryRule(anchor="delivery_month",
                                                          business_days=1))


def test_quiet_stretch_given_a_trailing_long_stops_at_the_first_close_below_the_stop():
    # Long 1 from 100, trail 3: stops 99 then 102 (after 105); 101 <= 102 ends the stretch at
    # its third bar, which the loop takes itself. Equity 1000 + (102 - 100) x 10 = 1020, then
    # + (105 - 102) x 10 = 1050.
    book = Book(value=1000.0, position=1.0, last=100.0, trail=3.0)
    equity, positions = np.zeros(4), np.zeros(4)
    after = quiet_stretch(book, np.array([102.0, 105.0, 101.0, 100.0]), 0, 4, 10.0, equity,
                          positions)
    assert after == 2
    np.testing.assert_array_equal(equity[:2], [1020.0, 1050.0])
    assert (book.value, book.last, book.stop) == (1050.0, 105.0, 102.0)


def test_quiet_stretch_given_a_missing_close_leaves_the_bar_to_the_loop():
    book = Book(value=1000.0, position=1.0, last=100.0)
    assert quiet_stretch(book, np.array([101.0, np.nan]), 0, 2, 10.0, np.zeros(2),
                         np.zeros(2)) == 0


class RandomActs:
    """Orders on the given bars only: random targets, fixed stops or trails."""

    def __init__(self, plan: dict[int, tuple[float, float | None, float | None]]) -> None:
        self.plan = plan

    def on_bar(self, ctx: Context) -> None:
        if ctx.bar in self.plan:
            target, stop, trail = self.plan[ctx.bar]
            ctx.target(target)
            if stop is not None:
                ctx.stop(ctx.value("close") + stop)
            if trail is not None:
                ctx.trail(trail)


def _series(rng: np.random.Generator, n: int) -> pl.DataFrame:
    close = np.round(100 + np.cumsum(rng.normal(0, 1.5, n)), 2)
    roll = np.zeros(n, dtype=bool)
    roll[rng.choice(np.arange(5, n), 4, replace=False)] = True
    return pl.DataFrame({
        "date": [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(n)],
        "contract": ["XXH2020"] * n, "close": close, "adjusted_close": close, "roll": roll,
        "next_contract": np.where(roll, "XXM2020", None),
        "next_close": np.where(roll, close + 0.5, np.nan)})


def test_run_replay_given_calls_on_the_acting_bars_equals_the_full_loop_bit_for_bit():
    rng, stops = np.random.default_rng(3), 0
    for _ in range(20):
        series = _series(rng, 300)
        bars = np.sort(rng.choice(300, 25, replace=False))
        plan = {int(b): (float(rng.integers(-3, 4)),
                         float(rng.normal(0, 3)) if rng.random() < 0.3 else None,
                         float(rng.uniform(1, 6)) if rng.random() < 0.5 else None)
                for b in bars}
        calls = np.zeros(300, dtype=bool)
        calls[bars] = True
        full = run_replay(RandomActs(plan), series, SPEC, Costs(), 1e5)
        focused = run_replay(RandomActs(plan), series, SPEC, Costs(), 1e5, calls=calls)
        np.testing.assert_array_equal(focused.equity, full.equity)
        np.testing.assert_array_equal(focused.positions, full.positions)
        assert focused.trades.equals(full.trades)
        stops += int((full.trades["reason"] == "stop").sum())
    assert stops > 20  # stops were reached between the calls, where the stretches check them
