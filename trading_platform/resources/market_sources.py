"""Market sources on disk: a vendor file is read here, and judged by the domain's ingest rules."""

from __future__ import annotations

from datetime import date
from pathlib import Path

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
