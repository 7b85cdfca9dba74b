"""The futures paper book: hand-derived sessions, and the engine's own orders settled on paper
reproduce the engine's equity day for day (fills, marks, rolls and costs follow its rules)."""

from __future__ import annotations

import numpy as np
import pytest

from trading_platform.domain.desk.trading_book.paper import (
    PaperPositions,
    Session,
    settle_session,
)
from trading_platform.domain.futures.engine import EngineConfig, EngineInputs, run_positions

NAN = np.nan


def _session(close, roll=0.0, next_close=NAN, k=1) -> Session:
    def full(value):
        return np.broadcast_to(np.asarray(value, dtype=float), (k,)).copy()
    return Session(full(close), full(roll), full(next_close), full(10.0), full(2.0), full(3.0))


def test_settle_session_given_an_order_fills_at_the_close_and_is_charged():
    # 2 contracts decided at 100 fill at the next close 101: shortfall 2 x 1 x 10 = 20;
    # no mark before the fill (flat); costs 2 x (2 + 3) = 10
    book = PaperPositions.flat(1, 100_000.0).with_pending(np.array([2.0]))
    settled = settle_session(book, _session(101.0), reference=np.array([100.0]))
    assert settled.positions.held.tolist() == [2.0] and settled.filled.tolist() == [2.0]
    assert settled.fill_price.tolist() == [101.0] and settled.shortfall.tolist() == [20.0]
    assert settled.positions.equity == 100_000.0 - 10.0
    assert settled.positions.entry.tolist() == [2 * 101.0 * 10]
    assert settled.positions.opened_pnl.tolist() == [-10.0]
    # next day: marked 101 -> 99: 2 x -2 x 10 = -40
    later = settle_session(settled.positions, _session(99.0), np.array([NAN]))
    assert later.pnl.tolist() == [-40.0] and later.positions.equity == 100_000.0 - 50.0
    assert later.positions.opened_pnl.tolist() == [-50.0]


def test_settle_session_given_a_roll_moves_the_mark_to_the_next_contract_at_two_trades_cost():
    book = PaperPositions(np.array([3.0]), np.array([100.0]), np.zeros(1), np.array([3000.0]),
                          np.zeros(1), 50_000.0)
    # marked 100 -> 102: +60; roll: 2 x 3 contracts x 5 = 30 of costs; mark becomes 104
    settled = settle_session(book, _session(102.0, roll=1.0, next_close=104.0), np.array([NAN]))
    assert settled.pnl.tolist() == [60.0] and settled.positions.equity == 50_000.0 + 30.0
    assert settled.positions.last.tolist() == [104.0]


def test_settle_session_given_no_bar_keeps_the_order_waiting_and_the_book_unchanged():
    book = PaperPositions(np.array([1.0]), np.array([100.0]), np.array([1.0]), np.array([1e3]),
                          np.zeros(1), 10_000.0)
    settled = settle_session(book, _session(NAN), np.array([100.0]))
    assert settled.positions.pending.tolist() == [1.0] and settled.positions.equity == 10_000.0
    assert settled.positions.held.tolist() == [1.0] and settled.positions.last.tolist() == [100.0]


def test_settle_session_given_a_reversal_starts_a_new_position():
    # short 2 bought back and 3 long: the new long's entry is 3 x 100 x 10 at the fill
    book = PaperPositions(np.array([-2.0]), np.array([100.0]), np.array([5.0]),
                          np.array([2000.0]), np.array([-99.0]), 10_000.0)
    settled = settle_session(book, _session(100.0), np.array([100.0]))
    assert settled.positions.entry.tolist() == [3000.0]
    assert settled.positions.opened_pnl.tolist() == [-25.0]  # its own costs: 5 x 5


def test_settle_session_given_a_reduction_keeps_the_positions_loss_ratio():
    book = PaperPositions(np.array([4.0]), np.array([100.0]), np.array([-2.0]),
                          np.array([4000.0]), np.array([-400.0]), 10_000.0)
    settled = settle_session(book, _session(100.0), np.array([100.0]))
    # -400 - 10 of costs, then half of it and half the entry: -205 / 2000
    assert settled.positions.entry.tolist() == [2000.0]
    assert settled.positions.opened_pnl.tolist() == [pytest.approx(-205.0)]


def _engine_book(seed: int):
    rng = np.random.default_rng(seed)
    n, m = 80, 3
    close = 100.0 + np.cumsum(rng.normal(0.0, 1.0, (n, m)), axis=0)
    roll = (rng.random((n, m)) < 0.05).astype(float)
    next_close = np.where(roll == 1.0, close + rng.normal(0.0, 2.0, (n, m)), NAN)
    target = np.sign(rng.normal(0.0, 1.0, (n, m))) * rng.uniform(0.2, 1.0, (n, m))
    inputs = EngineInputs(close=close, open_=np.full((n, m), NAN), roll=roll,
                          next_close=next_close, target=target, risk=np.full((n, m), 5_000.0),
                          atr=np.full((n, m), NAN), point_value=np.full(m, 10.0),
                          commission=np.full(m, 2.0), slippage=np.full(m, 3.0),
                          margin=np.full(m, 100.0))
    config = EngineConfig(capital=1_000_000.0, vol_target=0.1, stop_atr=0.0, use_open=False)
    return inputs, run_positions(inputs, config)


@pytest.mark.parametrize("seed", range(5))
def test_settle_session_given_the_engines_orders_reproduces_the_engines_equity(seed):
    inputs, result = _engine_book(seed)
    n, m = inputs.close.shape
    orders = np.vstack([np.diff(result.positions, axis=0), result.pending[None, :]])
    book = PaperPositions.flat(m, 1_000_000.0)
    for t in range(n):
        session = Session(inputs.close[t], inputs.roll[t], inputs.next_close[t],
                          inputs.point_value, inputs.commission, inputs.slippage)
        book = settle_session(book, session, np.full(m, NAN)).positions.with_pending(orders[t])
        assert book.equity == pytest.approx(result.equity[t], abs=1e-6), f"day {t}"
        np.testing.assert_array_equal(book.held, result.positions[t])
