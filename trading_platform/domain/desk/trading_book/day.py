"""One trading day of the futures desk: settle the paper book, read the breakers, plan the
orders toward the champion's target, drop the small ones and validate the rest.

The steps, in order (conventions in ``book`` and ``paper``):

1. yesterday's orders fill at today's close (``paper.settle_session``);
2. the breakers and the kill switch read the book's value at each close since the last reset,
   today's included; a trip halts the book from today;
3. the target: the champion's weights (``plan_weights``; NaN where it has no signal). A
   commodity without a bar today, or without a weight, is a data gap: its position is held
   as it is and listed. Halted, the ``on_halt`` rule decides: ``freeze`` sends no order,
   ``flatten_only`` only reduces positions (a weight on the held side, never larger);
4. the planner's whole-contract orders, orders below ``min_order`` dropped and listed, and the
   validators on the result; a failed validator blocks every order of the day.

The day's status: HALTED (a halt in force or tripped today), else BLOCKED (a validator
failed), else ACTIONABLE: the orders are valid and fill on paper at the next session (how much
real capital follows them is the champion's capital stage, decided elsewhere).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np

from trading_platform.config.risk_limits import FuturesRisk
from trading_platform.domain.desk.trading_book.book import ProposedBook, drop_small_orders
from trading_platform.domain.desk.trading_book.breakers import (
    breaker_checks,
    kill_switch_checks,
)
from trading_platform.domain.desk.trading_book.paper import (
    PaperPositions,
    Session,
    Settled,
    settle_session,
)
from trading_platform.domain.desk.trading_book.planner import plan_orders
from trading_platform.domain.desk.trading_book.validators import validate_orders
from trading_platform.domain.evidence import CheckOutcome
from trading_platform.domain.statuses import RecommendationStatus


@dataclass(frozen=True)
class FuturesDayInputs:
    """Everything one day reads: the ``session`` and the ``reference`` price of each pending
    order, the book after the previous close (``opening``), its ``values`` at each close since
    the last reset (today's excluded), the initial ``capital``, the champion's ``plan_weights``,
    each contract's ``margin`` and average daily ``volume``, and the halt in force ("" none)."""

    day: dt.date
    commodities: tuple[str, ...]
    session: Session
    reference: np.ndarray
    opening: PaperPositions
    values: np.ndarray
    capital: float
    plan_weights: np.ndarray
    margin: np.ndarray
    volume: np.ndarray
    halted: str = ""


@dataclass(frozen=True)
class FuturesDay:
    """The day's ``status``, the settled session, the planned ``book`` (its ``target`` is
    what the book holds after the next session's fills), the ``dropped`` small orders, the
    data ``gaps``, the validators' and breakers' ``outcomes`` and a ``new_halt`` reason."""

    status: RecommendationStatus
    settled: Settled
    book: ProposedBook
    dropped: list[dict[str, float | str]]
    gaps: list[str]
    validators: list[CheckOutcome]
    breakers: list[CheckOutcome]
    new_halt: str | None

    @property
    def positions(self) -> PaperPositions:
        """The paper book after today's close, with today's orders pending."""
        return self.settled.positions.with_pending(self.book.orders)


def _reduce_only(plan: np.ndarray, before: np.ndarray) -> np.ndarray:
    """``flatten_only``: toward flat only, never past it, never a new position."""
    same_side = np.sign(plan) == np.sign(before)
    return np.where(same_side, np.sign(before) * np.minimum(np.abs(plan), np.abs(before)), 0.0)


def _targets(inputs: FuturesDayInputs, book: ProposedBook, halted: bool,
             risk: FuturesRisk) -> tuple[ProposedBook, list[str]]:
    """Step 3 and the planner: the planned book and the data gaps."""
    gaps = [c for c, bar, weight in zip(inputs.commodities, inputs.session.close,
                                        inputs.plan_weights, strict=True)
            if not (np.isfinite(bar) and np.isfinite(weight))]
    gap = np.isin(np.array(inputs.commodities), gaps)
    plan = np.where(gap, book.before, np.nan_to_num(inputs.plan_weights))
    if halted and risk.on_halt == "freeze":
        return book, gaps
    if halted:
        plan = _reduce_only(plan, book.before)
    with np.errstate(divide="ignore", invalid="ignore"):  # a never-priced gap: weight 0
        planned = plan_orders(replace(book, plan_weights=plan,
                                      plan_cash=1.0 - float(np.abs(plan).sum())), risk.limits)
    return planned.with_target(np.where(gap, book.held, planned.target)), gaps


def futures_day(inputs: FuturesDayInputs, risk: FuturesRisk) -> FuturesDay:
    """Run the day's steps (module docstring)."""
    settled = settle_session(inputs.opening, inputs.session, inputs.reference)
    after = settled.positions
    values = np.append(np.asarray(inputs.values, dtype=np.float64), after.equity)
    breakers = [*breaker_checks(values, inputs.capital, after.entry, after.opened_pnl,
                                risk.breakers),
                *kill_switch_checks(values, risk.kill_switch)]
    tripped = [o.description for o in breakers if not o.passed]
    new_halt = "; ".join(tripped) if tripped and not inputs.halted else None
    halted = bool(inputs.halted or tripped)
    session = inputs.session
    price = np.where(session.roll == 1.0, session.next_close, session.close)
    price = np.where(np.isfinite(price), price, after.last)
    price = np.where(np.isfinite(price), price, 0.0)  # never priced: holds nothing, weight 0
    book = ProposedBook(
        inputs.commodities, after.equity, price, session.point_value, inputs.margin,
        after.held, after.held, inputs.volume, session.commission + session.slippage,
        np.zeros(len(inputs.commodities)), 1.0)
    planned, gaps = _targets(inputs, book, halted, risk)
    planned, dropped = drop_small_orders(planned, risk.limits.min_order)
    validators = validate_orders(planned, risk.limits)
    status = (RecommendationStatus.HALTED if halted else RecommendationStatus.BLOCKED
              if not all(o.passed for o in validators) else RecommendationStatus.ACTIONABLE)
    if status == RecommendationStatus.BLOCKED:
        planned = planned.with_target(planned.held)
    return FuturesDay(status, settled, planned, dropped, gaps, validators, breakers, new_halt)
