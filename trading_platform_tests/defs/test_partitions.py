"""Partition counts stay within Dagster's recommended limit, or definitions refuse to load."""

import datetime as dt

import pytest

from trading_platform.defs.partitions import (
    MAX_PARTITIONS_PER_ASSET,
    PartitionSlice,
    build_market_partitions,
    extend_for_revisions,
    partition_count,
)

TODAY = dt.date(2026, 11, 21)


def test_partition_count_given_default_universe_matches_dagster(universe):
    # 6 commodities x 7,015 weekdays from 2000-01-03 through Friday 2026-11-20 (the 21st is a
    # Saturday) = 42,090, the number the UI shows
    built = build_market_partitions(universe, today=TODAY)
    assert partition_count(universe, TODAY) == 6 * 7_015 == 42_090
    assert built.get_num_partitions() >= partition_count(universe, TODAY)


def test_build_market_partitions_given_too_many_commodities_refuses_with_guidance(universe):
    # 15 commodities x 7,015 weekdays = 105,225 > 100,000
    specs = {f"{key}_{i}": universe.commodity(key)
             for i in range(3) for key in universe.commodity_keys[:5]}
    big = universe.model_copy(update={"commodities": specs})
    assert partition_count(big, TODAY) > MAX_PARTITIONS_PER_ASSET
    with pytest.raises(ValueError, match="move partition_start"):
        build_market_partitions(big, today=TODAY)


def test_build_market_partitions_given_later_start_fits_again(universe):
    specs = {f"{key}_{i}": universe.commodity(key)
             for i in range(3) for key in universe.commodity_keys[:5]}
    big = universe.model_copy(update={"commodities": specs,
                                      "partition_start": dt.date(2010, 1, 4)})
    assert partition_count(big, TODAY) <= MAX_PARTITIONS_PER_ASSET
    assert build_market_partitions(big, today=TODAY).get_num_partitions() > 0


def test_extend_for_revisions_given_later_stored_days_covers_the_lookback_after():
    part = PartitionSlice(("coffee",), dt.date(2020, 1, 6), dt.date(2020, 1, 10))
    # Stored through 2024: the 300 weekdays after Fri 2020-01-10 end on Fri 2021-03-05.
    later = extend_for_revisions(part, {"coffee": dt.date(2024, 6, 28)})
    assert (later.start, later.end) == (part.start, dt.date(2021, 3, 5))
    # Stored only a week past the file: up to the last stored day.
    near = extend_for_revisions(part, {"coffee": dt.date(2020, 1, 17)})
    assert near.end == dt.date(2020, 1, 17)


def test_extend_for_revisions_given_append_or_other_commodity_keeps_the_slice():
    part = PartitionSlice(("coffee",), dt.date(2020, 1, 6), dt.date(2020, 1, 10))
    assert extend_for_revisions(part, {"coffee": dt.date(2020, 1, 3)}) == part
    assert extend_for_revisions(part, {"sugar": dt.date(2024, 1, 3)}) == part
