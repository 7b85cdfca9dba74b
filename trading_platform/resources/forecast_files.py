"""A compact on-disk store of prediction matrices: one directory per (commodity, model).

Layout of a store directory:
- ``paths.npy``: ``(n_days, n_paths, HORIZONS)`` float32 closes, row ``i`` is the i-th date;
- ``index.parquet``: ``date, row, fit_start, fit_end`` (the fit window of the model behind a row);
- ``meta.json``: shape, dtype and format version, plus the caller's metadata under ``"metadata"``;
- ``checks.json`` (written after the checks ran on the store): each check's verdict, so a reader
  (the backtester) can refuse matrices whose blocking checks failed. Replaced on every write.

The arrays and their view are domain types (``domain.forecasting.matrices``).

Writes go to temporary files in the same directory and are moved into place with ``os.replace``
(atomic on POSIX), so a write killed while writing leaves the previous version intact and
readable. The three renames are not one atomic step; ``open_matrices`` checks that the files agree
and says so if a crash fell between two renames. Reads memory-map ``paths.npy``: nothing is loaded
until a slice is touched.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import polars as pl

from trading_platform.domain.forecasting.matrices import DateLike, MatrixStore
from trading_platform.domain.forecasting.protocol import HORIZONS
from trading_platform.resources.atomic_files import stage_file, write_atomically

PATHS_FILE = "paths.npy"
CHECKS_FILE = "checks.json"
INDEX_FILE = "index.parquet"
META_FILE = "meta.json"
FORMAT_VERSION = 1


def _to_days(values: Sequence[DateLike] | np.ndarray | DateLike, n: int, name: str) -> np.ndarray:
    days = np.asarray(values, dtype="datetime64[D]")
    if days.ndim == 0:
        days = np.full(n, days)
    if days.shape != (n,) or np.isnat(days).any():
        raise ValueError(f"{name} must be one date or {n} dates without gaps, got {days.shape}")
    return days


def _save_array(handle: IO[bytes], array: np.ndarray) -> None:
    np.save(handle, array, allow_pickle=False)


def write_matrices(
    folder: str | Path,
    dates: Sequence[DateLike] | np.ndarray,
    paths: np.ndarray,
    fit_start: Sequence[DateLike] | np.ndarray | DateLike,
    fit_end: Sequence[DateLike] | np.ndarray | DateLike,
    metadata: dict[str, Any],
) -> Path:
    """Replace the store in ``folder`` with ``paths`` (float32 ``(n_days, n_paths, 14)``).

    ``dates`` must be strictly increasing; ``fit_start``/``fit_end`` are one date each or one per
    day. ``metadata`` must be JSON-serialisable. Returns the folder.
    """
    folder = Path(folder)
    paths = np.asarray(paths)
    if paths.dtype != np.float32 or paths.ndim != 3 or paths.shape[2] != HORIZONS:
        raise ValueError(
            f"paths must be float32 (n_days, n_paths, {HORIZONS}), got {paths.dtype} {paths.shape}"
        )
    n = paths.shape[0]
    if n == 0:
        raise ValueError(f"no prediction matrices to write to {folder}: paths has 0 days")
    days = _to_days(dates, n, "dates")
    if n > 1 and not (np.diff(days) > np.timedelta64(0, "D")).all():
        raise ValueError("dates must be strictly increasing (one prediction matrix per day)")
    index = pl.DataFrame({
        "date": days, "row": np.arange(n, dtype=np.int64),
        "fit_start": _to_days(fit_start, n, "fit_start"),
        "fit_end": _to_days(fit_end, n, "fit_end"),
    })
    meta = {
        "format_version": FORMAT_VERSION, "n_days": n, "n_paths": int(paths.shape[1]),
        "horizons": HORIZONS, "dtype": "float32", "metadata": metadata,
    }
    meta_text = json.dumps(meta, indent=2, sort_keys=True)  # fails before touching the disk

    folder.mkdir(parents=True, exist_ok=True)
    (folder / CHECKS_FILE).unlink(missing_ok=True)  # verdicts on the old matrices no longer hold
    staged: list[tuple[Path, Path]] = []
    try:
        for name, write in (
            (PATHS_FILE, lambda f: _save_array(f, np.ascontiguousarray(paths))),
            (INDEX_FILE, index.write_parquet),
            (META_FILE, lambda f: f.write(meta_text.encode())),
        ):
            staged.append((stage_file(folder / name, write), folder / name))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, target in staged:
        os.replace(tmp, target)
    return folder


def open_matrices(folder: str | Path) -> MatrixStore:
    """Open the store in ``folder`` read-only, memory-mapping ``paths.npy``."""
    folder = Path(folder)
    paths = np.load(folder / PATHS_FILE, mmap_mode="r")
    index = pl.read_parquet(folder / INDEX_FILE)
    meta = json.loads((folder / META_FILE).read_text())
    expected = (meta["n_days"], meta["n_paths"], meta["horizons"])
    if paths.shape != expected or index.height != paths.shape[0]:
        raise ValueError(
            f"prediction store {folder} is inconsistent: paths {paths.shape}, index "
            f"{index.height} rows, meta {expected}; a write was interrupted between renames, "
            "rewrite the store"
        )
    checks_path = folder / CHECKS_FILE
    checks = json.loads(checks_path.read_text()) if checks_path.exists() else None
    return MatrixStore(folder=folder, paths=paths, index=index, meta=meta, checks=checks)


def record_checks(folder: str | Path, verdicts: dict[str, Any]) -> None:
    """Write the checks' verdicts on the store in ``folder`` (atomically, JSON)."""
    text = json.dumps(verdicts, indent=2, sort_keys=True).encode()
    write_atomically(Path(folder) / CHECKS_FILE, text)
