"""Atomic file writes: write a temporary file next to the target, sync it, then rename it over
the target (``os.replace`` is atomic on POSIX), so a reader sees the old file or the new one,
never half of one, and a write killed midway leaves the old file intact."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO


def stage_file(target: Path, write: Callable[[IO[bytes]], None]) -> Path:
    """Write via ``write`` into a temp file next to ``target``; return the synced temp path
    (the caller renames it into place, possibly together with other staged files)."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_atomically(target: Path, content: bytes) -> Path:
    """Replace ``target`` with ``content`` atomically; returns ``target``."""
    os.replace(stage_file(target, lambda handle: handle.write(content)), target)
    return target
