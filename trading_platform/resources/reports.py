"""Where report files (charts, CSVs, report packs) are written: one folder under the data dir.

Writes are atomic (temporary file, then rename), so a reader never sees half a chart and a
rerun replaces the previous file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import dagster as dg


class ReportFolder(dg.ConfigurableResource):
    """Report files addressed by a path relative to ``root`` (``<data>/reports``)."""

    root: str

    def write(self, relative: str, content: bytes | str) -> Path:
        """Write ``content`` to ``root/relative`` atomically; returns the file's path."""
        target = Path(self.root) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(name, target)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return target
