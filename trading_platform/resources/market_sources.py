"""Market sources on disk: a vendor file is read here, and judged by the domain's ingest rules."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from pathlib import Path

import polars as pl

from trading_platform.config.universe import Universe
from trading_platform.domain.market.ingest import IngestResult, ingest_bytes


def ingest_file(
    path: Path | str, universe: Universe, *, today: date, commodity: str | None = None
) -> IngestResult:
    """Read one vendor file and validate it (``domain.market.ingest``); raise IngestError if
    refused. The file's name (not its folder) is what refusals and provenance name."""
    source = Path(path)
    return ingest_bytes(source.name, source.read_bytes(), universe, today=today,
                        commodity=commodity)


def read_contract_file(path: Path | str) -> tuple[pl.DataFrame, str]:
    """A per-contract price file (CSV or Parquet) as read, with its sha256. Dates are parsed
    leniently (a bad one becomes null, which ``check_contract_prices`` names by row)."""
    source = Path(path)
    content = source.read_bytes()
    if source.suffix.lower() == ".parquet":
        raw = pl.read_parquet(io.BytesIO(content))
    else:
        raw = pl.read_csv(io.BytesIO(content), infer_schema=False)
        raw = raw.with_columns(
            [pl.col("date").str.strip_chars().str.to_date(strict=False)] if "date" in raw.columns
            else []).with_columns(
            [pl.col("close").str.strip_chars().cast(pl.Float64, strict=False)]
            if "close" in raw.columns else [])
    return raw, hashlib.sha256(content).hexdigest()
