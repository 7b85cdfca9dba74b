"""Live-trading risk limits: execution mode, validators, breakers, parity, monitoring; frozen.

Shares and losses are fractions (0.03 = 3 %). Losses are positive magnitudes: a breaker trips
when a return falls below ``-loss`` or the drawdown exceeds ``max_drawdown``. ``price_floors``
are in each commodity's own price units. Day counts are weekdays (``max_data_gap_weekdays``),
calendar days (``champion_max_age_days``) or trading days (``week_days``, ``parity.days``,
``monitoring.*``) as each field says. ``content_hash`` is the config's identity in lineage.
"""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from trading_platform.config.loading import load_yaml_config


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Execution(_Frozen):
    """``dry_run``: paper fills at the day's close; ``manual``: a person records the fills."""

    mode: Literal["dry_run", "manual"] = "dry_run"


class Limits(_Frozen):
    """The safety validators' thresholds for one day's recommendation."""

    max_daily_sale_share: float = Field(default=0.5, gt=0, le=1)
    price_floors: dict[str, float] = Field(default_factory=dict)
    max_data_gap_weekdays: int = Field(default=3, ge=1)
    champion_max_age_days: int = Field(default=30, ge=1)

    @field_validator("price_floors")
    @classmethod
    def _floors_positive(cls, floors: dict[str, float]) -> dict[str, float]:
        bad = {key: value for key, value in floors.items() if not value > 0}
        if bad:
            raise ValueError(f"every price floor must be > 0; got {bad}")
        return floors


class BreakerLimits(_Frozen):
    """Breaker limits on the book's time-weighted returns; see ``domain.trading.breakers``."""

    one_day_loss: float = Field(default=0.03, gt=0, lt=1)
    one_week_loss: float = Field(default=0.10, gt=0, lt=1)
    week_days: int = Field(default=5, ge=2)
    max_drawdown: float = Field(default=0.15, gt=0, lt=1)

    @model_validator(mode="after")
    def _week_at_least_day(self) -> BreakerLimits:
        # A week's allowed loss below one day's would let a single day's loss, tolerated by the
        # daily breaker, trip the weekly one: the weekly limit would silently be the tighter.
        if self.one_week_loss < self.one_day_loss:
            raise ValueError(
                f"one_week_loss {self.one_week_loss} is below one_day_loss {self.one_day_loss}: "
                "a week may lose at least as much as one day; raise one_week_loss"
            )
        return self


class ParitySettings(_Frozen):
    days: int = Field(default=20, ge=5)


class MonitoringSettings(_Frozen):
    """Forecast monitoring: rolling information coefficient and the drift alert on it."""

    horizon: int = Field(default=14, ge=1, le=14)
    ic_window: int = Field(default=60, ge=10)
    drift_ic_threshold: float = 0.0
    drift_window: int = Field(default=20, ge=1)
    drift_share: float = Field(default=0.6, gt=0, le=1)


class FuturesLimits(_Frozen):
    """The futures desk's validators, as shares of the book (``domain.desk.trading_book``)."""

    weight_tolerance: float = Field(default=0.01, gt=0, lt=1)
    max_position: float = Field(default=0.40, gt=0, le=1)
    min_position: float = Field(default=0.05, ge=0, lt=1)
    max_turnover: float = Field(default=0.30, gt=0)
    max_order: float = Field(default=0.10, gt=0, le=1)
    max_costs: float = Field(default=0.005, gt=0, lt=1)
    max_volume_share: float = Field(default=0.05, gt=0, le=1)
    missing_volume: Literal["refuse", "allow"] = "refuse"
    min_cash: float = Field(default=0.05, ge=0, lt=1)
    max_gross: float = Field(default=1.0, gt=0)
    max_margin: float = Field(default=0.5, gt=0, le=1)
    min_order: float = Field(default=0.001, ge=0, lt=1)

    @model_validator(mode="after")
    def _consistent(self) -> FuturesLimits:
        if self.min_position > self.max_position:
            raise ValueError(f"min_position {self.min_position} is above max_position "
                             f"{self.max_position}: no position could be held")
        if self.min_order > self.max_order:
            raise ValueError(f"min_order {self.min_order} is above max_order "
                             f"{self.max_order}: every order would be dropped or refused")
        return self


class FuturesBreakers(BreakerLimits):
    """The breakers on the futures paper book: the inventory book's three (a one-day loss of
    5 % here) plus a single position's loss and the value against the initial capital."""

    one_day_loss: float = Field(default=0.05, gt=0, lt=1)
    position_loss: float = Field(default=0.08, gt=0, lt=1)
    min_value: float = Field(default=0.80, gt=0, lt=1)


class KillSwitch(_Frozen):
    """The futures book's kill switch: one day's loss, or a poor rolling Sharpe."""

    day_loss: float = Field(default=0.03, gt=0, lt=1)
    sharpe_days: int = Field(default=30, ge=5)
    min_sharpe: float = 0.5


class GoNoGo(_Frozen):
    """The go/no-go decision on the paper period and the capital stages it moves through
    (``domain.desk.trading_book.go_no_go``); ``stages`` are shares of capital, from the
    shadow stage (0: paper only) to all of it."""

    paper_days: int = Field(default=20, ge=5)
    min_sharpe: float = 0.8
    max_drawdown: float = Field(default=0.15, gt=0, lt=1)
    max_slippage_multiple: float = Field(default=1.5, ge=1)
    stages: tuple[float, ...] = (0.0, 0.1, 0.5, 1.0)

    @field_validator("stages")
    @classmethod
    def _ladder(cls, stages: tuple[float, ...]) -> tuple[float, ...]:
        rising = all(b > a for a, b in itertools.pairwise(stages))
        if len(stages) < 2 or stages[0] != 0.0 or stages[-1] != 1.0 or not rising:
            raise ValueError(f"stages {list(stages)} must rise strictly from 0 (shadow) to 1 "
                             "(all of the capital)")
        return stages


class FuturesRisk(_Frozen):
    """The futures desk: validators, breakers, kill switch, what a halt allows, and the
    go/no-go that stages capital in."""

    limits: FuturesLimits = FuturesLimits()
    breakers: FuturesBreakers = FuturesBreakers()
    kill_switch: KillSwitch = KillSwitch()
    on_halt: Literal["freeze", "flatten_only"] = "freeze"
    go_no_go: GoNoGo = GoNoGo()


class RiskLimits(_Frozen):
    execution: Execution = Execution()
    limits: Limits = Limits()
    breakers: BreakerLimits = BreakerLimits()
    parity: ParitySettings = ParitySettings()
    monitoring: MonitoringSettings = MonitoringSettings()
    futures: FuturesRisk = FuturesRisk()

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


def default_risk_limits_path() -> Path:
    return Path(__file__).with_name("risk_limits.yaml")


def load_risk_limits(path: Path | str | None = None) -> RiskLimits:
    """Load the YAML; raise ValueError naming the file and the field on bad config."""
    source = Path(path) if path else default_risk_limits_path()
    return load_yaml_config(RiskLimits, source, "risk_limits")
