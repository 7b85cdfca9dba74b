"""One futures desk day on hand-derived books: equity 1,000,000 and every contract worth 1 % of
the book (close 100 x point value 100), so a weight of 0.10 is 10 contracts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from trading_platform.config.risk_limits import FuturesRisk
from trading_platform.domain.desk.trading_book.day import FuturesDayInputs, futures_day
from trading_platform.domain.desk.trading_book.paper import PaperPositions, Session
from trading_platform.domain.statuses import RecommendationStatus

NAN = np.nan
CAPITAL = 1_000_000.0
RISK = FuturesRisk()
NAMES = ("corn", "sugar", "crude")


def _inputs(weights, held=(0.0, 0.0, 0.0), close=(100.0, 100.0, 100.0), halted="",
            values=(CAPITAL,), last=(100.0, 100.0, 100.0)) -> FuturesDayInputs:
    k = len(NAMES)
    session = Session(np.array(close, dtype=float), np.zeros(k), np.full(k, NAN),
                      np.full(k, 100.0), np.full(k, 2.0), np.full(k, 8.0))
    opening = PaperPositions(np.array(held, dtype=float), np.array(last, dtype=float),
                             np.zeros(k), np.abs(np.array(held)) * 1e4, np.zeros(k), CAPITAL)
    return FuturesDayInputs(dt.date(2026, 12, 1), NAMES, session, np.full(k, NAN), opening,
                            np.array(values, dtype=float), CAPITAL,
                            np.array(weights, dtype=float), np.full(k, 500.0),
                            np.full(k, 10_000.0), halted)


def test_futures_day_given_a_flat_book_orders_toward_the_target_within_the_limits():
    # want 20 %, -15 %, 0: 10 contracts long corn (order cap 10 %), 10 short sugar
    day = futures_day(_inputs([0.20, -0.15, 0.0]), RISK)
    assert day.status == RecommendationStatus.ACTIONABLE
    assert day.book.orders.tolist() == [10.0, -10.0, 0.0]
    assert all(o.passed for o in day.validators) and all(o.passed for o in day.breakers)
    assert day.positions.pending.tolist() == [10.0, -10.0, 0.0]


def test_futures_day_given_a_commodity_without_a_bar_holds_it_and_lists_the_gap():
    day = futures_day(_inputs([0.20, 0.20, 0.20], held=(0.0, 0.0, 8.0),
                              close=(100.0, 100.0, NAN)), RISK)
    assert day.gaps == ["crude"] and day.book.orders[2] == 0.0
    assert day.book.orders[:2].tolist() == [10.0, 10.0]


def test_futures_day_given_no_signal_for_a_commodity_holds_it():
    day = futures_day(_inputs([0.20, NAN, 0.0], held=(0.0, 7.0, 0.0)), RISK)
    assert day.gaps == ["sugar"] and day.book.orders.tolist() == [10.0, 0.0, 0.0]


def test_futures_day_given_a_halt_in_force_and_freeze_sends_no_order():
    day = futures_day(_inputs([0.20, -0.15, 0.0], held=(6.0, 0.0, 0.0), halted="day loss"),
                      RISK)
    assert day.status == RecommendationStatus.HALTED and not day.book.orders.any()
    assert day.new_halt is None  # already in force: not a new trip


def test_futures_day_given_flatten_only_reduces_and_never_opens():
    risk = FuturesRisk(on_halt="flatten_only")
    # corn held 20 %, target 8 %: reduce by 10 (order cap); sugar flat: not opened;
    # crude long 6 % but target short: closed (6 contracts), not reversed
    day = futures_day(_inputs([0.08, 0.30, -0.20], held=(20.0, 0.0, 6.0), halted="drawdown"),
                      risk)
    assert day.book.orders.tolist() == [-10.0, 0.0, -6.0]


def test_futures_day_given_a_one_day_loss_trips_and_halts_from_today():
    # the book fell from 1,060,000 yesterday to 1,000,000 today: -5.66 % > 5 %
    day = futures_day(_inputs([0.2, 0.0, 0.0], values=(1_060_000.0,)), RISK)
    assert day.status == RecommendationStatus.HALTED and not day.book.orders.any()
    assert "day_loss_breaker: TRIPPED" in day.new_halt


def test_futures_day_given_a_held_book_too_large_to_fix_in_a_day_is_blocked():
    # corn held 60 %: one day's order may take it to 50 %, still above the 40 % cap
    day = futures_day(_inputs([0.30, 0.0, 0.0], held=(60.0, 0.0, 0.0)), RISK)
    assert day.status == RecommendationStatus.BLOCKED and not day.book.orders.any()
    failed = [o.name for o in day.validators if not o.passed]
    assert "position_within_max" in failed


def test_futures_day_given_a_tiny_order_drops_and_lists_it():
    # a corn contract at 5 is worth 5 x 100 / 1e6 = 0.05 %; held 199 (9.95 %), wants 10 %:
    # one contract, 0.05 % of the book, below the 0.1 % minimum order
    day = futures_day(_inputs([0.10, 0.0, 0.0], held=(199.0, 0.0, 0.0), close=(5.0, 100, 100),
                              last=(5.0, 100.0, 100.0)), RISK)
    assert not day.book.orders.any() and day.status == RecommendationStatus.ACTIONABLE
    assert day.dropped == [{"commodity": "corn", "contracts": 1.0,
                            "weight": pytest.approx(0.0005)}]
