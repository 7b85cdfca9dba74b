"""The universe the definitions are built from (partitions need it at load time)."""

from __future__ import annotations

from trading_platform.config import load_universe
from trading_platform.defs.partitions import build_market_partitions
from trading_platform.settings import universe_path

UNIVERSE = load_universe(universe_path())
MARKET_PARTITIONS = build_market_partitions(UNIVERSE)
