"""The data directory's declared mode: ``synthetic`` (the demo) or ``vendor`` (real files).

The declaration is a small YAML file in the data directory, ``data_mode.yaml``, so an operator
can read it (``cat data/data_mode.yaml``) and a copied directory carries it along:

    mode: vendor
    declared_at: '2026-12-03T07:10:00+00:00'
    declared_by: ingest

A directory without the file is undeclared: the first run that writes market data declares it
(the generator: synthetic; a vendor file: vendor). ``market mode`` changes it explicitly.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from trading_platform.domain.market.schema import ORIGINS

MODE_FILE = "data_mode.yaml"


class DataModeError(ValueError):
    """A mode file that cannot be used, or an unknown mode."""


def read_mode(data_dir: Path) -> str | None:
    """The declared mode of ``data_dir``, or None when undeclared."""
    path = data_dir / MODE_FILE
    if not path.exists():
        return None
    try:
        mode = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("mode")
    except (yaml.YAMLError, AttributeError) as error:
        raise DataModeError(f"{path}: not a mode declaration ({error})") from error
    if mode not in ORIGINS:
        raise DataModeError(f"{path}: mode {mode!r} is not one of {', '.join(ORIGINS)}")
    return mode


def declare_mode(data_dir: Path, mode: str, by: str) -> None:
    """Write the declaration (atomically: a temporary file renamed over the old one)."""
    if mode not in ORIGINS:
        raise DataModeError(f"mode {mode!r} is not one of {', '.join(ORIGINS)}")
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / MODE_FILE
    text = yaml.safe_dump({"mode": mode, "declared_at": dt.datetime.now(dt.UTC).isoformat(
        timespec="seconds"), "declared_by": by}, sort_keys=False)
    temporary = path.with_name(f".{MODE_FILE}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
