"""Validated domain configuration: the commodity universe (and later risk limits, strategies)."""

from trading_platform.config.universe import (
    CommoditySpec,
    HarvestSpec,
    SyntheticSpec,
    TradingCalendarSpec,
    Universe,
    UniverseConfigError,
    default_universe_path,
    load_universe,
)

__all__ = [
    "CommoditySpec",
    "HarvestSpec",
    "SyntheticSpec",
    "TradingCalendarSpec",
    "Universe",
    "UniverseConfigError",
    "default_universe_path",
    "load_universe",
]
