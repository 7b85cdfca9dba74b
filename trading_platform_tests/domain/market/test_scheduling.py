"""The daily schedule's decision: which partitions a tick after the close requests."""

import datetime as dt

from trading_platform.domain.market.scheduling import (
    daily_partition_keys,
    trading_partition_keys,
)

ALL = ["cocoa", "coffee", "corn", "crude", "sugar", "wheat"]


def test_daily_partition_keys_given_ordinary_weekday_requests_every_commodity(universe):
    # 2024-11-20 is a Wednesday with no holiday on any calendar
    assert daily_partition_keys(dt.date(2024, 11, 20), universe) == [
        f"{c}|2024-11-20" for c in ALL]


def test_daily_partition_keys_given_weekend_requests_nothing(universe):
    assert daily_partition_keys(dt.date(2024, 11, 23), universe) == []  # Saturday
    assert daily_partition_keys(dt.date(2024, 11, 24), universe) == []  # Sunday


def test_daily_partition_keys_given_shared_fixed_holiday_requests_nothing(universe):
    # 12-25 is a fixed holiday of all three calendars; 2024-12-25 is a Wednesday
    assert daily_partition_keys(dt.date(2024, 12, 25), universe) == []


def test_daily_partition_keys_given_one_exchange_holiday_skips_only_its_commodities(universe):
    # 2024-06-19 (Juneteenth) closes CBOT only: corn and wheat skip, the others trade
    assert daily_partition_keys(dt.date(2024, 6, 19), universe) == [
        f"{c}|2024-06-19" for c in ALL if c not in ("corn", "wheat")]


def test_trading_partition_keys_given_friday_lists_harvested_commodities_only(universe):
    keys = trading_partition_keys(dt.date(2026, 11, 20), universe)
    assert keys == [f"{c}|2026-11-20" for c in universe.harvested_keys]
    assert not any(key.startswith("crude|") for key in keys)  # crude has no harvest
    assert trading_partition_keys(dt.date(2026, 11, 21), universe) == []  # Saturday


def test_trading_partition_keys_given_us_holiday_lists_nothing(universe):
    # 2026-11-26 is Thanksgiving on both ICE US and CBOT calendars.
    assert trading_partition_keys(dt.date(2026, 11, 26), universe) == []
