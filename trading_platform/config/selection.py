"""Champion-selection config: score weights, pass thresholds, the holdout and the confirmation
rule, frozen and validated.

``weights`` apply to min-max normalised metrics (see ``domain.selection.scoring``) and must sum
to 1 (within 1e-9); every weight is >= 0. Thresholds are absolute: Sharpe at least
``min_sharpe``, max drawdown at least ``min_max_drawdown`` (a fraction, -0.20 = 20 % below the
peak), Calmar at least ``min_calmar``, turnover at most ``max_turnover``. ``holdout_fraction``
is the share of the shared backtest dates kept back as the holdout (see
``domain.selection.windows``). ``confirmation``: a selected champion is confirmed only when its
Deflated Sharpe Ratio is at least ``min_dsr``, its holdout Sharpe is above
``min_holdout_sharpe`` and (``beat_baseline_on_holdout``) its holdout value added beats every
baseline strategy's. ``bootstrap`` sets the holdout Sharpe interval. ``content_hash`` is the
config's identity in lineage.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from trading_platform.config.loading import load_yaml_config


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScoreWeights(_Frozen):
    sharpe: float = Field(default=0.30, ge=0, le=1)
    max_drawdown: float = Field(default=0.25, ge=0, le=1)
    calmar: float = Field(default=0.20, ge=0, le=1)
    turnover: float = Field(default=0.15, ge=0, le=1)
    regime_consistency: float = Field(default=0.10, ge=0, le=1)

    @model_validator(mode="after")
    def _sum_to_one(self) -> ScoreWeights:
        total = sum(self.model_dump().values())
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"weights must sum to 1, they sum to {total:.6g}")
        return self


class Thresholds(_Frozen):
    min_sharpe: float = 1.0
    min_max_drawdown: float = Field(default=-0.20, le=0, ge=-1)
    min_calmar: float = 0.5
    max_turnover: float = Field(default=0.40, gt=0, le=1)


class Confirmation(_Frozen):
    min_dsr: float = Field(default=0.95, ge=0, le=1)
    min_holdout_sharpe: float = 0.0
    beat_baseline_on_holdout: bool = True


class Bootstrap(_Frozen):
    block_days: int = Field(default=20, ge=1)
    resamples: int = Field(default=1000, ge=100)
    level: float = Field(default=0.90, gt=0, lt=1)
    seed: int = 0


class SelectionConfig(_Frozen):
    weights: ScoreWeights = ScoreWeights()
    thresholds: Thresholds = Thresholds()
    holdout_fraction: float = Field(default=0.20, ge=0, le=0.5)
    confirmation: Confirmation = Confirmation()
    bootstrap: Bootstrap = Bootstrap()

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


def default_selection_path() -> Path:
    return Path(__file__).with_name("selection.yaml")


def load_selection(path: Path | str | None = None) -> SelectionConfig:
    """Load the YAML; raise ValueError naming the file and the field on bad config."""
    source = Path(path) if path else default_selection_path()
    return load_yaml_config(SelectionConfig, source, "selection")
