"""What every inventory strategy shares: the frozen, validated, content-hashed spec and its plan.

A strategy turns the market (and, for forecast-driven ones, ``ForecastStats``) into a ``Plan``
for the engine: the share of inventory it wants to sell each day, the minimum trading days
between its sales, and optionally the expected gain per unit of waiting (the Expected Value
rule). ``decide`` is its plain-Python twin for one day, used only by the reference engine.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit
from pydantic import BaseModel, ConfigDict

from trading_platform.domain.inventory.book import BookState, MarketView
from trading_platform.domain.inventory.forecast_stats import ForecastStats


@dataclass(frozen=True)
class Plan:
    """Engine inputs of one strategy: ``share`` (n,), ``cadence``, ``hold_gain`` (n,) or None,
    ``hold_threshold``, and ``tier`` (n,) int8 labels where a strategy has tiers (else None)."""

    share: np.ndarray
    cadence: int
    hold_gain: np.ndarray | None = None
    hold_threshold: float = float("inf")
    tier: np.ndarray | None = None


class StrategySpec(BaseModel, ABC):
    """A versioned, parameterised strategy; its content hash is its identity in lineage."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
    uses_forecast: bool = False
    # The key of the baseline this strategy is the A/B twin of (same rule, plus a forecast
    # overlay), or None; a class constant, so not part of the content hash.
    twin: ClassVar[str | None] = None

    @property
    def name(self) -> str:
        return type(self).__name__

    @property
    def content_hash(self) -> str:
        """sha256 (16 hex digits) of the class name and every parameter, canonical JSON."""
        text = f"{self.name}:{self.model_dump_json()}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @abstractmethod
    def plan(self, price: np.ndarray, stats: ForecastStats | None,
             storage_rate: float = 0.0) -> Plan:
        """The engine inputs over all days (vectorised)."""

    @abstractmethod
    def decide(self, state: BookState, market: MarketView, forecast: np.ndarray | None) -> float:
        """Today's share to sell, from the past and today only (the reference engine's twin)."""


@njit(cache=True)
def trailing_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Mean of ``values[t - window + 1 .. t]`` summed left to right; NaN before a full window."""
    out = np.full(values.shape[0], np.nan)
    for t in range(window - 1, values.shape[0]):
        total = 0.0
        for i in range(t - window + 1, t + 1):
            total += values[i]
        out[t] = total / window
    return out


def trailing_mean_reference(closes: np.ndarray, window: int) -> float:
    """Today's ``trailing_mean`` from the closes up to today (same summation order)."""
    if len(closes) < window:
        return float("nan")
    total = 0.0
    for value in closes[-window:]:
        total += float(value)
    return total / window


def share_above_reference(matrix: np.ndarray | None, close: float, horizon: int,
                          min_return: float) -> float:
    """One day's ``ForecastStats.share_above``; NaN without a usable matrix."""
    if matrix is None or not np.isfinite(matrix).all() or close <= 0:
        return float("nan")
    returns = np.asarray(matrix, dtype=np.float64)[:, horizon - 1] / close - 1.0
    return float((returns >= min_return).mean())
