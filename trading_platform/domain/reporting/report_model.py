"""The report model: what the daily report shows for one commodity on one day."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl


@dataclass(frozen=True)
class CommodityDay:
    """Everything the report shows for one commodity on one day.

    ``checks`` are validator verdicts ``{"name", "passed", "severity", "description"}``;
    ``closes`` has columns ``date, close`` up to the day; ``matrix`` is today's prediction matrix
    ``(n_paths, horizons)`` of closes for the following trading days, or None; ``book`` has
    columns ``date, inventory, value``; ``monitoring`` is a JSON-safe summary, possibly empty.
    """

    recommendation: dict[str, object]
    checks: list[dict[str, object]]
    closes: pl.DataFrame
    matrix: np.ndarray | None
    book: pl.DataFrame
    monitoring: dict[str, object]
