"""The futures book's signal strategies as versioned specs (``futures_strategies.yaml``).

Each spec has a ``kind`` (which signal), a ``version`` (bumped when the meaning of a parameter
changes) and typed parameters; ``content_hash`` (kind, version and every parameter, canonical
JSON) is its identity in lineage. Parameters are checked when the file loads, so a spec that
cannot run (a fast average slower than the slow one) never reaches a backtest.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from trading_platform.config.loading import load_yaml_config


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = Field(default=1, ge=1)
    long_short: bool = Field(default=True, description="False: long or flat, never short")

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


class MovingAverageCross(_Spec):
    """Long while the ``fast`` simple mean of closes is above the ``slow`` one."""

    kind: Literal["moving_average_cross"]
    fast: int = Field(default=50, ge=1)
    slow: int = Field(default=200, ge=2)

    @model_validator(mode="after")
    def _fast_below_slow(self) -> MovingAverageCross:
        if self.fast >= self.slow:
            raise ValueError(f"fast ({self.fast}) must be below slow ({self.slow})")
        return self


class DonchianBreakout(_Spec):
    """Breakout of the ``entry``-bar channel, exit at the ``exit``-bar channel, only while
    ATR / close >= ``min_atr_pct``; the position engine stops it ``stop_atr`` ATRs away."""

    kind: Literal["donchian_breakout"]
    entry: int = Field(default=55, ge=2)
    exit: int = Field(default=20, ge=1)
    atr_window: int = Field(default=20, ge=2)
    min_atr_pct: float = Field(default=0.005, ge=0, lt=1)
    stop_atr: float = Field(default=2.0, ge=0)

    @model_validator(mode="after")
    def _exit_within_entry(self) -> DonchianBreakout:
        if self.exit > self.entry:
            raise ValueError(f"exit ({self.exit}) must not exceed entry ({self.entry})")
        return self


class ForecastStrength(_Spec):
    """The sign and strength of a model's expected 14-day return against its spread."""

    kind: Literal["forecast_strength"]
    threshold: float = Field(default=0.5, ge=0)
    full_at: float = Field(default=2.0, gt=0)

    @model_validator(mode="after")
    def _threshold_within_full(self) -> ForecastStrength:
        if self.threshold > self.full_at:
            raise ValueError(f"threshold ({self.threshold}) must not exceed full_at "
                             f"({self.full_at})")
        return self


SignalSpec = Annotated[MovingAverageCross | DonchianBreakout | ForecastStrength,
                       Field(discriminator="kind")]


class FuturesStrategies(BaseModel):
    """Every signal strategy of the futures book, by name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    strategies: dict[str, SignalSpec]

    @property
    def technical(self) -> list[str]:
        """Names of the strategies that read no forecast (run once per commodity)."""
        return [name for name, spec in self.strategies.items()
                if not isinstance(spec, ForecastStrength)]


def default_futures_strategies_path() -> Path:
    return Path(__file__).with_name("futures_strategies.yaml")


def load_futures_strategies(path: Path | str | None = None) -> FuturesStrategies:
    """Load the YAML; raise ValueError naming the file and the field on bad config."""
    source = Path(path) if path else default_futures_strategies_path()
    return load_yaml_config(FuturesStrategies, source, "futures strategies")
