"""Trading calendars: which dates a commodity trades on, and where a date sits in its season.

Dates are exchange-local calendar dates (``datetime.date``), no time zone. A trading day is a
listed weekday that is neither a fixed (month-day) holiday nor an explicit holiday.
"""

from __future__ import annotations

import datetime as dt

from trading_platform.config.universe import TradingCalendarSpec

_ONE_DAY = dt.timedelta(days=1)


def is_trading_day(day: dt.date, calendar: TradingCalendarSpec) -> bool:
    """Return whether ``day`` is a trading day of ``calendar``."""
    if day.weekday() not in calendar.weekdays:
        return False
    if day.strftime("%m-%d") in calendar.fixed_holidays:
        return False
    return day not in calendar.holiday_set


def trading_days(start: dt.date, end: dt.date, calendar: TradingCalendarSpec) -> list[dt.date]:
    """Return the trading days in ``[start, end]`` (both inclusive), ascending."""
    span = (end - start).days + 1
    candidates = (start + dt.timedelta(days=offset) for offset in range(max(span, 0)))
    return [day for day in candidates if is_trading_day(day, calendar)]


def previous_trading_day(day: dt.date, calendar: TradingCalendarSpec) -> dt.date:
    """Return the last trading day strictly before ``day``."""
    candidate = day - _ONE_DAY
    while not is_trading_day(candidate, calendar):
        candidate -= _ONE_DAY
    return candidate


def last_trading_day_on_or_before(day: dt.date, calendar: TradingCalendarSpec) -> dt.date:
    """Return ``day`` if it trades, else the trading day before it."""
    return day if is_trading_day(day, calendar) else previous_trading_day(day, calendar)


def next_trading_day(day: dt.date, calendar: TradingCalendarSpec) -> dt.date:
    """Return the first trading day strictly after ``day``."""
    candidate = day + _ONE_DAY
    while not is_trading_day(candidate, calendar):
        candidate += _ONE_DAY
    return candidate
