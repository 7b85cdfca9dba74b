"""The demo's calendar: history up to the research cut, paper-traded days after it."""

import datetime as dt

from trading_platform.cli.demo import demo_slice, last_weekdays, research_slice


def test_last_weekdays_given_a_monday_counts_back_over_the_weekend():
    # Monday 2026-11-30: the three weekdays up to it are Thu 26, Fri 27, Mon 30.
    assert last_weekdays(dt.date(2026, 11, 30), 3) == [
        dt.date(2026, 11, 26), dt.date(2026, 11, 27), dt.date(2026, 11, 30)]


def test_research_slice_given_trading_days_ends_the_weekday_before_the_first():
    part = demo_slice(dt.date(2026, 12, 3), 10)  # history closes Wednesday 2026-12-02
    days = last_weekdays(part.end, 5)  # Thu 11-26 .. Wed 12-02
    history = research_slice(part, days)
    # The first traded day is Thursday 11-26: the cut is Wednesday 11-25, strictly before
    # every traded day, so no champion can have seen one.
    assert history.end == dt.date(2026, 11, 25) and history.start == part.start
    assert all(day > history.end for day in days)
    monday = research_slice(part, [dt.date(2026, 11, 30)])
    assert monday.end == dt.date(2026, 11, 27)  # over the weekend to Friday
    assert research_slice(part, []) == part
