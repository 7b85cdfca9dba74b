"""The futures book's research settings (``futures_book.yaml``), frozen and validated.

``engine`` sizes and stops positions (``domain.futures.engine.EngineConfig``), ``costs`` charge
every contract traded, ``portfolio`` lists the optimisers of the model x optimiser matrix with
their trailing window, rebalance interval and per-position weight bounds, and ``selection``
sets the trading-book champion's holdout and confirmation rule. ``content_hash`` is the
config's identity in lineage.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from trading_platform.config.loading import load_yaml_config

Optimiser = Literal["equal_weight", "inverse_volatility", "minimum_variance", "maximum_sharpe",
                    "hierarchical_risk_parity"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EngineSettings(_Frozen):
    capital: float = Field(default=10_000_000, gt=0)
    vol_target: float = Field(default=0.10, gt=0, le=1)
    stop_atr: float = Field(default=3.0, ge=0)
    max_margin: float = Field(default=0.5, gt=0, le=1)
    use_open: bool = False
    band: float = Field(default=0.25, ge=0, lt=1)


class CostSettings(_Frozen):
    commission: float = Field(default=2.5, ge=0)
    slippage_ticks: float = Field(default=1.0, ge=0)


class PortfolioSettings(_Frozen):
    optimisers: tuple[Optimiser, ...] = ("equal_weight", "inverse_volatility",
                                         "minimum_variance", "maximum_sharpe",
                                         "hierarchical_risk_parity")
    window: int = Field(default=120, ge=20)
    rebalance_every: int = Field(default=21, ge=1)
    lower_bound: float = Field(default=0.05, ge=-1, le=1)
    upper_bound: float = Field(default=0.40, gt=0, le=1)

    @model_validator(mode="after")
    def _bounds_ordered(self) -> PortfolioSettings:
        if self.lower_bound >= self.upper_bound:
            raise ValueError(f"lower_bound ({self.lower_bound}) must be below upper_bound "
                             f"({self.upper_bound})")
        if len(set(self.optimisers)) != len(self.optimisers) or not self.optimisers:
            raise ValueError(f"optimisers must be distinct and not empty: {self.optimisers}")
        return self


class BookSelection(_Frozen):
    holdout_fraction: float = Field(default=0.20, ge=0.05, lt=0.5)
    min_dsr: float = Field(default=0.95, ge=0, le=1)
    min_holdout_sharpe: float = 0.0


class FuturesBookConfig(_Frozen):
    engine: EngineSettings = EngineSettings()
    costs: CostSettings = CostSettings()
    portfolio: PortfolioSettings = PortfolioSettings()
    selection: BookSelection = BookSelection()

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


def load_futures_book(path: Path | str | None = None) -> FuturesBookConfig:
    """Load the YAML; raise ValueError naming the file and the field on bad config."""
    source = Path(path) if path else Path(__file__).with_name("futures_book.yaml")
    return load_yaml_config(FuturesBookConfig, source, "futures book")
