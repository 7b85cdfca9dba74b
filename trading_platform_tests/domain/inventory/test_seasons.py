"""The harvest schedule: equal intake over the window, wrap-around, forced liquidation days."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from trading_platform.config.universe import HarvestSpec, TradingCalendarSpec
from trading_platform.domain.inventory.seasons import harvest_schedule


def _weekdays(start: str, end: str) -> np.ndarray:
    days = np.arange(np.datetime64(start), np.datetime64(end) + 1)
    return days[np.is_busday(days)]


def test_harvest_schedule_given_window_spreads_volume_equally_and_liquidates_before_next():
    dates = _weekdays("2021-01-01", "2023-06-30")
    spec = HarvestSpec(intake_start="05-01", intake_end="09-30", annual_volume=1000)
    schedule = harvest_schedule(dates, spec)
    assert list(schedule.season_starts.astype(str)) == ["2021-05-01", "2022-05-01", "2023-05-01"]
    first = schedule.season == 0
    window = first & (dates <= np.datetime64("2021-09-30"))
    # 2021-05-03 .. 2021-09-30 has 109 weekdays: 1000 / 109 each.
    assert window.sum() == 109
    np.testing.assert_allclose(schedule.intake[window], 1000 / 109)
    assert schedule.intake[first & ~window].sum() == 0
    # Season 0 ends the day before 2022-05-01: its last weekday, 2022-04-29, is the forced sale.
    assert dates[schedule.liquidate].astype(str).tolist() == ["2022-04-29", "2023-04-28"]
    assert (schedule.season[dates < np.datetime64("2021-05-01")] == -1).all()
    assert schedule.intake[schedule.season == -1].sum() == 0  # stock before the data: unknown


def test_harvest_schedule_given_window_across_year_end_keeps_it_in_one_season():
    dates = _weekdays("2020-09-01", "2022-09-30")
    spec = HarvestSpec(intake_start="10-01", intake_end="03-31", annual_volume=800)
    schedule = harvest_schedule(dates, spec)
    season0 = schedule.season == 0
    assert schedule.intake[season0].sum() == pytest.approx(800)
    arrivals = dates[season0 & (schedule.intake > 0)]
    assert str(arrivals[0]) == "2020-10-01" and str(arrivals[-1]) == "2021-03-31"
    # The data end on 2022-09-30, the last day of season 1: that season is complete, so it is
    # liquidated too.
    assert dates[schedule.liquidate].astype(str).tolist() == ["2021-09-30", "2022-09-30"]


def test_harvest_schedule_given_max_holding_age_liquidates_earlier():
    dates = _weekdays("2021-04-01", "2022-06-30")
    spec = HarvestSpec(intake_start="05-01", intake_end="06-30", annual_volume=100)
    schedule = harvest_schedule(dates, spec, max_holding_days=180)
    # 2021-05-01 + 180 days = 2021-10-28, a Thursday: the first weekday that old.
    assert dates[schedule.liquidate].astype(str).tolist() == ["2021-10-28"]


def test_harvest_schedule_given_window_without_trading_days_has_no_intake():
    dates = _weekdays("2021-01-04", "2022-12-30")
    spec = HarvestSpec(intake_start="05-01", intake_end="05-02", annual_volume=100)
    schedule = harvest_schedule(dates, spec)  # 2021-05-01/02 is a weekend: nothing arrives
    assert schedule.intake[schedule.season == 0].sum() == 0
    assert schedule.intake[schedule.season == 1].sum() == pytest.approx(100)  # Mon-Tue 2022


def test_harvest_schedule_given_holiday_in_window_defers_its_intake_to_the_next_day():
    dates = _weekdays("2021-04-26", "2021-05-14")
    dates = dates[dates != np.datetime64("2021-05-05")]  # a Wednesday holiday
    spec = HarvestSpec(intake_start="05-03", intake_end="05-07", annual_volume=100)
    schedule = harvest_schedule(dates, spec)
    arrivals = dict(zip(dates.astype(str), schedule.intake, strict=True))
    # 5 weekdays in the window: 20 each; Wednesday's 20 arrives with Thursday's 20.
    assert [arrivals[d] for d in ("2021-05-03", "2021-05-04", "2021-05-06", "2021-05-07")] == \
        pytest.approx([20, 20, 40, 20])
    assert schedule.intake.sum() == pytest.approx(100)


def test_harvest_schedule_given_truncated_history_gives_the_same_intake_prefix():
    dates = _weekdays("2021-01-04", "2022-12-30")
    spec = HarvestSpec(intake_start="09-15", intake_end="11-30", annual_volume=20000)
    full = harvest_schedule(dates, spec)
    for stop in (200, 215, 230, 420):  # ends inside and after intake windows
        part = harvest_schedule(dates[: stop + 1], spec)
        np.testing.assert_array_equal(part.intake, full.intake[: stop + 1])


def test_harvest_schedule_given_history_ending_on_the_calendars_last_day_liquidates_it():
    # The season starting 2022-05-01 (a Sunday): its predecessor's last trading day is Friday
    # 2022-04-29 by the calendar, whether or not later data exist.
    dates = _weekdays("2021-04-01", "2022-04-29")
    spec = HarvestSpec(intake_start="05-01", intake_end="06-30", annual_volume=100)
    early = harvest_schedule(dates[:-1], spec)  # data end on Thursday: season still open
    last_day = harvest_schedule(dates, spec)
    assert not early.liquidate.any()
    assert last_day.liquidate[-1] and last_day.liquidate.sum() == 1
    longer = harvest_schedule(_weekdays("2021-04-01", "2022-05-20"), spec)
    assert longer.liquidate[dates.size - 1] and longer.liquidate.sum() == 1


def test_harvest_schedule_given_a_holiday_on_the_last_weekday_ends_the_season_the_day_before():
    # Friday 2022-04-29 is a holiday on this calendar: Thursday the 28th is the season's last
    # trading day, so history ending on Thursday already liquidates (data availability alone
    # could not tell: the next close would have come on Monday).
    calendar = TradingCalendarSpec(holidays=(dt.date(2022, 4, 29),))
    dates = _weekdays("2021-04-01", "2022-04-28")
    spec = HarvestSpec(intake_start="05-01", intake_end="06-30", annual_volume=100)
    assert harvest_schedule(dates, spec, calendar=calendar).liquidate[-1]
    assert not harvest_schedule(dates, spec).liquidate.any()  # every weekday trades