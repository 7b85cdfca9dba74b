"""Where report files (charts, CSVs, report packs) are written: one folder under the data dir.

Writes are atomic (``domain.atomic_files``), so a reader never sees half a chart and a rerun
replaces the previous file.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from trading_platform.resources.atomic_files import write_atomically


class ReportFolder(dg.ConfigurableResource):
    """Report files addressed by a path relative to ``root`` (``<data>/reports``)."""

    root: str

    def write(self, relative: str, content: bytes | str) -> Path:
        """Write ``content`` to ``root/relative`` atomically; returns the file's path."""
        target = Path(self.root) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        return write_atomically(target, content.encode() if isinstance(content, str) else content)
