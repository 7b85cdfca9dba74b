"""Turn domain check outcomes into Dagster asset check results with their evidence."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import dagster as dg
import polars as pl

from trading_platform.domain.evidence import CheckOutcome

_SEVERITY = {"ERROR": dg.AssetCheckSeverity.ERROR, "WARN": dg.AssetCheckSeverity.WARN}


def to_metadata(values: Mapping[str, Any]) -> dict[str, dg.MetadataValue]:
    """Scalars stay scalars (they chart in the UI); lists and dicts become JSON."""
    metadata: dict[str, dg.MetadataValue] = {}
    for key, value in values.items():
        if isinstance(value, bool):
            metadata[key] = dg.MetadataValue.bool(value)
        elif isinstance(value, int):
            metadata[key] = dg.MetadataValue.int(value)
        elif isinstance(value, float):
            metadata[key] = dg.MetadataValue.float(value)
        elif isinstance(value, (list, dict, tuple)):
            metadata[key] = dg.MetadataValue.json(value)
        else:
            metadata[key] = dg.MetadataValue.text(str(value))
    return metadata


def png_markdown(png: bytes, caption: str) -> dg.MetadataValue:
    """A PNG shown inline in the Dagster UI (markdown metadata with a data URI)."""
    encoded = base64.b64encode(png).decode("ascii")
    return dg.MetadataValue.md(f"![{caption}](data:image/png;base64,{encoded})")


def per_commodity_rows(frame: pl.DataFrame) -> dict[str, int]:
    """Row count per commodity, for run summaries."""
    return dict(frame.group_by("commodity").len().sort("commodity").iter_rows())


def check_results(
    outcomes: Iterable[CheckOutcome], asset_key: dg.AssetKey
) -> Iterator[dg.AssetCheckResult]:
    """One AssetCheckResult per outcome, severity as the domain chose it."""
    for outcome in outcomes:
        yield dg.AssetCheckResult(
            asset_key=asset_key,
            check_name=outcome.name,
            passed=outcome.passed,
            severity=_SEVERITY[outcome.severity],
            description=outcome.description,
            metadata=to_metadata({"summary": outcome.description, **outcome.metadata}),
        )
