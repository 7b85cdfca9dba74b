"""The stored-series guards a vendor file passes before anything of it is stored.

Shared by the ``market_data`` asset, the ``ingest`` command (which refuses before it starts a
run) and the file-drop sensor (which rejects into ``incoming/rejected/`` instead of launching a
run that would fail): a file never joins a series holding synthetic rows, and its closes must be
quoted like the stored series (``domain.market_levels``).
"""

from __future__ import annotations

import polars as pl

from trading_platform.defs.universe import UNIVERSE
from trading_platform.domain.market.batch import refuse_mixed_sources
from trading_platform.domain.market.ingest import IngestResult
from trading_platform.domain.market.levels import check_levels
from trading_platform.resources.warehouse import Warehouse


def judge_against_store(result: IngestResult, warehouse: Warehouse,
                        mix: pl.DataFrame | None = None) -> None:
    """Raise ``IngestError`` if ``result``'s accepted rows may not join the stored series."""
    accepted = result.accepted
    if accepted.is_empty():
        return
    commodities = accepted.get_column("commodity").unique().sort().to_list()
    refuse_mixed_sources(result.file, commodities, mix if mix is not None
                         else warehouse.source_mix())
    first, last = accepted.get_column("date").min(), accepted.get_column("date").max()
    stored, previous = warehouse.market_around(commodities, first, last)
    check_levels(result.file, accepted, stored, previous, UNIVERSE)
