"""MLflow tracking store and model registry, under the data directory.

The store is a SQLite database (the model registry needs a database backend) at
``<data>/mlflow/mlflow.db``; artifacts (plots, fitted models) go to ``<data>/mlflow/artifacts``.
The MLflow UI reads the same place: ``make mlflow-ui``. Only this module and ``registry`` (the
champion model registry, same store) import mlflow.
"""

from __future__ import annotations

import logging
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

import dagster as dg
import numpy as np

from trading_platform.resources.mlflow_store import reroot_mlflow_store


class TrackedRun:
    """What an asset may record in one MLflow run."""

    def __init__(self, mlflow_module: Any, run_id: str) -> None:
        self._mlflow = mlflow_module
        self.run_id = run_id

    def log_params(self, params: Mapping[str, Any]) -> None:
        self._mlflow.log_params({k: str(v)[:500] for k, v in params.items()})

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        """Finite values only: MLflow stores NaN, but its UI charts and comparisons skip it."""
        finite = {k: float(v) for k, v in metrics.items() if np.isfinite(v)}
        self._mlflow.log_metrics(finite, step=step)

    def log_png(self, png: bytes, artifact_file: str) -> None:
        """Store the chart's PNG bytes as they are (no decoding, so no image library here)."""
        target = PurePosixPath(artifact_file)
        with tempfile.TemporaryDirectory() as folder:
            local = Path(folder) / target.name
            local.write_bytes(png)
            self._mlflow.log_artifact(str(local), str(target.parent) if target.parent.parts
                                      else None)

    def log_text(self, text: str, artifact_file: str) -> None:
        self._mlflow.log_text(text, artifact_file)

    def artifact_uri(self, artifact_path: str) -> str:
        """Where this run stores ``artifact_path`` (a model version's source)."""
        return self._mlflow.get_artifact_uri(artifact_path)

    def log_forecast_model(self, model: Any, input_example: np.ndarray, name: str = "model") -> str:
        """Log a fitted forecast model (``predict(X) -> (n, 14)``) in MLflow's pyfunc format.

        The model is pickled with cloudpickle inside the artifact, so ``mlflow.pyfunc.load_model``
        returns it wrapped; ``predict`` takes the feature matrix and returns the 14 cumulative log
        returns per row.
        """
        with _quiet_mlflow_logger():
            # MLflow logs that a Python object is pickled: that is the point (cloudpickle).
            info = self._mlflow.pyfunc.log_model(
                name=name, python_model=_forecast_pyfunc(self._mlflow, model),
                input_example=input_example,
                pip_requirements=["scikit-learn", "xgboost", "lightgbm", "numpy", "cloudpickle"],
            )
        return info.model_uri


@contextmanager
def _quiet_mlflow_logger() -> Iterator[None]:
    logger = logging.getLogger("mlflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _forecast_pyfunc(mlflow_module: Any, model: Any) -> Any:
    # Defined on demand: importing mlflow at module import would slow every Definitions load.
    # No type hints on predict on purpose: MLflow would try to derive a schema from them, and
    # says so in a UserWarning at class creation that would repeat in every forecasts run.
    # MLflow resets the warning filters around that check, so the warning is caught here.
    with warnings.catch_warnings(record=True) as caught:

        class ForecastPyfunc(mlflow_module.pyfunc.PythonModel):
            def __init__(self, fitted: Any) -> None:
                self.fitted = fitted

            def predict(self, context, model_input, params=None):
                return self.fitted.predict(np.asarray(model_input, dtype=np.float64))

    for warning in caught:
        if "Add type hints" not in str(warning.message):
            warnings.warn(warning.message, warning.category, stacklevel=2)
    return ForecastPyfunc(model)


class MlflowTracker(dg.ConfigurableResource):
    """MLflow runs for forecast builds: params, metrics, plots and fitted models."""

    root: str

    @property
    def database(self) -> Path:
        return Path(self.root).resolve() / "mlflow.db"

    @property
    def tracking_uri(self) -> str:
        return f"sqlite:///{self.database}"

    @property
    def artifact_root(self) -> Path:
        return Path(self.root).resolve() / "artifacts"

    def open_store(self) -> str:
        """Create the store's folder, re-root a copied store here; returns the tracking URI.

        MLflow keeps absolute artifact URIs in mlflow.db: without the re-root a copied data
        directory would write its artifacts into the directory it was copied from.
        """
        Path(self.root).mkdir(parents=True, exist_ok=True)
        reroot_mlflow_store(self.database, self.artifact_root)
        return self.tracking_uri

    def _experiment_id(self, mlflow_module: Any, name: str) -> str:
        found = mlflow_module.get_experiment_by_name(name)
        if found is not None:
            return found.experiment_id
        location = (self.artifact_root / name).as_uri()
        return mlflow_module.create_experiment(name, artifact_location=location)

    @contextmanager
    def run(self, experiment: str, run_name: str, tags: Mapping[str, str]) -> Iterator[TrackedRun]:
        """One MLflow run in ``experiment``; ends FAILED if the block raises."""
        import mlflow

        mlflow.set_tracking_uri(self.open_store())
        experiment_id = self._experiment_id(mlflow, experiment)
        with mlflow.start_run(experiment_id=experiment_id, run_name=run_name,
                              tags=dict(tags)) as active:
            yield TrackedRun(mlflow, active.info.run_id)
