"""Parameter searches as YAML (``searches/<name>.yaml``) and the overfitting gate's thresholds.

A search names the strategy it tunes (``book``: a user strategy from ``user_strategies.yaml``,
a futures signal strategy from ``futures_strategies.yaml``, or an inventory strategy kind of the
producer's book on one ``model``'s out-of-sample forecasts), the space of its
parameters, the train/test split (dates, or a ratio: 75/25 by default), optional walk-forward
folds, the objective and a seed. A parameter's space is a list of values, a stepped range
(``low``, ``high``, ``step``: grid and random searches alike) or a distribution (``low``,
``high``, ``distribution``: random and TPE searches only).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from trading_platform.config.loading import load_yaml_config

Value = bool | int | float | str


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Stepped(_Frozen):
    """Every value from ``low`` to ``high`` (included) by ``step``."""

    low: float
    high: float
    step: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Stepped:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) is below low ({self.low})")
        return self


class Distribution(_Frozen):
    """A value drawn between ``low`` and ``high``: uniform, log-uniform or integer."""

    low: float
    high: float
    distribution: Literal["uniform", "log_uniform", "int"]

    @model_validator(mode="after")
    def _ordered(self) -> Distribution:
        if self.high <= self.low:
            raise ValueError(f"high ({self.high}) must be above low ({self.low})")
        if self.distribution == "log_uniform" and self.low <= 0:
            raise ValueError(f"a log-uniform range needs low > 0, got {self.low}")
        return self


class Split(_Frozen):
    """Train and test dates, or the share of the data's days used to train."""

    train_start: dt.date | None = None
    train_end: dt.date | None = None
    test_start: dt.date | None = None
    test_end: dt.date | None = None
    ratio: float = Field(default=0.75, gt=0, lt=1)

    @model_validator(mode="after")
    def _dates_in_order(self) -> Split:
        dates = [self.train_start, self.train_end, self.test_start, self.test_end]
        given = [d for d in dates if d is not None]
        if given and len(given) != 4:
            raise ValueError("give all four of train_start, train_end, test_start, test_end "
                             "(or none, for the ratio)")
        if given and not (dates[0] <= dates[1] < dates[2] <= dates[3]):  # type: ignore[operator]
            raise ValueError(f"dates must run train_start <= train_end < test_start <= "
                             f"test_end, got {' / '.join(str(d) for d in dates)}")
        return self


class Folds(_Frozen):
    """Walk-forward folds in trading days (``domain.research.folds``)."""

    train: int = Field(ge=20)
    test: int = Field(ge=5)
    step: int = Field(ge=1)
    purge: int = Field(default=0, ge=0)
    embargo: int = Field(default=0, ge=0)


class Search(_Frozen):
    """One parameter search."""

    strategy: str
    book: Literal["user", "futures", "inventory"] = "user"
    model: str = Field(default="", description="inventory: the model whose forecasts it reads")
    commodities: list[str] = Field(default_factory=list, description="empty: every one")
    space: dict[str, list[Value] | Stepped | Distribution] = Field(min_length=1)
    split: Split = Field(default_factory=Split)
    folds: Folds | None = None
    objective: Literal["sharpe", "sortino", "cagr", "calmar"] = "sharpe"
    seed: int = 0
    method: Literal["grid", "random", "tpe"] = "grid"
    trials: int = Field(default=50, ge=1, description="random and TPE searches: trials to run")
    prune: bool = Field(default=False, description="TPE: stop a trial whose partial book falls "
                        "below the median of earlier trials (a book of several commodities)")

    @model_validator(mode="after")
    def _values_listed(self) -> Search:
        empty = [name for name, values in self.space.items()
                 if isinstance(values, list) and not values]
        if empty:
            raise ValueError(f"space {empty} lists no values")
        if self.book == "inventory" and not self.model:
            raise ValueError("book inventory: name the model whose out-of-sample forecasts the "
                             "strategy reads (model: naive_rw, say)")
        if self.prune and self.method != "tpe":
            raise ValueError(f"prune: only a TPE search prunes trials (method {self.method!r})")
        return self


class GateConfig(_Frozen):
    """The overfitting gate's thresholds (``domain.research.gate``)."""

    max_gap: float = Field(default=1.0, ge=0)
    min_dsr: float = Field(default=0.95, gt=0, lt=1)
    max_pbo: float = Field(default=0.3, gt=0, lt=1)
    pbo_blocks: int = Field(default=16, ge=2)
    min_stability: float = Field(default=0.5, ge=0)
    min_fold_share: float = Field(default=0.6, gt=0, le=1)


def default_searches_dir() -> Path:
    """The configured searches the weekly research chain runs (one file per experiment)."""
    return Path(__file__).with_name("searches")


def load_search(path: Path | str) -> Search:
    """Load one search YAML; ValueError naming the file and the field on bad config."""
    return load_yaml_config(Search, Path(path), "search")


class ResearchConfig(_Frozen):
    """Research settings (``strategy_research.yaml``): the overfitting gate."""

    gate: GateConfig = Field(default_factory=GateConfig)


def default_research_path() -> Path:
    return Path(__file__).with_name("strategy_research.yaml")


def load_research_config(path: Path | str | None = None) -> ResearchConfig:
    """Load ``strategy_research.yaml``; ValueError naming the file and the field on bad config."""
    source = Path(path) if path else default_research_path()
    return load_yaml_config(ResearchConfig, source, "research")
