"""Where prediction matrices live: one store folder per (commodity, model) under one root.

The root is ``<data>/forecasts`` in production and a temporary folder in tests; swapping this
resource (e.g. for object storage) moves the matrices without touching the assets.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import io
import pickle
from pathlib import Path

import dagster as dg
import lightgbm
import numpy as np
import sklearn
import xgboost

from trading_platform.config.models import ModelZoo
from trading_platform.domain.forecasting import models, tuned
from trading_platform.domain.forecasting.matrices import MatrixStore
from trading_platform.domain.forecasting.protocol import ForecastModel
from trading_platform.domain.partition_keys import commodity_model_key
from trading_platform.resources.atomic_files import write_atomically
from trading_platform.resources.forecast_files import open_matrices

FITS_KEPT = 32  # a daily window needs (14 + residual_window) / refit_every + 1 fits (14 by default)


def fit_identity(zoo: ModelZoo, model: str) -> str:
    """What a kept fit of ``model`` depends on besides its training rows: the model's spec
    (with its members'), the code of the model classes and the versions of the libraries that
    fit them. A change to any of them names a new folder, so a kept fit is never stale."""
    digest = hashlib.sha256(zoo.spec_hash(model).encode())
    for module in (models, tuned):
        digest.update(inspect.getsource(module).encode())
    for library in (np, sklearn, xgboost, lightgbm):
        digest.update(f"{library.__name__}={library.__version__};".encode())
    return digest.hexdigest()[:16]


class FitFolder:
    """A ``FitCache`` on disk: one pickle per fit, named by its training-rows digest.

    The folder is scoped to one (commodity, model, model spec): a changed spec gets a new
    folder, so a cached fit always comes from the same model definition. Writes are atomic;
    the oldest files beyond ``FITS_KEPT`` are removed, so the folder stays small.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, key: str) -> ForecastModel | None:
        target = self.folder / f"{key}.pkl"
        if not target.exists():
            return None
        try:
            with target.open("rb") as handle:
                return pickle.load(handle)  # our own data directory's fits, written by put
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None  # unreadable (e.g. written by other library versions): refit, replace

    def put(self, key: str, model: ForecastModel) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomically(self.folder / f"{key}.pkl", pickle.dumps(model, protocol=5))
        kept = sorted(self.folder.glob("*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in kept[FITS_KEPT:]:
            stale.unlink(missing_ok=True)


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
                f"forecasts partition {commodity_model_key(commodity, model)} first"
            )
        return open_matrices(folder)

    def fits(self, commodity: str, model: str, identity: str) -> FitFolder:
        """The kept fits of ``model`` (as ``fit_identity`` names its definition): written by
        its forecasts partition and the daily path, read by the daily path and ensembles."""
        return FitFolder(Path(self.root) / commodity / "fits" / model / identity)

    def member_fits(self, commodity: str, zoo: ModelZoo, model: str) -> dict[str, FitFolder]:
        """An ensemble's members' kept fits by member key (empty for any other model)."""
        return {key: self.fits(commodity, key, fit_identity(zoo, key))
                for key in zoo.models[model].params.get("members", [])}

    def live_file(self, commodity: str, model: str, day: dt.date) -> Path:
        return Path(self.root) / commodity / "live" / model / f"{day.isoformat()}.npy"

    def write_live(self, commodity: str, model: str, day: dt.date, matrix: np.ndarray) -> Path:
        """Keep a live day's prediction matrix (replaced atomically on a rerun)."""
        target = self.live_file(commodity, model, day)
        target.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(matrix, dtype=np.float32), allow_pickle=False)
        return write_atomically(target, buffer.getvalue())

    def remove_live(self, commodity: str, model: str, day: dt.date) -> None:
        """Forget a live day's matrix (a rerun that has no forecast for the day)."""
        self.live_file(commodity, model, day).unlink(missing_ok=True)

    def read_live(self, commodity: str, model: str, day: dt.date) -> np.ndarray | None:
        """A live day's matrix, or None when that day was not forecast live."""
        target = self.live_file(commodity, model, day)
        return np.load(target, allow_pickle=False) if target.exists() else None
