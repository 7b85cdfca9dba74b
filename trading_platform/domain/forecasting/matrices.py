"""Prediction matrices as data: the shape of a stored matrix file, its fit windows, and a
read-only view of an opened store (``MatrixStore``). Reading and writing the files is the
resource's job (``trading_platform.resources.forecast_files``).

A store holds ``paths`` ``(n_days, n_paths, HORIZONS)`` float32 closes, row ``i`` for the i-th
date, and an index ``date, row, fit_start, fit_end`` (the fit window behind each row).
Size: ``NPY_HEADER_BYTES + n_days * n_paths * HORIZONS * 4`` bytes; 5 years (1,260 days) x 500
paths is 128 + 35,280,000 bytes = 35.3 MB, inside the 40 MB budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from trading_platform.domain.forecasting.protocol import HORIZONS

NPY_HEADER_BYTES = 128  # numpy .npy v1.0 header, padded to 128 bytes for 3-d float32 arrays
BUDGET_BYTES = 40_000_000

DateLike = date | np.datetime64 | str


def matrix_file_bytes(n_days: int, n_paths: int) -> int:
    """Size of ``paths.npy``: header + n_days * n_paths * HORIZONS * 4 bytes (float32)."""
    return NPY_HEADER_BYTES + n_days * n_paths * HORIZONS * 4


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

    @property
    def uses_future(self) -> bool | None:
        """Whether the matrices were built from realised future closes, as recorded when they
        were made; None for a store written before the mark existed."""
        value = self.meta.get("metadata", {}).get("uses_future")
        return None if value is None else bool(value)

    def matrix(self, day: DateLike) -> np.ndarray:
        """The ``(n_paths, 14)`` prediction matrix of ``day`` (a memory-mapped view)."""
        return self.paths[self.row(day)]

    def range(self, start: DateLike, end: DateLike) -> MatrixRange:
        """Days in ``[start, end]`` (both inclusive) as a memory-mapped view, nothing loaded."""
        dates = self.dates
        lo = int(np.searchsorted(dates, np.datetime64(start, "D"), side="left"))
        hi = int(np.searchsorted(dates, np.datetime64(end, "D"), side="right"))
        return MatrixRange(dates=dates[lo:hi], paths=self.paths[lo:hi])
