"""Every validator of the futures desk on a compliant book (all pass) and on a scenario that
plants the one defect it exists to catch. Figures are hand-derived in the comments.

The base book: equity 1,000,000; four commodities priced 100, 50, 200, 100 with point value
100, so one contract is 1 %, 0.5 %, 2 % and 1 % of the book; held 10, 20, 5, 10 contracts
(10 % each), target 15, 20, 5, 10 (a: 15 %): one order of 5 contracts of a = 5 % turnover,
costs 5 x 10 / 1e6 = 0.005 %, 5 of 1,000 contracts of volume = 0.5 %, gross 45 %, cash 55 %,
margin 50 contracts x 1,000 = 5 %.
"""

from __future__ import annotations

import numpy as np
import pytest

from trading_platform.config.risk_limits import FuturesLimits
from trading_platform.domain.desk.trading_book.book import ProposedBook, drop_small_orders
from trading_platform.domain.desk.trading_book.validators import validate_orders

LIMITS = FuturesLimits()


def _book(**changes) -> ProposedBook:
    base = {"commodities": ("a", "b", "c", "d"), "equity": 1_000_000.0,
            "price": np.array([100.0, 50.0, 200.0, 100.0]), "point_value": np.full(4, 100.0),
            "margin": np.full(4, 1_000.0), "held": np.array([10.0, 20.0, 5.0, 10.0]),
            "target": np.array([15.0, 20.0, 5.0, 10.0]), "volume": np.full(4, 1_000.0),
            "cost_per_contract": np.full(4, 10.0),
            "plan_weights": np.array([0.15, 0.10, 0.10, 0.10]), "plan_cash": 0.55}
    return ProposedBook(**(base | changes))


def _failed(book: ProposedBook, limits: FuturesLimits = LIMITS) -> dict[str, str]:
    return {o.name: o.description for o in validate_orders(book, limits) if not o.passed}


def test_validate_orders_given_a_compliant_book_every_validator_passes():
    book = _book()
    assert (book.turnover, book.gross, book.cash) == pytest.approx((0.05, 0.45, 0.55))
    assert book.costs == pytest.approx(0.00005) and book.margin_share == pytest.approx(0.05)
    assert _failed(book) == {}


@pytest.mark.parametrize(("changes", "name", "named"), [
    # 0.15 + 0.10 x 3 + cash 0.60 = 1.05: 5 % off, above the 1 % tolerance
    ({"plan_cash": 0.60}, "weights_sum_to_one", "0.0500"),
    # a: 45 contracts = 45 % > 40 %
    ({"target": np.array([45.0, 20.0, 5.0, 10.0])}, "position_within_max", "(a)"),
    # c: 2 contracts x 2 % = 4 % < 5 %
    ({"target": np.array([15.0, 20.0, 2.0, 10.0])}, "held_position_above_min", "(c)"),
    # a +10 (10 %), b -20 (10 %), c +5 (10 %), d -10 (10 %): turnover 40 % > 30 %
    ({"target": np.array([20.0, 0.0, 10.0, 0.0])}, "turnover_within_limit", "0.4000"),
    # a: +12 contracts = 12 % > 10 %
    ({"target": np.array([22.0, 20.0, 5.0, 10.0])}, "order_within_limit", "(a)"),
    # 5 contracts x 1,100 = 5,500 = 0.55 % > 0.5 %
    ({"cost_per_contract": np.array([1_100.0, 10.0, 10.0, 10.0])}, "costs_within_limit",
     "0.0055"),
    # a: 5 of 50 contracts a day = 10 % > 5 %
    ({"volume": np.array([50.0, 1_000.0, 1_000.0, 1_000.0])}, "order_within_volume", "(a)"),
    # a: no volume on record, rule missing_volume: refuse
    ({"volume": np.array([np.nan, 1_000.0, 1_000.0, 1_000.0])}, "order_within_volume",
     "no volume for a"),
    # 24 % x 4 = 96 % held: cash 4 % < 5 %
    ({"held": np.array([24.0, 48.0, 12.0, 24.0]), "target": np.array([24.0, 48.0, 12.0, 24.0]),
      "plan_weights": np.full(4, 0.24), "plan_cash": 0.04}, "cash_above_min", "0.0400"),
    # 28 % x 4 = 112 % of the equity in notional
    ({"held": np.array([28.0, 56.0, 14.0, 28.0]), "target": np.array([28.0, 56.0, 14.0, 28.0]),
      "plan_weights": np.full(4, 0.25), "plan_cash": 0.0}, "no_leverage", "gross notional"),
    # 50 contracts x 15,000 = 750,000 = 75 % margin > 50 %
    ({"margin": np.full(4, 15_000.0)}, "no_leverage", "margin 0.7500 above 0.5000"),
])
def test_validator_given_its_planted_defect_fails_naming_it(changes, name, named):
    failed = _failed(_book(**changes))
    assert name in failed and named in failed[name] and "no order is sent" in failed[name]


def test_order_within_volume_given_missing_volume_allowed_passes_and_lists_it():
    limits = FuturesLimits(missing_volume="allow")
    book = _book(volume=np.array([np.nan, 1_000.0, 1_000.0, 1_000.0]))
    outcome = {o.name: o for o in validate_orders(book, limits)}["order_within_volume"]
    assert outcome.passed and outcome.metadata["unchecked"] == ["a"]


def test_drop_small_orders_given_an_order_below_the_minimum_keeps_the_held_and_lists_it():
    # b: +1 contract = 0.5 % of the book, below a 1 % minimum; a's 5 % order stays
    book = _book(target=np.array([15.0, 21.0, 5.0, 10.0]))
    kept, dropped = drop_small_orders(book, 0.01)
    assert kept.target.tolist() == [15.0, 20.0, 5.0, 10.0]
    assert dropped == [{"commodity": "b", "contracts": 1.0, "weight": pytest.approx(0.005)}]


def test_proposed_book_given_a_misshapen_array_names_it():
    with pytest.raises(ValueError, match=r"volume has shape \(3,\), expected \(4,\)"):
        _book(volume=np.ones(3))
