"""Tiny stored inputs of the producer's book for tests: coffee's synthetic market rows in a
warehouse and a random-walk forecast store over its days (``naive_rw``, checks passed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

from trading_platform.config.universe import Universe
from trading_platform.domain.market.schema import MARKET_SCHEMA
from trading_platform.domain.market.synthetic import generate_universe_market
from trading_platform.resources.forecast_files import record_checks, write_matrices
from trading_platform.resources.tables import MARKET_DATA
from trading_platform.resources.warehouse import Warehouse


def store_coffee_forecasts(universe: Universe, data: Path) -> None:
    """Coffee 2017-2023 in ``data/warehouse.duckdb`` and 30 random-walk paths x 14 days per
    day after the first 250 in ``data/forecasts/coffee/naive_rw``."""
    market = generate_universe_market(universe, dt.date(2017, 1, 2), dt.date(2023, 12, 29),
                                      ["coffee"]).select(
        [pl.col(c).cast(t) for c, t in MARKET_SCHEMA.items()])
    Warehouse(database=str(data / "warehouse.duckdb")).replace_rows(
        {"commodity": "coffee"}, {MARKET_DATA: market.drop("commodity")})
    dates = market["date"].to_numpy().astype("datetime64[D]")[250:]
    close = market["close"].to_numpy()[250:]
    rng = np.random.default_rng(5)
    paths = close[:, None, None] * np.exp(np.cumsum(rng.normal(0, 0.02, (dates.size, 30, 14)),
                                                    axis=2))
    folder = data / "forecasts" / "coffee" / "naive_rw"
    write_matrices(folder, dates, paths.astype(np.float32), dates[0], dates - 1,
                   {"model": "naive_rw"})
    record_checks(folder, {"forecasts_shape_and_finite": {"passed": True, "severity": "ERROR"}})
