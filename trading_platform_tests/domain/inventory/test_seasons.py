"""The harvest schedule: equal intake over the window, wrap-around, forced liquidation days."""

from __future__ import annotations

import numpy as np
import pytest

from trading_platform.config.universe import HarvestSpec
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
