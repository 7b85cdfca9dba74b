"""Promoted strategy versions on disk: ``<data>/strategies/<name>_v<N>.yaml`` and the running
``STRATEGY_LOG.md`` beside them, each written atomically (a failed write leaves the old file)."""

from __future__ import annotations

from pathlib import Path

import yaml

from trading_platform.config.loading import load_yaml_config
from trading_platform.config.user_strategies import PromotedStrategy
from trading_platform.domain.research.promotion import fill_actual_impact
from trading_platform.resources.atomic_files import write_atomically

LOG_NAME = "STRATEGY_LOG.md"
LOG_TITLE = "# Strategy log\n\nEvery promotion, newest last (`experiments promote`).\n\n"


class StrategyFolder:
    """The folder of promoted versions and their log."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def files(self) -> list[str]:
        """The promoted versions' file names."""
        return sorted(p.name for p in self.root.glob("*.yaml")) if self.root.exists() else []

    def path(self, name: str, version: int) -> Path:
        return self.root / f"{name}_v{version}.yaml"

    def write(self, promoted: PromotedStrategy, log_entry: str) -> Path:
        """The version's YAML, then the log entry appended; refuses to overwrite a version."""
        target = self.path(promoted.name, promoted.version)
        if target.exists():
            raise FileExistsError(f"{target} exists: a promoted version is never rewritten")
        self.root.mkdir(parents=True, exist_ok=True)
        body = yaml.safe_dump(promoted.model_dump(), sort_keys=False, allow_unicode=True)
        write_atomically(target, body.encode())
        log = self.root / LOG_NAME
        before = log.read_text(encoding="utf-8") if log.exists() else LOG_TITLE
        write_atomically(log, (before + log_entry + "\n").encode())
        return target

    def write_text(self, name: str, text: str) -> Path:
        """A file beside the versions (the comparison with the parent)."""
        self.root.mkdir(parents=True, exist_ok=True)
        return write_atomically(self.root / name, text.encode())

    def promoted(self) -> list[PromotedStrategy]:
        """Every promoted version on file."""
        return [self.load(self.root / name) for name in self.files()]

    def fill_impact(self, content_hash: str, line: str) -> bool:
        """Fill the pending actual-impact line of the version ``content_hash`` in the log;
        False when there was none to fill."""
        log = self.root / LOG_NAME
        if not log.exists():
            return False
        filled = fill_actual_impact(log.read_text(encoding="utf-8"), content_hash, line)
        if filled is None:
            return False
        write_atomically(log, filled.encode())
        return True

    def load(self, path: Path) -> PromotedStrategy:
        return load_yaml_config(PromotedStrategy, path, "promoted strategy")
