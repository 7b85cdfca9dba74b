"""Exchange holidays for the universe's trading calendars, from two sources:

- ``exchange_calendar``: a calendar of the ``pandas-market-calendars`` library, where it covers
  the exchange (CBOT grains: ``CBOT_Agriculture``; NYMEX crude: ``CMEGlobex_Crude``). Every
  weekday it has no session on is a holiday, unusual closures included (2025-01-09).
- ``holiday_rule: us_softs``: ICE US softs (coffee, sugar, cocoa), which the library does not
  cover, by this documented rule: New Year's Day (a Sunday moves to Monday; a Saturday is not
  replaced), Martin Luther King Jr. Day (third Monday of January), Presidents' Day (third
  Monday of February), Good Friday, Memorial Day (last Monday of May), Independence Day and
  Christmas (a Saturday moves to Friday, a Sunday to Monday), Labor Day (first Monday of
  September) and Thanksgiving (fourth Thursday of November). Checked against ICE's published
  2024-2026 holidays in the tests.

Holidays are expanded over ``FIRST_YEAR``..``LAST_YEAR`` when the universe loads, so the
calendars are the same whatever day the platform runs.
"""

from __future__ import annotations

import datetime as dt

FIRST_YEAR, LAST_YEAR = 1995, 2035
HOLIDAY_RULES = ("us_softs",)


def library_holidays(name: str) -> tuple[dt.date, ...]:
    """Weekdays without a session in ``pandas-market-calendars``' calendar ``name``."""
    import pandas as pd
    import pandas_market_calendars as mcal

    try:
        calendar = mcal.get_calendar(name)
    except RuntimeError as error:
        raise ValueError(f"exchange_calendar {name!r} is not a pandas-market-calendars "
                         "calendar (for example CBOT_Agriculture, CMEGlobex_Crude)") from error
    start, end = dt.date(FIRST_YEAR, 1, 1), dt.date(LAST_YEAR, 12, 31)
    sessions = {day.date() for day in calendar.schedule(start, end).index}
    return tuple(day.date() for day in pd.bdate_range(start, end) if day.date() not in sessions)


def rule_holidays(rule: str) -> tuple[dt.date, ...]:
    """The holidays of ``rule`` (module doc) over the expansion years."""
    if rule not in HOLIDAY_RULES:
        raise ValueError(f"holiday_rule {rule!r} is unknown; known: {list(HOLIDAY_RULES)}")
    days: list[dt.date] = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        new_year = dt.date(year, 1, 1)
        days += [new_year + dt.timedelta(days=1)] if new_year.weekday() == 6 else [new_year]
        days += [_nth_weekday(year, 1, 0, 3), _nth_weekday(year, 2, 0, 3),
                 easter(year) - dt.timedelta(days=2), _last_weekday(year, 5, 0),
                 _observed(dt.date(year, 7, 4)), _nth_weekday(year, 9, 0, 1),
                 _nth_weekday(year, 11, 3, 4), _observed(dt.date(year, 12, 25))]
    return tuple(sorted(day for day in days if day.weekday() < 5))


def easter(year: int) -> dt.date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> dt.date:
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: dt.date) -> dt.date:
    if day.weekday() == 5:
        return day - dt.timedelta(days=1)
    return day + dt.timedelta(days=1) if day.weekday() == 6 else day
