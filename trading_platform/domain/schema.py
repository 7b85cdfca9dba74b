"""Column contracts shared by ingestion, the synthetic generator, checks and the warehouse.

Every market data frame in the platform has exactly ``MARKET_SCHEMA``: one row per
(commodity, trading day), prices in the commodity's quoted units, ``volume`` in contracts
(null when the vendor left it blank), ``flags`` a sorted, comma-separated list of the
suspicious-but-accepted rules the row tripped ("" when clean), and ``source`` naming where the
row came from (``synthetic:seed=42`` or the vendor file name).
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
    "source": pl.String(),
}

PRICE_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close")
VENDOR_COLUMNS: tuple[str, ...] = ("date", "open", "high", "low", "close", "volume")

# One row per rejected input row (or per rejected file, with row = 0): what was refused and why.
QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "file": pl.String(),
    "row": pl.Int64(),
    "commodity": pl.String(),
    "date": pl.String(),
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
    """Select and cast ``frame`` to ``MARKET_SCHEMA`` column order, sorted by commodity and date."""
    return frame.select(
        [pl.col(name).cast(dtype) for name, dtype in MARKET_SCHEMA.items()]
    ).sort("commodity", "date")
