"""The five forecast-driven marketing strategies. They read ``ForecastStats`` of the prediction
matrices; on a day without a usable matrix each falls back to the rule stated in its docstring.
Returns are simple returns of a path's price at ``evaluation_day`` against today's close.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from trading_platform.domain.forecasting.protocol import HORIZONS
from trading_platform.domain.inventory.book import BookState, MarketView
from trading_platform.domain.inventory.forecast_stats import (
    BAND_QUANTILES,
    ForecastStats,
    mean_path_return_reference,
)
from trading_platform.domain.inventory.strategies_baseline import MovingAverage, PriceThreshold
from trading_platform.domain.inventory.strategy_base import (
    Plan,
    StrategySpec,
    share_above_reference,
)

TIER_LOW, TIER_MEDIUM, TIER_HIGH = 0, 1, 2


def _require(stats: ForecastStats | None, name: str) -> ForecastStats:
    if stats is None:
        raise ValueError(f"{name} is forecast-driven: pass the ForecastStats of a model")
    return stats


def _day_returns(matrix: np.ndarray | None, close: float, horizon: int) -> np.ndarray | None:
    if matrix is None or not np.isfinite(matrix).all() or close <= 0:
        return None
    return np.asarray(matrix, dtype=np.float64)[:, horizon - 1] / close - 1.0


class Consensus(StrategySpec):
    """Hold while at least ``consensus_threshold`` of the paths end ``evaluation_day`` days out
    at least ``min_return`` above today's close (the forecast agrees a rise is coming);
    otherwise sell ``batch_size`` every ``frequency_days``. Without a forecast: sell."""

    kind: Literal["consensus"] = "consensus"
    uses_forecast: bool = True
    consensus_threshold: float = Field(default=0.70, gt=0, le=1)
    min_return: float = Field(default=0.03, ge=0, lt=1)
    evaluation_day: int = Field(default=14, ge=1, le=HORIZONS)
    batch_size: float = Field(default=0.25, gt=0, le=1)
    frequency_days: int = Field(default=10, ge=0)

    def plan(self, price: np.ndarray, stats: ForecastStats | None,
             storage_rate: float = 0.0) -> Plan:
        bullish = _require(stats, self.name).share_above(self.evaluation_day, self.min_return)
        share = np.where(bullish >= self.consensus_threshold, 0.0, self.batch_size)
        return Plan(share=share, cadence=self.frequency_days)

    def decide(self, state: BookState, market: MarketView, forecast: np.ndarray | None) -> float:
        bullish = share_above_reference(forecast, float(market.closes[-1]), self.evaluation_day,
                                        self.min_return)
        return 0.0 if bullish >= self.consensus_threshold else self.batch_size


class ExpectedValue(StrategySpec):
    """Sell ``baseline_batch`` every ``baseline_frequency`` days unless waiting is expected to
    pay: for the best horizon h, ``inventory x close x (mean path return at h - storage cost per
    day x h)`` must exceed ``min_ev_improvement`` (in the commodity's price units x volume) for
    the sale to be skipped. Without a forecast: sell on schedule."""

    kind: Literal["expected_value"] = "expected_value"
    uses_forecast: bool = True
    min_ev_improvement: float = Field(default=50.0, ge=0)
    baseline_batch: float = Field(default=0.15, gt=0, le=1)
    baseline_frequency: int = Field(default=10, ge=0)

    def plan(self, price: np.ndarray, stats: ForecastStats | None,
             storage_rate: float = 0.0) -> Plan:
        stats = _require(stats, self.name)
        gains = np.stack([stats.mean_return(h) - storage_rate * h
                          for h in range(1, HORIZONS + 1)], axis=1)
        best = np.where(stats.available, price * gains.max(axis=1), -np.inf)
        return Plan(share=np.full(price.shape[0], self.baseline_batch),
                    cadence=self.baseline_frequency, hold_gain=best,
                    hold_threshold=self.min_ev_improvement)

    def decide(self, state: BookState, market: MarketView, forecast: np.ndarray | None) -> float:
        close = float(market.closes[-1])
        if _day_returns(forecast, close, 1) is None:
            return self.baseline_batch
        best = max(mean_path_return_reference(forecast, close, h) - market.storage_rate * h
                   for h in range(1, HORIZONS + 1))
        waiting_pays = state.inventory * (close * best) > self.min_ev_improvement
        return 0.0 if waiting_pays else self.baseline_batch


class RiskAdjusted(StrategySpec):
    """Three confidence tiers from the paths at ``evaluation_day``: HIGH (median return >=
    ``min_return``, 80 % band width / median <= ``max_uncertainty`` and at least
    ``consensus_threshold`` of paths above today) holds; MEDIUM (median return >= 0 and at
    least half the paths above today) sells ``medium_batch``; LOW sells ``low_batch``; at most
    every ``frequency_days``. Without a forecast: LOW."""

    kind: Literal["risk_adjusted"] = "risk_adjusted"
    uses_forecast: bool = True
    min_return: float = Field(default=0.03, ge=0, lt=1)
    max_uncertainty: float = Field(default=0.35, gt=0)
    consensus_threshold: float = Field(default=0.60, gt=0, le=1)
    evaluation_day: int = Field(default=14, ge=1, le=HORIZONS)
    medium_batch: float = Field(default=0.10, gt=0, le=1)
    low_batch: float = Field(default=0.25, gt=0, le=1)
    frequency_days: int = Field(default=5, ge=0)

    def _tier(self, median: float, uncertainty: float, above: float) -> int:
        if median >= self.min_return and uncertainty <= self.max_uncertainty and (
                above >= self.consensus_threshold):
            return TIER_HIGH
        return TIER_MEDIUM if median >= 0 and above >= 0.5 else TIER_LOW

    def plan(self, price: np.ndarray, stats: ForecastStats | None,
             storage_rate: float = 0.0) -> Plan:
        stats = _require(stats, self.name)
        h = self.evaluation_day
        median, width, above = stats.median_return(h), stats.uncertainty(h), stats.share_above(
            h, 0.0)
        high = (median >= self.min_return) & (width <= self.max_uncertainty) & (
            above >= self.consensus_threshold)
        medium = ~high & (median >= 0) & (above >= 0.5)
        tier = np.where(high, TIER_HIGH, np.where(medium, TIER_MEDIUM, TIER_LOW)).astype(np.int8)
        share = np.select([high, medium], [0.0, self.medium_batch], self.low_batch)
        return Plan(share=share, cadence=self.frequency_days, tier=tier)

    def decide(self, state: BookState, market: MarketView, forecast: np.ndarray | None) -> float:
        returns = _day_returns(forecast, float(market.closes[-1]), self.evaluation_day)
        if returns is None:
            return self.low_batch
        q10, q50, q90 = np.quantile(returns, BAND_QUANTILES)
        tier = self._tier(float(q50), float((q90 - q10) / (1.0 + q50)),
                          float((returns >= 0.0).mean()))
        return {TIER_HIGH: 0.0, TIER_MEDIUM: self.medium_batch, TIER_LOW: self.low_batch}[tier]


class _ForecastOverlay(StrategySpec):
    """The A/B twins' rule: the baseline's sale, skipped while the forecast is bullish.

    Mixed in before a baseline that provides ``triggered``, ``triggered_today``,
    ``batch_size`` and ``cooldown_days``.
    """

    uses_forecast: bool = True
    consensus_threshold: float = Field(default=0.70, gt=0, le=1)
    min_return: float = Field(default=0.03, ge=0, lt=1)
    evaluation_day: int = Field(default=14, ge=1, le=HORIZONS)

    def plan(self, price: np.ndarray, stats: ForecastStats | None,
             storage_rate: float = 0.0) -> Plan:
        share = _require(stats, self.name).share_above(self.evaluation_day, self.min_return)
        bullish = share >= self.consensus_threshold  # NaN (no forecast): not bullish
        sell = self.triggered(price) & ~bullish
        return Plan(share=np.where(sell, self.batch_size, 0.0), cadence=self.cooldown_days)

    def decide(self, state: BookState, market: MarketView, forecast: np.ndarray | None) -> float:
        share = share_above_reference(forecast, float(market.closes[-1]), self.evaluation_day,
                                      self.min_return)
        sell = self.triggered_today(market) and not share >= self.consensus_threshold
        return self.batch_size if sell else 0.0


class PriceThresholdForecast(_ForecastOverlay, PriceThreshold):
    """Price Threshold, except that a triggered sale is skipped while at least
    ``consensus_threshold`` of the paths end ``evaluation_day`` days out ``min_return`` above
    today. Everything else is identical, so its difference to Price Threshold is the value of
    the forecast. Without a forecast: exactly Price Threshold."""

    kind: Literal["price_threshold_forecast"] = "price_threshold_forecast"  # type: ignore[assignment]
    twin: ClassVar[str | None] = "price_threshold"


class MovingAverageForecast(_ForecastOverlay, MovingAverage):
    """Moving Average, except that a triggered sale is skipped while at least
    ``consensus_threshold`` of the paths end ``evaluation_day`` days out ``min_return`` above
    today (the dip is expected to recover). Without a forecast: exactly Moving Average."""

    kind: Literal["moving_average_forecast"] = "moving_average_forecast"  # type: ignore[assignment]
    twin: ClassVar[str | None] = "moving_average"
