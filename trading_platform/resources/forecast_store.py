"""Where prediction matrices live: one store folder per (commodity, model) under one root.

The root is ``<data>/forecasts`` in production and a temporary folder in tests; swapping this
resource (e.g. for object storage) moves the matrices without touching the assets.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import dagster as dg
import numpy as np

from trading_platform.domain.atomic_files import write_atomically
from trading_platform.domain.forecasting.store import MatrixStore, open_matrices


class ForecastStore(dg.ConfigurableResource):
    """Prediction-matrix stores addressed by commodity and model."""

    root: str

    def folder(self, commodity: str, model: str) -> Path:
        return Path(self.root) / commodity / model

    def open(self, commodity: str, model: str) -> MatrixStore:
        """Open a stored (commodity, model) read-only; FileNotFoundError names what to run."""
        folder = self.folder(commodity, model)
        if not (folder / "meta.json").exists():
            raise FileNotFoundError(
                f"no forecasts stored for {commodity} x {model} in {folder}: materialize the "
                f"forecasts partition {commodity}|{model} first"
            )
        return open_matrices(folder)

    def live_file(self, commodity: str, model: str, day: dt.date) -> Path:
        return Path(self.root) / commodity / "live" / model / f"{day.isoformat()}.npy"

    def write_live(self, commodity: str, model: str, day: dt.date, matrix: np.ndarray) -> Path:
        """Keep a live day's prediction matrix (replaced atomically on a rerun)."""
        target = self.live_file(commodity, model, day)
        target.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(matrix, dtype=np.float32), allow_pickle=False)
        return write_atomically(target, buffer.getvalue())

    def read_live(self, commodity: str, model: str, day: dt.date) -> np.ndarray | None:
        """A live day's matrix, or None when that day was not forecast live."""
        target = self.live_file(commodity, model, day)
        return np.load(target, allow_pickle=False) if target.exists() else None
