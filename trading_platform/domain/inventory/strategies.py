"""The nine marketing strategies with their reference parameters (DESIGN.md), by key."""

from __future__ import annotations

from trading_platform.domain.inventory.strategies_baseline import (
    EqualBatch,
    ImmediateSale,
    MovingAverage,
    PriceThreshold,
)
from trading_platform.domain.inventory.strategies_forecast import (
    Consensus,
    ExpectedValue,
    MovingAverageForecast,
    PriceThresholdForecast,
    RiskAdjusted,
)
from trading_platform.domain.inventory.strategy_base import StrategySpec


def default_strategies() -> dict[str, StrategySpec]:
    """Baselines first, then the forecast-driven strategies; keys are the specs' ``kind``."""
    specs: list[StrategySpec] = [
        ImmediateSale(), EqualBatch(), PriceThreshold(), MovingAverage(), Consensus(),
        ExpectedValue(), RiskAdjusted(), PriceThresholdForecast(), MovingAverageForecast(),
    ]
    return {spec.kind: spec for spec in specs}
