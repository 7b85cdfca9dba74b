"""The four baseline marketing strategies (no forecast). Sale shares are of current inventory."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from trading_platform.domain.inventory.book import BookState, MarketView
from trading_platform.domain.inventory.forecast_stats import ForecastStats
from trading_platform.domain.inventory.strategy_base import (
    Plan,
    StrategySpec,
    trailing_mean,
    trailing_mean_reference,
)


class ImmediateSale(StrategySpec):
    """Sell everything on hand at every close (filled at the next session): almost no storage
    cost, no price risk, no upside."""

    kind: Literal["immediate_sale"] = "immediate_sale"

    def plan(self, price: np.ndarray, stats: ForecastStats | None,
             storage_rate: float = 0.0) -> Plan:
        return Plan(share=np.ones(price.shape[0]), cadence=0)

    def decide(self, state: BookState, market: MarketView, forecast: np.ndarray | None) -> float:
        return 1.0


class EqualBatch(StrategySpec):
    """Sell ``batch_size`` of the inventory every ``frequency_days`` trading days, whatever the
    price: spreads the season's sales evenly and averages the price obtained."""

    kind: Literal["equal_batch"] = "equal_batch"
    batch_size: float = Field(default=0.25, gt=0, le=1)
    frequency_days: int = Field(default=30, ge=1)

    def plan(self, price: np.ndarray, stats: ForecastStats | None,
             storage_rate: float = 0.0) -> Plan:
        return Plan(share=np.full(price.shape[0], self.batch_size), cadence=self.frequency_days)

    def decide(self, state: BookState, market: MarketView, forecast: np.ndarray | None) -> float:
        return self.batch_size


class PriceThreshold(StrategySpec):
    """Sell ``batch_size`` when today's close is at least ``threshold_pct`` above its average
    over the last ``reference_days`` closes (today included), at most every ``cooldown_days``:
    sells into strength, holds when prices are ordinary."""

    kind: Literal["price_threshold"] = "price_threshold"
    threshold_pct: float = Field(default=0.05, ge=0, le=1)
    reference_days: int = Field(default=30, ge=2)
    batch_size: float = Field(default=0.25, gt=0, le=1)
    cooldown_days: int = Field(default=5, ge=0)

    def triggered(self, price: np.ndarray) -> np.ndarray:
        reference = trailing_mean(price, self.reference_days)
        return price >= (1.0 + self.threshold_pct) * reference  # NaN reference: False

    def plan(self, price: np.ndarray, stats: ForecastStats | None,
             storage_rate: float = 0.0) -> Plan:
        share = np.where(self.triggered(price), self.batch_size, 0.0)
        return Plan(share=share, cadence=self.cooldown_days)

    def triggered_today(self, market: MarketView) -> bool:
        reference = trailing_mean_reference(market.closes, self.reference_days)
        return bool(market.closes[-1] >= (1.0 + self.threshold_pct) * reference)

    def decide(self, state: BookState, market: MarketView, forecast: np.ndarray | None) -> float:
        return self.batch_size if self.triggered_today(market) else 0.0


class MovingAverage(StrategySpec):
    """Sell ``batch_size`` when today's close is below its ``ma_period``-day moving average
    (today included), at most every ``cooldown_days``: the uptrend has broken, sell before
    the price falls further; hold while the price trends above its average."""

    kind: Literal["moving_average"] = "moving_average"
    ma_period: int = Field(default=30, ge=2)
    batch_size: float = Field(default=0.25, gt=0, le=1)
    cooldown_days: int = Field(default=5, ge=0)

    def triggered(self, price: np.ndarray) -> np.ndarray:
        return price < trailing_mean(price, self.ma_period)

    def plan(self, price: np.ndarray, stats: ForecastStats | None,
             storage_rate: float = 0.0) -> Plan:
        share = np.where(self.triggered(price), self.batch_size, 0.0)
        return Plan(share=share, cadence=self.cooldown_days)

    def triggered_today(self, market: MarketView) -> bool:
        return bool(market.closes[-1] < trailing_mean_reference(market.closes, self.ma_period))

    def decide(self, state: BookState, market: MarketView, forecast: np.ndarray | None) -> float:
        return self.batch_size if self.triggered_today(market) else 0.0
