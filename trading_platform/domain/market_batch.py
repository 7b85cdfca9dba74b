"""Assemble the market rows one run writes for its slice of commodity x date partitions.

Two sources, two semantics, both stated so nothing changes silently:
- **synthetic**: the generator is the source of truth; the slice is regenerated in full
  (deterministic, so a rerun writes identical rows).
- **vendor files**: an upsert. Rows the files accept replace the stored row for that commodity and
  date; stored rows the files do not mention stay as they were (a quarantined or missing row never
  deletes stored data). The batch counts inserted, updated and unchanged rows for the run's
  metadata.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from trading_platform.domain.ingest import IngestError, IngestResult
from trading_platform.domain.schema import (
    PRICE_COLUMNS,
    QUARANTINE_SCHEMA,
    conform_market_frame,
    empty_market_frame,
    empty_quarantine_frame,
)

_KEY = ["commodity", "date"]
_VALUE_COLUMNS = [*PRICE_COLUMNS, "volume", "flags"]


@dataclass(frozen=True)
class MarketBatch:
    """The rows to store for a slice, what was refused, and counts describing the change."""

    frame: pl.DataFrame
    quarantine: pl.DataFrame = field(default_factory=empty_quarantine_frame)
    stats: dict[str, int] = field(default_factory=dict)


def _in_slice(commodities: Sequence[str], start: dt.date, end: dt.date) -> pl.Expr:
    return pl.col("commodity").is_in(list(commodities)) & pl.col("date").is_between(start, end)


def _reject_cross_file_conflicts(results: Sequence[IngestResult]) -> None:
    tagged = [r.accepted.select(_KEY).with_columns(file=pl.lit(r.file)) for r in results]
    if len(tagged) < 2:
        return
    clashes = pl.concat(tagged).group_by(_KEY).agg(pl.col("file").unique().sort())
    clashes = clashes.filter(pl.col("file").list.len() > 1).sort(_KEY)
    if clashes.height:
        first = clashes.row(0, named=True)
        raise ValueError(
            f"market data files {', '.join(first['file'])} both contain {first['commodity']} "
            f"{first['date']} ({clashes.height} overlapping rows, rule cross_file_conflict); "
            "ingest them in separate runs so the later file is an explicit update"
        )


def build_file_batch(
    results: Sequence[IngestResult],
    stored: pl.DataFrame,
    commodities: Sequence[str],
    start: dt.date,
    end: dt.date,
) -> MarketBatch:
    """Upsert the accepted rows of ``results`` inside the slice over the ``stored`` slice rows."""
    _reject_cross_file_conflicts(results)
    accepted = [r.accepted for r in results] or [empty_market_frame()]
    incoming_all = pl.concat(accepted)
    incoming = incoming_all.filter(_in_slice(commodities, start, end))
    stored = conform_market_frame(stored.filter(_in_slice(commodities, start, end)))
    joined = incoming.join(stored, on=_KEY, how="left", suffix="_stored")
    was_stored = pl.col("open_stored").is_not_null()
    same = pl.all_horizontal([pl.col(c).eq_missing(pl.col(f"{c}_stored")) for c in _VALUE_COLUMNS])
    counts = joined.select(
        inserted=(~was_stored).sum(),
        updated=(was_stored & ~same).sum(),
        unchanged=(was_stored & same).sum(),
    ).row(0, named=True)
    kept = stored.join(incoming.select(_KEY), on=_KEY, how="anti")
    quarantine = pl.concat([r.quarantine for r in results] or [empty_quarantine_frame()])
    stats = {
        **{name: int(value) for name, value in counts.items()},
        "kept": kept.height,
        "outside_slice": incoming_all.height - incoming.height,
        "quarantined": quarantine.height,
    }
    frame = conform_market_frame(pl.concat([kept, incoming]))
    return MarketBatch(frame=frame, quarantine=quarantine, stats=stats)


def refusal_quarantine(error: IngestError) -> pl.DataFrame:
    """One quarantine row recording that a whole file was refused, and why."""
    return pl.DataFrame(
        {"file": [error.file], "row": [error.row], "commodity": [None], "date": [None],
         "rule": [error.rule], "reason": [error.reason], "raw": [None]},
        schema=QUARANTINE_SCHEMA,
    )
