"""What the CLI tests share: a data directory holding stored continuous futures series, and
``data``: the test module's ``stored`` directory made the data directory for one test."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from trading_platform.config.universe import Universe
from trading_platform.domain.futures.synthetic_curves import universe_series
from trading_platform.domain.market.synthetic import generate_universe_market
from trading_platform.resources.tables import FUTURES_SERIES
from trading_platform.resources.warehouse import Warehouse


def store_futures_series(data: Path, universe: Universe, commodities: list[str],
                         first: dt.date, last: dt.date) -> Path:
    """Synthetic continuous series of ``commodities`` stored in ``data``'s warehouse, as
    ``futures_series`` leaves them."""
    market = generate_universe_market(universe, first, last, commodities)
    series, _ = universe_series(universe, market, commodities)
    warehouse = Warehouse(database=str(data / "warehouse.duckdb"))
    for commodity in commodities:
        warehouse.replace_rows({"commodity": commodity}, {FUTURES_SERIES: series[commodity]
                                                          .with_columns(pl.lit("contracts")
                                                                        .alias("basis"))})
    return data


@pytest.fixture
def data(stored, monkeypatch):
    """The module's ``stored`` data directory, set as the data directory for this test."""
    monkeypatch.setenv("TRADING_PLATFORM_DATA_DIR", str(stored))
    return stored
