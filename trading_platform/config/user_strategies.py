"""User strategies (plain Python, one bar at a time) as versioned specs (``user_strategies.yaml``).

A spec names its ``code`` (a registered example, ``fusion`` or ``moving_average_cross``, or a
``package.module:Class`` path to a desk's own class), a ``version`` (bumped when the code's
meaning changes), its ``params`` and optionally a ``sweep``: values to try for some parameters,
each replayed with the others fixed. ``content_hash`` (code, version, params, canonical JSON)
is the spec's identity in lineage. Whether a parameter changes the screen is the strategy
class's to say (its ``screen_parameters``): a sweep over the others reuses one candidate set
(``domain.replay.specs``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from trading_platform.config.loading import load_yaml_config

Param = bool | int | float | str | list[float]


class UserStrategySpec(BaseModel):
    """One user strategy: its code, version, parameters and optional sweep."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(description="a registered example or 'package.module:Class'")
    version: int = Field(default=1, ge=1)
    params: dict[str, Param] = Field(default_factory=dict)
    sweep: dict[str, list[Param]] = Field(default_factory=dict)

    @field_validator("sweep")
    @classmethod
    def _sweeps_have_values(cls, sweep: dict[str, list[Param]]) -> dict[str, list[Param]]:
        empty = [name for name, values in sweep.items() if not values]
        if empty:
            raise ValueError(f"sweep {empty} lists no values")
        return sweep

    @property
    def content_hash(self) -> str:
        body = self.model_dump_json(include={"code", "version", "params"})
        return hashlib.sha256(body.encode()).hexdigest()[:16]


class UserStrategies(BaseModel):
    """Every user strategy, by name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    strategies: dict[str, UserStrategySpec]


def default_user_strategies_path() -> Path:
    return Path(__file__).with_name("user_strategies.yaml")


def load_user_strategies(path: Path | str | None = None) -> UserStrategies:
    """Load the YAML; raise ValueError naming the file and the field on bad config."""
    source = Path(path) if path else default_user_strategies_path()
    return load_yaml_config(UserStrategies, source, "user strategies")


class PromotedStrategy(BaseModel):
    """A strategy version written by ``experiments promote`` (``<data>/strategies/
    <name>_v<N>.yaml``): the spec it runs and the lineage that justifies it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    version: int = Field(ge=1)
    code: str
    params: dict[str, Param]
    parent: str
    parent_hash: str
    experiment: str
    commodities: list[str]
    data_range: dict[str, str]
    data_version: str
    code_version: str
    model: str = Field(default="", description="inventory book: the forecasts it was tuned on")
    metrics: dict[str, dict[str, float | None]]
    gate: list[dict[str, object]]
    gate_passed: bool
    override_reason: str | None = None
    expected_impact: str = ""
    promoted_on: str
    content_hash: str

    @property
    def spec(self) -> UserStrategySpec:
        """The spec the replay runs: the parent's code with the promoted parameters."""
        return UserStrategySpec(code=self.code, version=self.version, params=self.params)
