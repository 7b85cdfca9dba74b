"""Assemble the market rows one run writes for its slice of commodity x date partitions.

Two sources, two semantics, both stated so nothing changes silently:
- **synthetic**: the generator is the source of truth; the slice is regenerated in full
  (deterministic, so a rerun writes identical rows).
- **vendor files**: an upsert. Rows the files accept replace the stored row for that commodity and
  date; stored rows the files do not mention stay as they were (a quarantined or missing row never
  deletes stored data). The batch counts inserted, updated and unchanged rows for the run's
  metadata, and lists the revised rows (stored closes that changed).

Either way a row whose values equal the stored row's keeps its stored provenance (source, batch,
time), so a rerun writes byte-identical rows; new and changed rows get this run's batch and time.
A series never mixes sources: ``refuse_mixed_sources`` and ``refuse_generation`` enforce it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from trading_platform.domain.market.ingest import IngestError, IngestResult
from trading_platform.domain.market.schema import (
    PRICE_COLUMNS,
    QUARANTINE_SCHEMA,
    conform_market_frame,
    empty_market_frame,
    empty_quarantine_frame,
)

_KEY = ["commodity", "date"]
_VALUE_COLUMNS = [*PRICE_COLUMNS, "volume", "flags", "origin", "source_sha256"]
REVISION_SCHEMA: dict[str, pl.DataType] = {
    "commodity": pl.String(), "date": pl.Date(), "close_before": pl.Float64(),
    "close_after": pl.Float64(),
}


@dataclass(frozen=True)
class MarketBatch:
    """The rows to store for a slice, what was refused, counts describing the change, and the
    rows whose stored close changed (``REVISION_SCHEMA``)."""

    frame: pl.DataFrame
    quarantine: pl.DataFrame = field(default_factory=empty_quarantine_frame)
    stats: dict[str, int] = field(default_factory=dict)
    revised: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REVISION_SCHEMA))


def _was_stored() -> pl.Expr:
    """After a join with the stored rows: the row was stored (a stored close is never null)."""
    return pl.col("close_stored").is_not_null()


def _same_values() -> pl.Expr:
    return pl.all_horizontal([pl.col(c).eq_missing(pl.col(f"{c}_stored")) for c in _VALUE_COLUMNS])


def stamp_provenance(incoming: pl.DataFrame, stored: pl.DataFrame, batch: str,
                     at: dt.datetime) -> pl.DataFrame:
    """``incoming`` with this run's ``batch`` and ``at``, except rows equal to their stored
    version, which are the stored row (provenance included)."""
    incoming, stored = conform_market_frame(incoming), conform_market_frame(stored)
    joined = incoming.join(stored, on=_KEY, how="left", suffix="_stored")
    unchanged = joined.filter(_was_stored() & _same_values()).select(_KEY)
    fresh = incoming.join(unchanged, on=_KEY, how="anti").with_columns(
        batch=pl.lit(batch), ingested_at=pl.lit(at, pl.Datetime("us")))
    kept = stored.join(unchanged, on=_KEY, how="semi")
    return conform_market_frame(pl.concat([kept, fresh]))


def source_mix_rows(frame: pl.DataFrame) -> list[dict[str, object]]:
    """Per (commodity, origin) of a market frame: rows, first and last date, sources."""
    mix = frame.group_by("commodity", "origin").agg(
        rows=pl.len(), first=pl.col("date").min().cast(pl.String()),
        last=pl.col("date").max().cast(pl.String()), sources=pl.col("source").n_unique(),
    ).sort("commodity", "origin")
    return mix.to_dicts()


def _first_holding(mix: pl.DataFrame, commodities: Sequence[str],
                   origin: str) -> dict[str, object] | None:
    """The source-mix row of the first of ``commodities`` that holds ``origin`` rows."""
    found = mix.filter(pl.col("commodity").is_in(list(commodities))
                       & (pl.col("origin") == origin)).sort("commodity")
    return found.row(0, named=True) if found.height else None


def refuse_mixed_sources(file: str, commodities: Sequence[str], mix: pl.DataFrame) -> None:
    """Raise ``IngestError`` if a vendor file would join a series holding synthetic rows.

    ``mix`` has one row per stored (commodity, origin): ``rows``, ``first``, ``last``.
    """
    row = _first_holding(mix, commodities, "synthetic")
    if row is None:
        return
    reason = (f"{row['commodity']} holds {row['rows']:,} synthetic rows ({row['first']}.."
              f"{row['last']}) and a series never mixes synthetic and vendor rows; to replace "
              "them, run `python -m trading_platform.cli market replace-synthetic --commodity "
              f"{row['commodity']}` (deletes its synthetic rows and features, recorded in "
              "market.source_changes), then ingest the file again")
    raise IngestError(file, None, "mixed_sources", reason)


class GenerationRefused(ValueError):
    """The synthetic generator was asked to write a commodity it must not write."""


def refuse_generation(commodities: Sequence[str], mix: pl.DataFrame, mode: str) -> None:
    """Raise ``GenerationRefused`` unless the generator may write every one of ``commodities``:
    never in vendor mode, never over a commodity holding any vendor row."""
    if mode != "synthetic":
        raise GenerationRefused(
            f"the data directory is in {mode} mode: the synthetic generator never runs there "
            f"(asked for {', '.join(commodities)}); prices come from vendor files only "
            "(`ingest`, or the drop folder incoming/)")
    row = _first_holding(mix, commodities, "vendor")
    if row is not None:
        raise GenerationRefused(
            f"{row['commodity']} holds {row['rows']:,} vendor rows ({row['first']}..{row['last']}"
            f"): the synthetic generator never writes a commodity with real prices; switch the "
            "data directory to vendor mode (`python -m trading_platform.cli market mode vendor`)"
            " or leave this commodity out of synthetic runs")


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
    part: tuple[Sequence[str], dt.date, dt.date],
    batch: str,
    at: dt.datetime,
) -> MarketBatch:
    """Upsert the accepted rows of ``results`` inside the slice ``part`` (commodities, start,
    end) over the ``stored`` slice rows, stamping new and changed rows with ``batch``/``at``."""
    commodities, start, end = part
    _reject_cross_file_conflicts(results)
    accepted = [r.accepted for r in results] or [empty_market_frame()]
    incoming_all = pl.concat(accepted)
    incoming = incoming_all.filter(_in_slice(commodities, start, end))
    stored = conform_market_frame(stored.filter(_in_slice(commodities, start, end)))
    joined = incoming.join(stored, on=_KEY, how="left", suffix="_stored")
    was_stored, same = _was_stored(), _same_values()
    counts = joined.select(
        inserted=(~was_stored).sum(),
        updated=(was_stored & ~same).sum(),
        unchanged=(was_stored & same).sum(),
    ).row(0, named=True)
    revised = joined.filter(was_stored & ~pl.col("close").eq_missing(pl.col("close_stored")))
    kept = stored.join(incoming.select(_KEY), on=_KEY, how="anti")
    quarantine = pl.concat([r.quarantine for r in results] or [empty_quarantine_frame()])
    stats = {
        **{name: int(value) for name, value in counts.items()},
        "kept": kept.height,
        "outside_slice": incoming_all.height - incoming.height,
        "quarantined": quarantine.height,
        "revised_closes": revised.height,
    }
    frame = conform_market_frame(pl.concat([kept, stamp_provenance(incoming, stored, batch, at)]))
    revisions = revised.select("commodity", "date", close_before="close_stored",
                               close_after="close").cast(REVISION_SCHEMA)
    return MarketBatch(frame=frame, quarantine=quarantine, stats=stats, revised=revisions)


def refusal_quarantine(error: IngestError, result: IngestResult | None = None,
                       sha256: str | None = None) -> pl.DataFrame:
    """The quarantine rows of a file refused as a whole: one row for the refusal and, when the
    file was read before it was refused (``result``), the rows its row rules refused.

    The sha256 is ``sha256``, else the error's, else the result's.
    """
    digest = sha256 or error.sha256 or (result.sha256 if result else None)
    refusal = pl.DataFrame(
        {"file": [error.file], "sha256": [digest], "row": [error.row], "commodity": [None],
         "date": [None], "column": [None], "value": [None], "rule": [error.rule],
         "reason": [error.reason], "raw": [None]},
        schema=QUARANTINE_SCHEMA,
    )
    return pl.concat([refusal, result.quarantine]) if result is not None else refusal
