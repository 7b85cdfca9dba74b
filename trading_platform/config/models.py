"""The model zoo config: which forecasting models exist, validated at load."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from trading_platform.config.loading import load_yaml_config

ModelKind = Literal["random_walk", "xgboost", "xgboost_optuna", "lightgbm", "random_forest",
                    "ensemble", "synthetic"]
# How complex a kind is: equal selection scores go to the simpler model (random walk < single
# trees < ensembles); synthetic instruments never compete.
COMPLEXITY = {"random_walk": 0, "xgboost": 1, "xgboost_optuna": 1, "lightgbm": 1,
              "random_forest": 1, "ensemble": 2, "synthetic": 9}


class ModelSpec(BaseModel):
    """One model of the zoo: its kind, parameters, and whether it is a synthetic instrument."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ModelKind
    synthetic: bool = False
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _synthetic_flag_matches_kind(self) -> ModelSpec:
        if (self.kind == "synthetic") != self.synthetic:
            raise ValueError("synthetic: true is required for, and only for, kind synthetic")
        if self.kind == "synthetic" and not 0.5 < float(self.params.get("accuracy", 0)) < 1:
            raise ValueError("synthetic models need params.accuracy in (0.5, 1)")
        return self


class ModelZoo(BaseModel):
    """All models, by partition key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    models: dict[str, ModelSpec]

    @model_validator(mode="after")
    def _ensemble_members_exist(self) -> ModelZoo:
        for key, spec in self.models.items():
            for member in spec.params.get("members", []):
                if member not in self.models or self.models[member].synthetic:
                    raise ValueError(f"models.{key}.params.members: {member!r} is not a real model")
        return self

    @property
    def keys(self) -> list[str]:
        return sorted(self.models)

    def complexity(self) -> dict[str, int]:
        """Model key -> complexity rank of its kind (``COMPLEXITY``)."""
        return {key: COMPLEXITY[spec.kind] for key, spec in self.models.items()}

    def eligible_for_champion(self) -> list[str]:
        return [key for key in self.keys if not self.models[key].synthetic]

    def spec_hash(self, key: str) -> str:
        """The identity of ``key``'s definition: its spec and, for an ensemble, its members'."""
        spec = self.models[key]
        parts = [spec.model_dump(mode="json")] + [
            self.models[m].model_dump(mode="json") for m in spec.params.get("members", [])]
        text = json.dumps(parts, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def default_model_zoo_path() -> Path:
    return Path(__file__).with_name("models.yaml")


def load_model_zoo(path: Path | str | None = None) -> ModelZoo:
    """Load the zoo YAML; raise ValueError naming the file and field on bad config."""
    source = Path(path) if path else default_model_zoo_path()
    return load_yaml_config(ModelZoo, source, "model zoo")
