"""Partitions: commodity (static, from the universe) x date (one partition per weekday).

The date dimension has a partition for every Monday..Friday from ``universe.partition_start``;
exchange holidays are per commodity, so a holiday partition is simply empty for that commodity.
``end_offset=1`` makes today's partition exist during the day, so the close can be loaded
the same evening. Multi-partition keys read ``"<commodity>|<YYYY-MM-DD>"``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import dagster as dg
import numpy as np
import polars as pl

from trading_platform.config import Universe
from trading_platform.domain.partition_keys import commodity_date_key, split_key

DATE_FORMAT = "%Y-%m-%d"
WEEKDAYS_CRON = "0 0 * * 1-5"
# Weekday partitions of market history read before the first date of a run: the 252 trading
# rows the longest feature window needs, plus room for a year of holidays and short vendor gaps.
# (Read through the warehouse, not a Dagster partition mapping: a TimeWindowPartitionMapping
# with offset -300 is resolved key by key, ~20 ms per partition, minutes for a ten-year run.)
LOOKBACK_WEEKDAYS = 300


def lookback_start(first_day: dt.date, weekdays: int = LOOKBACK_WEEKDAYS) -> dt.date:
    """The weekday ``weekdays`` weekdays before ``first_day``."""
    return np.busday_offset(np.datetime64(first_day, "D"), -weekdays, roll="forward").item()


# Dagster's recommended ceiling per asset; the UI slows down well before it.
MAX_PARTITIONS_PER_ASSET = 100_000


def partition_count(universe: Universe, today: dt.date) -> int:
    """Commodities x weekday partitions from ``partition_start`` through ``today``."""
    weekdays = int(np.busday_count(universe.partition_start, today + dt.timedelta(days=1)))
    return len(universe.commodity_keys) * weekdays


def build_market_partitions(
    universe: Universe, today: dt.date | None = None
) -> dg.MultiPartitionsDefinition:
    """The commodity x date partitions of every daily market asset.

    Refuses a universe whose partitions would pass Dagster's recommended 100,000 per asset.
    """
    count = partition_count(universe, today or dt.date.today())
    if count > MAX_PARTITIONS_PER_ASSET:
        raise ValueError(
            f"universe of {len(universe.commodity_keys)} commodities from "
            f"{universe.partition_start} has {count:,} commodity x date partitions per asset, "
            f"above Dagster's recommended {MAX_PARTITIONS_PER_ASSET:,}: move partition_start "
            "later (keep older history in a separate archive universe) or split the universe "
            "into several code locations (e.g. one per exchange)"
        )
    commodity = dg.StaticPartitionsDefinition(universe.commodity_keys)
    date = dg.TimeWindowPartitionsDefinition(
        cron_schedule=WEEKDAYS_CRON,
        start=universe.partition_start.strftime(DATE_FORMAT),
        fmt=DATE_FORMAT,
        end_offset=1,
    )
    return dg.MultiPartitionsDefinition({"commodity": commodity, "date": date})


@dataclass(frozen=True)
class PartitionSlice:
    """The rectangle of partitions a run covers: some commodities x an inclusive date range."""

    commodities: tuple[str, ...]
    start: dt.date
    end: dt.date

    @property
    def range_tags(self) -> dict[str, str]:
        """Run tags that make one run cover this slice (a single-run backfill)."""
        return {
            "dagster/asset_partition_range_start":
                commodity_date_key(self.commodities[0], self.start),
            "dagster/asset_partition_range_end":
                commodity_date_key(self.commodities[-1], self.end),
        }


def _by_dimension(key: str | dg.MultiPartitionKey) -> dict[str, str]:
    if isinstance(key, dg.MultiPartitionKey):
        return dict(key.keys_by_dimension)
    commodity, date = split_key(str(key))
    return {"commodity": commodity, "date": date}


def run_slice(key_range: dg.PartitionKeyRange, commodity_keys: list[str]) -> PartitionSlice:
    """The slice of a run from its partition key range, without enumerating its keys.

    A multi-partition range is the product of each dimension's range; the commodity keys are
    sorted, so the commodities between the two ends are a string-comparison filter.
    """
    first, last = _by_dimension(key_range.start), _by_dimension(key_range.end)
    return PartitionSlice(
        commodities=tuple(
            c for c in commodity_keys if first["commodity"] <= c <= last["commodity"]
        ),
        start=dt.date.fromisoformat(first["date"]),
        end=dt.date.fromisoformat(last["date"]),
    )


def extend_for_revisions(part: PartitionSlice,
                         latest: Mapping[str, dt.date]) -> PartitionSlice:
    """``part`` extended over the stored days after it whose features its closes feed.

    A feature of day t reads the 252 rows before it, so new or revised closes in ``part`` change
    the features of up to 252 later trading rows (``LOOKBACK_WEEKDAYS`` weekdays cover them).
    Vendor runs upsert, so the market rows of the extension are rewritten unchanged; only the
    features there are recomputed. ``latest`` is the latest stored date per commodity.
    """
    stored_end = max((latest[c] for c in part.commodities if c in latest), default=None)
    if stored_end is None or stored_end <= part.end:
        return part
    limit = np.busday_offset(np.datetime64(part.end, "D"), LOOKBACK_WEEKDAYS,
                             roll="backward").item()
    return PartitionSlice(part.commodities, part.start, min(stored_end, limit))


def slice_covering(accepted: list[pl.DataFrame]) -> PartitionSlice | None:
    """The commodity x date rectangle that accepted market rows cover (None when no rows)."""
    frames = [frame for frame in accepted if frame.height]
    if not frames:
        return None
    rows = pl.concat([frame.select("commodity", "date") for frame in frames])
    return PartitionSlice(
        commodities=tuple(sorted(rows.get_column("commodity").unique())),
        start=rows.get_column("date").min(),
        end=rows.get_column("date").max(),
    )
