"""The order planner on hand-derived cases: equity 1,000,000 and every contract worth 1 % of
the book (price 100 x point value 100 / 1e6), so a weight of 0.10 is 10 contracts."""

from __future__ import annotations

import numpy as np
import pytest

from trading_platform.config.risk_limits import FuturesLimits
from trading_platform.domain.desk.trading_book.book import ProposedBook
from trading_platform.domain.desk.trading_book.planner import plan_orders, target_weights
from trading_platform.domain.desk.trading_book.validators import validate_orders

LIMITS = FuturesLimits()


def _book(weights, held=None, volume=1_000.0) -> ProposedBook:
    k = len(weights)
    return ProposedBook(
        tuple("abcdefgh"[:k]), 1_000_000.0, np.full(k, 100.0), np.full(k, 100.0),
        np.full(k, 1_000.0), np.zeros(k) if held is None else np.asarray(held, dtype=float),
        np.zeros(k), np.broadcast_to(np.asarray(volume, dtype=float), (k,)).copy(),
        np.full(k, 10.0), np.asarray(weights, dtype=float),
        1.0 - float(np.abs(weights).sum()))


def test_target_weights_given_caps_keep_40_percent_a_position_and_5_percent_cash():
    # 0.5 -> 0.4; then 0.4 + 0.4 + 0.3 + 0.03 = 1.13 > 0.95: x 0.95/1.13; then 0.03 x 0.84
    # is too small to hold
    got = target_weights(np.array([0.5, -0.4, 0.3, 0.03]), LIMITS)
    scale = 0.95 / 1.13
    assert got == pytest.approx([0.4 * scale, -0.4 * scale, 0.3 * scale, 0.0])


def test_plan_orders_given_a_flat_book_builds_the_target_over_days_within_every_limit():
    # want 30 % in a, b, c: 10 % each a day (order cap), 30 % turnover a day, three days
    book = _book([0.3, 0.3, 0.3, 0.0])
    held = []
    for _ in range(4):
        book = plan_orders(book, LIMITS)
        assert all(o.passed for o in validate_orders(book, LIMITS)), book.target
        held.append(book.target.tolist())
        book = ProposedBook(**(vars(book) | {"held": book.target}))
    assert held == [[10, 10, 10, 0], [20, 20, 20, 0], [30, 30, 30, 0], [30, 30, 30, 0]]


def test_plan_orders_given_more_moves_than_turnover_grants_the_largest_first():
    # seven wanted 10 % moves (12 % for g, capped at 10 %): 30 % buys three whole positions,
    # g first (largest), then a, b in commodity order; nothing opened too small to hold
    book = plan_orders(_book([0.1] * 6 + [0.12]), LIMITS)
    assert book.target.tolist() == [10, 10, 0, 0, 0, 0, 10]


def test_plan_orders_given_thin_volume_caps_the_order_at_5_percent_of_it():
    # 100 contracts a day: at most 5 contracts (5 %); a market without volume: no order
    book = plan_orders(_book([0.2, 0.2], volume=[100.0, np.nan]), LIMITS)
    assert book.target.tolist() == [5, 0]


def test_plan_orders_given_a_shrinking_position_stops_at_the_minimum_size():
    # held 12 % wanted 0 %: the 10 % order cap would leave 2 %, below 5 %: it stops at 5
    # contracts (5 %) and closes the next day
    book = plan_orders(_book([0.0, 0.3], held=[12.0, 30.0]), LIMITS)
    assert book.target.tolist() == [5, 30]
    assert all(o.passed for o in validate_orders(book, LIMITS))


def _random_weights(rng, k):
    raw = rng.normal(0.0, 0.3, k) * (rng.random(k) < 0.7)
    return raw if np.abs(raw).sum() <= 1 else raw / (np.abs(raw).sum() * 1.01)


def test_plan_orders_given_random_targets_day_after_day_passes_every_validator():
    # 200 random books of 6 commodities, each replanned on 5 new random targets in a row;
    # contract values vary from 0.2 % to 3 % of the book and volumes from 50 to 5,000 a day
    rng = np.random.default_rng(20)
    for _ in range(200):
        k = 6
        book = _book(_random_weights(rng, k), volume=rng.uniform(50, 5_000, k))
        book = ProposedBook(**(vars(book) | {"price": rng.uniform(20, 300, k)}))
        for _ in range(5):
            weights = _random_weights(rng, k)
            book = ProposedBook(**(vars(book) | {"held": book.target, "plan_weights": weights,
                                                 "plan_cash": 1 - np.abs(weights).sum()}))
            book = plan_orders(book, LIMITS)
            failed = [o.description for o in validate_orders(book, LIMITS) if not o.passed]
            assert failed == [], (book.held, book.target, weights)
