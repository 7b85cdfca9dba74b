"""MLflow tracking store and model registry, under the data directory.

The store is a SQLite database (the model registry needs a database backend) at
``<data>/mlflow/mlflow.db``; artifacts (plots, fitted models) go to ``<data>/mlflow/artifacts``.
The MLflow UI reads the same place: ``make mlflow-ui``. Only this module imports mlflow.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg


class TrackedRun:
    """What an asset may record in one MLflow run."""

    def __init__(self, mlflow_module: Any, run_id: str) -> None:
        self._mlflow = mlflow_module
        self.run_id = run_id

    def log_params(self, params: Mapping[str, Any]) -> None:
        self._mlflow.log_params({k: str(v)[:500] for k, v in params.items()})

    def log_metrics(self, metrics: Mapping[str, float]) -> None:
        self._mlflow.log_metrics({k: float(v) for k, v in metrics.items()})

    def log_png(self, png: bytes, artifact_file: str) -> None:
        self._mlflow.log_image(_png_to_array(png), artifact_file=artifact_file)

    def log_text(self, text: str, artifact_file: str) -> None:
        self._mlflow.log_text(text, artifact_file)

    def log_sklearn_model(self, model: Any, name: str = "model") -> str:
        # Explicit requirements: inferring them imports and scans the environment (seconds).
        info = self._mlflow.sklearn.log_model(
            model, name=name, pip_requirements=["scikit-learn", "xgboost", "lightgbm", "numpy"]
        )
        return info.model_uri


def _png_to_array(png: bytes):
    import io

    from matplotlib.image import imread

    return imread(io.BytesIO(png), format="png")


class MlflowTracker(dg.ConfigurableResource):
    """MLflow runs for forecast builds: params, metrics, plots and fitted models."""

    root: str

    @property
    def tracking_uri(self) -> str:
        return f"sqlite:///{Path(self.root).resolve() / 'mlflow.db'}"

    @property
    def artifact_root(self) -> Path:
        return Path(self.root).resolve() / "artifacts"

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

        Path(self.root).mkdir(parents=True, exist_ok=True)
        mlflow.set_tracking_uri(self.tracking_uri)
        experiment_id = self._experiment_id(mlflow, experiment)
        with mlflow.start_run(experiment_id=experiment_id, run_name=run_name,
                              tags=dict(tags)) as active:
            yield TrackedRun(mlflow, active.info.run_id)
