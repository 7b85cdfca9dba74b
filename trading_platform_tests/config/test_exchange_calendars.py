"""Exchange holidays: the library's calendars where it covers the exchange, the documented ICE
softs rule elsewhere, both checked against the exchanges' published 2024-2026 holidays."""

from __future__ import annotations

import datetime as dt

import pytest

from trading_platform.config.exchange_calendars import (
    easter,
    library_holidays,
    rule_holidays,
)
from trading_platform.config.universe import TradingCalendarSpec

# ICE Futures US softs, published: MLK, Presidents, Good Friday, Memorial, Independence,
# Labor, Thanksgiving, Christmas and New Year (no Juneteenth closure for softs).
ICE_SOFTS_2024_2026 = [
    "2024-01-01", "2024-01-15", "2024-02-19", "2024-03-29", "2024-05-27", "2024-07-04",
    "2024-09-02", "2024-11-28", "2024-12-25", "2025-01-01", "2025-01-20", "2025-02-17",
    "2025-04-18", "2025-05-26", "2025-07-04", "2025-09-01", "2025-11-27", "2025-12-25",
    "2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25", "2026-07-03",
    "2026-09-07", "2026-11-26", "2026-12-25"]


def _between(days, first: str, last: str) -> list[str]:
    return [str(d) for d in days if first <= str(d) <= last]


def test_rule_holidays_given_us_softs_equals_ice_published_dates():
    assert _between(rule_holidays("us_softs"), "2024-01-01", "2026-12-31") == ICE_SOFTS_2024_2026


def test_rule_holidays_given_weekend_holidays_moves_or_drops_them():
    days = set(rule_holidays("us_softs"))
    assert dt.date(2021, 12, 24) in days      # Christmas 2021 on a Saturday: Friday closed
    assert dt.date(2022, 12, 26) in days      # Christmas 2022 on a Sunday: Monday closed
    assert dt.date(2023, 1, 2) in days        # New Year 2023 on a Sunday: Monday closed
    assert dt.date(2021, 12, 31) not in days  # New Year 2022 on a Saturday: not replaced


@pytest.mark.parametrize(("year", "day"), [(2000, dt.date(2000, 4, 23)),
                                           (2019, dt.date(2019, 4, 21)),
                                           (2024, dt.date(2024, 3, 31)),
                                           (2025, dt.date(2025, 4, 20))])
def test_easter_given_known_years_matches_the_calendar(year, day):
    assert easter(year) == day


def test_library_holidays_given_cbot_grains_include_juneteenth_and_the_2025_closure():
    days = _between(library_holidays("CBOT_Agriculture"), "2025-01-01", "2025-12-31")
    assert days == ["2025-01-01", "2025-01-09", "2025-01-20", "2025-02-17", "2025-04-18",
                    "2025-05-26", "2025-06-19", "2025-07-04", "2025-09-01", "2025-11-27",
                    "2025-12-25"]


def test_library_holidays_given_nymex_crude_closes_only_on_the_big_three():
    assert _between(library_holidays("CMEGlobex_Crude"), "2024-01-01", "2024-12-31") == [
        "2024-01-01", "2024-03-29", "2024-12-25"]


def test_trading_calendar_spec_given_unknown_sources_names_them():
    with pytest.raises(ValueError, match="not a pandas-market-calendars calendar"):
        TradingCalendarSpec(exchange_calendar="CBOT")
    with pytest.raises(ValueError, match="holiday_rule 'lunar' is unknown"):
        TradingCalendarSpec(holiday_rule="lunar")


def test_trading_calendar_spec_given_a_rule_and_explicit_closures_keeps_both():
    spec = TradingCalendarSpec(holiday_rule="us_softs", holidays=[dt.date(2018, 12, 5)])
    assert dt.date(2018, 12, 5) in spec.holiday_set and dt.date(2024, 1, 15) in spec.holiday_set
