"""Where prediction matrices live: one store folder per (commodity, model) under one root.

The root is ``<data>/forecasts`` in production and a temporary folder in tests; swapping this
resource (e.g. for object storage) moves the matrices without touching the assets.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

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
