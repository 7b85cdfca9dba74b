"""Futures contracts and their roll calendar: which contract the book holds on each day.

A contract is named ``<root><month letter><year>`` (``KCH2024``: coffee, March 2024). Its
reference day is the day positions must be out by (``ExpiryRule``); the book rolls at the close
of the trading day ``roll_business_days`` before it: on that close the expiring contract is sold
and the next listed contract bought, so a day ``d`` is held in the contract whose roll day is
the first one on or after ``d``. Dates are exchange-local calendar dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from trading_platform.config.contracts import MONTH_CODES, ExpiryRule, FuturesSpec
from trading_platform.config.universe import TradingCalendarSpec
from trading_platform.domain.market.calendar import (
    is_trading_day,
    last_trading_day_on_or_before,
    next_trading_day,
    previous_trading_day,
)


@dataclass(frozen=True)
class Contract:
    """One listed contract month and the days that bound its time as the held contract."""

    name: str
    year: int
    month: int
    reference_day: dt.date
    roll_day: dt.date


def contract_name(root: str, year: int, month: int) -> str:
    """``KCH2024`` for root KC, March 2024."""
    return f"{root}{MONTH_CODES[month - 1]}{year}"


def reference_day(year: int, month: int, rule: ExpiryRule,
                  calendar: TradingCalendarSpec) -> dt.date:
    """The day the ``year``-``month`` contract must be out by, under ``rule`` (see
    ``ExpiryRule``): ``business_days`` trading days before its anchor."""
    if rule.anchor == "delivery_month":
        first = dt.date(year, month, 1)
        day = first if is_trading_day(first, calendar) else next_trading_day(first, calendar)
    else:
        before = dt.date(year - (month == 1), 12 if month == 1 else month - 1, rule.day or 1)
        day = last_trading_day_on_or_before(before, calendar)
    return _trading_days_before(day, rule.business_days, calendar)


def roll_calendar(spec: FuturesSpec, calendar: TradingCalendarSpec, start: dt.date,
                  end: dt.date) -> list[Contract]:
    """Every contract held at some day of ``[start, end]``, in order: the first is the one
    whose roll day is the first on or after ``start``, the last the first after ``end`` (so a
    roll on ``end`` itself has the contract it rolls into)."""
    if end < start:
        raise ValueError(f"roll calendar: end {end} is before start {start}")
    held: list[Contract] = []
    year = start.year - 1  # a contract of next year can roll before the end of this one
    while not held or held[-1].roll_day <= end:
        for month in spec.contract_months:
            contract = _contract(spec, calendar, year, month)
            if contract.roll_day >= start and (not held or held[-1].roll_day <= end):
                held.append(contract)
        year += 1
    return held


def held_contract(contracts: list[Contract], day: dt.date) -> Contract:
    """The contract held on ``day``: the first whose roll day is on or after it."""
    for contract in contracts:
        if contract.roll_day >= day:
            return contract
    raise ValueError(f"no contract in the roll calendar is held on {day}: it ends with "
                     f"{contracts[-1].name if contracts else 'nothing'}")


def _contract(spec: FuturesSpec, calendar: TradingCalendarSpec, year: int,
              month: int) -> Contract:
    reference = reference_day(year, month, spec.expiry, calendar)
    return Contract(contract_name(spec.root, year, month), year, month, reference,
                    _trading_days_before(reference, spec.roll_business_days, calendar))


def _trading_days_before(day: dt.date, count: int, calendar: TradingCalendarSpec) -> dt.date:
    for _ in range(count):
        day = previous_trading_day(day, calendar)
    return day
