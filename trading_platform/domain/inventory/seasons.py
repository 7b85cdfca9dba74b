"""The harvest schedule of one commodity over its trading days: intake, season, forced sales.

Conventions:
- A season starts on the intake-start month-day of a year and ends the day before the next
  year's intake start. The intake window runs from intake start to intake end, both inclusive;
  it may wrap the year end (cocoa: 10-01 .. 03-31 belongs to the season that started in
  October).
- The season's ``annual_volume`` accrues in equal parts on the weekdays (Mon-Fri) of its intake
  window; a trading day receives what accrued on the weekdays since the previous trading day
  (a holiday's share arrives with the next trading day). The intake of a day therefore depends
  only on dates up to that day (the live path and the backtest agree), and a season whose data
  reach past its window end receives exactly ``annual_volume``. Only seasons whose intake
  start lies on or after the first date are simulated: a season already under way when the
  data begin has unknown stock, so the days before the first full season carry no intake.
- A season whose intake window holds no weekday has no intake (nothing to sell); its
  forced-liquidation day still exists, with nothing to liquidate.
- Forced liquidation: whatever is left is sold on the season's last trading day, or earlier
  on the first trading day at least ``max_holding_days`` calendar days after the season's intake
  start. The season's last trading day comes from the commodity's trading **calendar** (the
  last trading day before the next intake start), not from where the data happen to end: a
  history ending on that day liquidates it, exactly as the live desk does on the day, and the
  season still open at the end of the data (its last trading day not reached) is not
  liquidated (its stock is the ending inventory). Within the data, the sale falls on the
  season's last priced date (a missing close cannot be sold at).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trading_platform.config.universe import HarvestSpec, TradingCalendarSpec
from trading_platform.domain.market.calendar import last_trading_day_on_or_before


@dataclass(frozen=True)
class HarvestSchedule:
    """Arrays aligned on the trading days: ``intake`` (n,) float64 volume arriving that day,
    ``season`` (n,) int64 (-1 before the first simulated season, else 0, 1, ...), ``liquidate``
    (n,) bool forced-sale days, and ``season_starts`` the intake-start date of each season."""

    intake: np.ndarray
    season: np.ndarray
    liquidate: np.ndarray
    season_starts: np.ndarray


def _month_day(text: str) -> tuple[int, int]:
    month, day = (int(part) for part in text.split("-"))
    return month, day


def _on(year: int, month_day: tuple[int, int]) -> np.datetime64:
    month, day = month_day
    if (month, day) == (2, 29) and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        day = 28
    return np.datetime64(f"{year:04d}-{month:02d}-{day:02d}", "D")


def _accrued_weekdays(dates: np.ndarray, start: np.datetime64,
                      window_end: np.datetime64) -> np.ndarray:
    """Per date, the intake window's weekdays in (previous date, date]."""
    previous = np.concatenate(([start - 1], dates[:-1]))
    low = np.maximum(previous + 1, start)
    high = np.minimum(dates, window_end) + 1
    return np.where(high > low, np.busday_count(low, np.maximum(high, low)), 0)


def harvest_schedule(
    dates: np.ndarray, harvest: HarvestSpec, max_holding_days: int | None = None,
    calendar: TradingCalendarSpec | None = None,
) -> HarvestSchedule:
    """Build the schedule for ``dates`` (strictly increasing ``datetime64[D]`` trading days)
    on ``calendar`` (default: every weekday trades)."""
    calendar = calendar or TradingCalendarSpec()
    dates = np.asarray(dates, dtype="datetime64[D]")
    if dates.size and not (np.diff(dates) > np.timedelta64(0, "D")).all():
        raise ValueError("harvest_schedule: dates must be strictly increasing trading days")
    if max_holding_days is not None and max_holding_days < 1:
        raise ValueError(f"max_holding_days must be >= 1, got {max_holding_days}")
    n = dates.size
    intake, season = np.zeros(n), np.full(n, -1, dtype=np.int64)
    liquidate = np.zeros(n, dtype=bool)
    if n == 0:
        return HarvestSchedule(intake, season, liquidate, dates[:0])
    start_md, end_md = _month_day(harvest.intake_start), _month_day(harvest.intake_end)
    wraps = end_md < start_md
    first_year = int(str(dates[0])[:4])
    starts = [_on(y, start_md) for y in range(first_year, int(str(dates[-1])[:4]) + 1)]
    starts = np.array([s for s in starts if dates[0] <= s <= dates[-1]], dtype="datetime64[D]")
    for k, start in enumerate(starts):
        year = int(str(start)[:4])
        next_start = _on(year + 1, start_md)
        window_end = _on(year + 1 if wraps else year, end_md)
        in_season = (dates >= start) & (dates < next_start)
        season[in_season] = k
        weekdays = int(np.busday_count(start, window_end + 1))
        if weekdays:
            intake[in_season] = harvest.annual_volume / weekdays * _accrued_weekdays(
                dates[in_season], start, window_end)
        days = np.flatnonzero(in_season)
        season_end = last_trading_day_on_or_before((next_start - 1).astype(object), calendar)
        complete = dates[-1] >= np.datetime64(season_end, "D")
        if days.size == 0 or (not complete and max_holding_days is None):
            continue  # the open season at the end of the data is not liquidated
        last = days[-1] if complete else None
        if max_holding_days is not None:
            aged = days[dates[days] >= start + np.timedelta64(max_holding_days, "D")]
            if aged.size and (last is None or aged[0] < last):
                last = aged[0]
        if last is not None:
            liquidate[last] = True
    return HarvestSchedule(intake, season, liquidate, starts)
