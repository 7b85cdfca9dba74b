"""Column contracts shared by ingestion, the synthetic generator, checks and the warehouse.

Every market data frame in the platform has exactly ``MARKET_SCHEMA``: one row per
(commodity, trading day), prices in the commodity's quoted units, ``volume`` in contracts
(null when the vendor left it blank), ``flags`` a sorted, comma-separated list of the
suspicious-but-accepted rules the row tripped ("" when clean; ``close_only`` rows have empty
open, high and low), and the row's provenance:

- ``origin``: ``synthetic`` (the generator) or ``vendor`` (a file); a series never mixes them;
- ``source``: ``synthetic:<seed>`` or the vendor file name; ``source_sha256`` the file's sha256
  (null for synthetic rows);
- ``batch`` and ``ingested_at``: the run that stored the row's current values, and when (UTC).
  A rerun that delivers the same values keeps the row's provenance, so reruns change nothing.
"""

from __future__ import annotations

import polars as pl

MARKET_SCHEMA: dict[str, pl.DataType] = {
    "commodity": pl.String(),
    "date": pl.Date(),
    "open": pl.Float64(),
    "high": pl.Float64(),
    "low": pl.Float64(),
    "close": pl.Float64(),
    "volume": pl.Int64(),
    "flags": pl.String(),
    "origin": pl.String(),
    "source": pl.String(),
    "source_sha256": pl.String(),
    "batch": pl.String(),
    "ingested_at": pl.Datetime("us"),
}

ORIGINS = ("synthetic", "vendor")
PROVENANCE_COLUMNS: tuple[str, ...] = ("origin", "source", "source_sha256", "batch",
                                       "ingested_at")

PRICE_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close")
VENDOR_COLUMNS: tuple[str, ...] = ("date", "open", "high", "low", "close", "volume")

# One row per rejected input row (or per rejected file, with row null or the header's line):
# the file and its sha256, the row, the column and value at fault, the rule and why.
QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "file": pl.String(),
    "sha256": pl.String(),
    "row": pl.Int64(),
    "commodity": pl.String(),
    "date": pl.String(),
    "column": pl.String(),
    "value": pl.String(),
    "rule": pl.String(),
    "reason": pl.String(),
    "raw": pl.String(),
}


def empty_market_frame() -> pl.DataFrame:
    """Return a zero-row frame with the market data schema."""
    return pl.DataFrame(schema=MARKET_SCHEMA)


def empty_quarantine_frame() -> pl.DataFrame:
    """Return a zero-row frame with the quarantine schema."""
    return pl.DataFrame(schema=QUARANTINE_SCHEMA)


def conform_market_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Select and cast ``frame`` to ``MARKET_SCHEMA`` column order, sorted by commodity and date.

    Provenance columns the frame lacks are added empty (a frame straight from a parser or the
    generator has no batch yet).
    """
    missing = [pl.lit(None).alias(name) for name in PROVENANCE_COLUMNS if name not in frame.columns]
    return frame.with_columns(missing).select(
        [pl.col(name).cast(dtype) for name, dtype in MARKET_SCHEMA.items()]
    ).sort("commodity", "date")
