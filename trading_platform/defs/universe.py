"""The universe and model zoo the definitions are built from (partitions need them at load)."""

from __future__ import annotations

import dagster as dg

from trading_platform.config import load_universe
from trading_platform.config.futures_book import load_futures_book
from trading_platform.config.futures_strategies import load_futures_strategies
from trading_platform.config.models import load_model_zoo
from trading_platform.config.user_strategies import load_user_strategies
from trading_platform.defs.partitions import build_market_partitions
from trading_platform.settings import futures_book_path, universe_path

UNIVERSE = load_universe(universe_path())
MARKET_PARTITIONS = build_market_partitions(UNIVERSE)
ZOO = load_model_zoo()
# Keys read "<commodity>|<model>" (dimension names sorted), e.g. "coffee|xgboost".
FORECAST_PARTITIONS = dg.MultiPartitionsDefinition({
    "commodity": dg.StaticPartitionsDefinition(UNIVERSE.commodity_keys),
    "model": dg.StaticPartitionsDefinition(ZOO.keys),
})
# The inventory book needs a harvest, so its backtests cover the harvested commodities only
# (crude has none); keys read like the forecasts' ("coffee|xgboost").
BACKTEST_PARTITIONS = dg.MultiPartitionsDefinition({
    "commodity": dg.StaticPartitionsDefinition(UNIVERSE.harvested_keys),
    "model": dg.StaticPartitionsDefinition(ZOO.keys),
})
# Champion selection is per harvested commodity (the inventory book's), keys "coffee".
HARVESTED_PARTITIONS = dg.StaticPartitionsDefinition(UNIVERSE.harvested_keys)
# Trade recommendations: harvested commodity x trading day, keys "coffee|2026-11-20".
TRADING_PARTITIONS = dg.MultiPartitionsDefinition({
    "commodity": HARVESTED_PARTITIONS,
    "date": MARKET_PARTITIONS.get_partitions_def_for_dimension("date"),
})
# The futures book trades every commodity with a contract spec (crude included), keys "crude".
FUTURES_PARTITIONS = dg.StaticPartitionsDefinition(
    [key for key in UNIVERSE.commodity_keys if UNIVERSE.commodities[key].futures is not None])
FUTURES_BOOK = load_futures_book(futures_book_path())
FUTURES_STRATEGIES = load_futures_strategies()
USER_STRATEGIES = load_user_strategies()
REPORT_PARTITIONS = MARKET_PARTITIONS.get_partitions_def_for_dimension("date")
