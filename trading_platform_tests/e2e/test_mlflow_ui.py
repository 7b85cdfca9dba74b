"""The MLflow UI, started as `make mlflow-ui` starts it, shows a forecast build's run."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import Ridge

from trading_platform.resources.tracker import MlflowTracker
from trading_platform_tests.e2e.conftest import (
    UI_TIMEOUT_MS,
    VIEWPORT,
    _free_port,
    _stop_process_group,
)

pytestmark = pytest.mark.slow
START_TIMEOUT_S = 90.0


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def mlflow_ui(tmp_path_factory) -> Iterator[tuple[str, str, MlflowTracker]]:
    """One tracked forecast-like run, then `mlflow ui` on the same store (the Makefile's flags)."""
    root = tmp_path_factory.mktemp("mlflow-data") / "mlflow"
    tracker = MlflowTracker(root=str(root))
    X = np.random.default_rng(0).normal(size=(40, 3))
    with tracker.run("forecasts", "coffee/xgboost",
                     {"dagster_run_id": "run-42", "dagster_partition": "coffee|xgboost"}) as run:
        run.log_params({"walk_forward.refit_every": 21})
        run.log_metrics({"rmse_h14": 0.07})
        run.log_text("fit_start,fit_end\n", "fit_schedule.csv")
        run.log_forecast_model(Ridge().fit(X, X[:, 0]), X[:2])
    port = _free_port()
    mlflow_cli = str(Path(sys.executable).with_name("mlflow"))
    log_path = root.parent / "mlflow-ui.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [mlflow_cli, "ui", "--backend-store-uri", tracker.tracking_uri,
             "--default-artifact-root", str(tracker.artifact_root), "--host", "127.0.0.1",
             "--port", str(port)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"mlflow ui did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url, run.run_id, tracker
    finally:
        _stop_process_group(process)


def test_mlflow_ui_given_forecast_run_serves_it_with_tags_and_artifacts(mlflow_ui):
    url, run_id, _ = mlflow_ui
    query = urllib.parse.urlencode({"experiment_name": "forecasts"})
    experiment = _get(f"{url}/api/2.0/mlflow/experiments/get-by-name?{query}")["experiment"]
    run = _get(f"{url}/api/2.0/mlflow/runs/get?run_id={run_id}")["run"]
    assert run["info"]["experiment_id"] == experiment["experiment_id"]
    assert run["info"]["run_name"] == "coffee/xgboost"
    tags = {t["key"]: t["value"] for t in run["data"]["tags"]}
    assert tags["dagster_run_id"] == "run-42"
    artifacts = _get(f"{url}/api/2.0/mlflow/artifacts/list?run_id={run_id}")["files"]
    assert "fit_schedule.csv" in {a["path"] for a in artifacts}
    # MLflow 3 keeps a logged model as its own entity, linked to the run that logged it.
    (output,) = run["outputs"]["model_outputs"]
    model = _get(f"{url}/api/2.0/mlflow/logged-models/{output['model_id']}")["model"]
    assert model["info"]["source_run_id"] == run_id
    assert model["info"]["artifact_uri"].startswith(
        Path(mlflow_ui[2].artifact_root).as_uri())  # under the data directory


def test_mlflow_ui_given_browser_lists_the_run_on_the_experiment_page(mlflow_ui, browser):
    url, run_id, _ = mlflow_ui
    query = urllib.parse.urlencode({"experiment_name": "forecasts"})
    experiment_id = _get(f"{url}/api/2.0/mlflow/experiments/get-by-name?{query}")[
        "experiment"]["experiment_id"]
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(UI_TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(f"{url}/#/experiments/{experiment_id}/runs/{run_id}")
        page.get_by_text("coffee/xgboost").first.wait_for()
        page.get_by_text("rmse_h14").first.wait_for()
    finally:
        context.close()
