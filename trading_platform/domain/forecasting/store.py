"""A compact on-disk store of prediction matrices: one directory per (commodity, model).

Layout of a store directory:
- ``paths.npy``: ``(n_days, n_paths, HORIZONS)`` float32 closes, row ``i`` is the i-th date;
- ``index.parquet``: ``date, row, fit_start, fit_end`` (the fit window of the model behind a row);
- ``meta.json``: shape, dtype and format version, plus the caller's metadata under ``"metadata"``;
- ``checks.json`` (written after the checks ran on the store): each check's verdict, so a reader
  (the backtester) can refuse matrices whose blocking checks failed. Replaced on every write.

Size: ``NPY_HEADER_BYTES + n_days * n_paths * HORIZONS * 4`` bytes; 5 years (1,260 days) x 500
paths is 128 + 35,280,000 bytes = 35.3 MB, inside the 40 MB budget.

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
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

import numpy as np
import polars as pl

from trading_platform.domain.atomic_files import stage_file, write_atomically
from trading_platform.domain.forecasting.protocol import HORIZONS

PATHS_FILE = "paths.npy"
CHECKS_FILE = "checks.json"
INDEX_FILE = "index.parquet"
META_FILE = "meta.json"
FORMAT_VERSION = 1
NPY_HEADER_BYTES = 128  # numpy .npy v1.0 header, padded to 128 bytes for 3-d float32 arrays
BUDGET_BYTES = 40_000_000

DateLike = date | np.datetime64 | str


def matrix_file_bytes(n_days: int, n_paths: int) -> int:
    """Size of ``paths.npy``: header + n_days * n_paths * HORIZONS * 4 bytes (float32)."""
    return NPY_HEADER_BYTES + n_days * n_paths * HORIZONS * 4


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


def group_fit_windows(days: pl.DataFrame) -> pl.DataFrame:
    """Group ``date, fit_start, fit_end`` rows by fit window, in order of first use.

    Returns ``fit_start, fit_end, first_date, last_date, n_days``.
    """
    return days.group_by("fit_start", "fit_end", maintain_order=True).agg(
        first_date=pl.col("date").min(), last_date=pl.col("date").max(), n_days=pl.len()
    )


@dataclass(frozen=True)
class MatrixRange:
    """Consecutive stored days: ``dates`` ``(k,)`` and memory-mapped ``paths`` ``(k, p, 14)``."""

    dates: np.ndarray
    paths: np.ndarray


@dataclass(frozen=True)
class MatrixStore:
    """A read-only, memory-mapped store opened by ``open_matrices``."""

    folder: Path
    paths: np.memmap
    index: pl.DataFrame
    meta: dict[str, Any]
    checks: dict[str, Any] | None = None

    @property
    def dates(self) -> np.ndarray:
        """Trading days as ``datetime64[D]``, strictly increasing; row i of ``paths`` is day i."""
        return self.index["date"].to_numpy()

    @property
    def fit_windows(self) -> pl.DataFrame:
        """One row per fit window: ``fit_start, fit_end, first_date, last_date, n_days``."""
        return group_fit_windows(self.index)

    def row(self, day: DateLike) -> int:
        """Row of ``day`` in ``paths``; KeyError naming the store if the day is absent."""
        target = np.datetime64(day, "D")
        dates = self.dates
        position = int(np.searchsorted(dates, target))
        if position == dates.size or dates[position] != target:
            raise KeyError(f"no prediction matrix for {target} in {self.folder}")
        return position

    def matrix(self, day: DateLike) -> np.ndarray:
        """The ``(n_paths, 14)`` prediction matrix of ``day`` (a memory-mapped view)."""
        return self.paths[self.row(day)]

    def range(self, start: DateLike, end: DateLike) -> MatrixRange:
        """Days in ``[start, end]`` (both inclusive) as a memory-mapped view, nothing loaded."""
        dates = self.dates
        lo = int(np.searchsorted(dates, np.datetime64(start, "D"), side="left"))
        hi = int(np.searchsorted(dates, np.datetime64(end, "D"), side="right"))
        return MatrixRange(dates=dates[lo:hi], paths=self.paths[lo:hi])


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
