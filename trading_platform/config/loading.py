"""Load a YAML file into a frozen pydantic config, with one error form for every config."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Config = TypeVar("Config", bound=BaseModel)


def load_yaml_config(model: type[Config], source: Path, label: str) -> Config:
    """Validate ``source`` as ``model``; ValueError ``"<label> config <file>: <what>"``."""
    try:
        return model.model_validate(yaml.safe_load(source.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ValueError(f"{label} config {source}: {exc}") from exc
