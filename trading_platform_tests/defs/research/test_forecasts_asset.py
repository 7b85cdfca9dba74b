"""The forecasts asset end to end: stored matrices, checks, the MLflow run, reruns, bad input,
and every check on the real coffee, sugar and corn histories.

One file on purpose: `--dist loadfile` keeps these model-fitting tests on one worker, so they
never fit models concurrently (see the model_training pool).
"""

import datetime as dt

import dagster as dg
import mlflow
import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from trading_platform.defs.partitions import PartitionSlice, slice_covering
from trading_platform.defs.universe import UNIVERSE
from trading_platform.domain.forecasting.targets import FEATURE_COLUMNS
from trading_platform.resources.market_sources import ingest_file
from trading_platform_tests.defs.conftest import (
    AS_OF,
    ForecastHarness,
    Harness,
    production_like_instance,
)

pytestmark = pytest.mark.slow

LIGHT = {"refit_every": 63, "oos_years": 1.0, "n_paths": 60}


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    root = tmp_path_factory.mktemp("forecasts")
    with production_like_instance(root / "dagster_home") as instance:
        market = Harness(root / "warehouse.duckdb", instance)
        coffee = PartitionSlice(("coffee",), dt.date(2016, 1, 1), dt.date(2021, 12, 31))
        assert market.run(coffee).success
        cocoa = PartitionSlice(("cocoa",), dt.date(2020, 1, 1), dt.date(2021, 12, 31))
        assert market.run(cocoa).success  # two years: too short to train on
        yield ForecastHarness(root, instance, LIGHT)


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_forecasts_given_features_store_matrices_pass_checks_and_track_mlflow(harness):
    result = harness.materialize("coffee|xgboost")
    assert result.success
    checks = _checks(result)
    assert len(checks) == 6 and all(c.passed for c in checks.values())
    assert "forecasts_inputs_current" in checks
    store = harness.store.open("coffee", "xgboost")
    assert store.paths.shape[1:] == (60, 14) and store.paths.dtype == np.float32
    assert (store.index["fit_end"] < store.index["date"]).all()
    # checks.json holds the verdicts on the stored matrices; the inputs check lives in Dagster.
    assert {name: v["passed"] for name, v in store.checks.items()} == {
        name: True for name in checks if name != "forecasts_inputs_current"}

    run_id = store.meta["metadata"]["mlflow_run_id"]
    run = MlflowClient(harness.tracker.tracking_uri).get_run(run_id)
    assert run.data.tags["dagster_run_id"] == result.run_id
    assert run.data.tags["dagster_partition"] == "coffee|xgboost"
    assert run.data.tags["data_range"].endswith("..2021-12-31")
    assert len(run.data.tags["feature_hash"]) == 16
    assert run.data.params["walk_forward.refit_every"] == "63"
    assert {"rmse_h1", "crps_mean", "coverage_80_mean"} <= set(run.data.metrics)
    artifacts = {a.path for a in MlflowClient(harness.tracker.tracking_uri).list_artifacts(
        run_id, "plots")}
    assert "plots/feature_importance.png" in artifacts

    mlflow.set_tracking_uri(harness.tracker.tracking_uri)
    model = mlflow.pyfunc.load_model(f"runs:/{run_id}/model")
    assert model.predict(np.zeros((3, len(FEATURE_COLUMNS)))).shape == (3, 14)

    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["oos_days"].value == store.paths.shape[0]
    assert "data:image/png;base64" in metadata["fan_chart"].value


def test_forecasts_given_rerun_replace_store_with_identical_matrices(harness):
    assert harness.materialize("coffee|naive_rw").success
    first = np.array(harness.store.open("coffee", "naive_rw").paths)
    assert harness.materialize("coffee|naive_rw").success
    again = harness.store.open("coffee", "naive_rw")
    np.testing.assert_array_equal(np.array(again.paths), first)
    mlflow.set_tracking_uri(harness.tracker.tracking_uri)
    runs = mlflow.search_runs(
        experiment_names=["forecasts"], output_format="list",
        filter_string="tags.dagster_partition = 'coffee|naive_rw'",
    )
    assert len(runs) == 2  # one MLflow run per build, the store keeps the latest


def test_forecasts_given_synthetic_model_flagged_and_accuracy_checked(harness):
    result = harness.materialize("coffee|synthetic_70")
    assert result.success
    accuracy = _checks(result)["synthetic_accuracy_matches_nominal"]
    assert accuracy.passed and abs(accuracy.metadata["observed"].value - 0.70) <= 0.03
    meta = harness.store.open("coffee", "synthetic_70").meta["metadata"]
    assert meta["synthetic"] == "true" and meta["spec"]["synthetic"] is True
    artifacts = MlflowClient(harness.tracker.tracking_uri).list_artifacts(meta["mlflow_run_id"])
    assert "model" not in {a.path for a in artifacts}  # nothing fitted, nothing to register


def test_forecasts_given_too_little_history_fails_naming_partition_and_rule(harness):
    result = harness.materialize("cocoa|xgboost")
    assert not result.success
    message = next(e for e in result.all_events
                   if e.is_step_failure).step_failure_data.error.message
    assert "forecasts cocoa|xgboost: walk-forward: only" in message
    assert "min_train_rows is 504; supply more data" in message
    assert not harness.store.folder("cocoa", "xgboost").exists()


def test_forecasts_given_commodity_without_features_fails_naming_it(harness):
    result = harness.materialize("sugar|xgboost")
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "no features stored for sugar" in failure.step_failure_data.error.message
    assert not harness.store.folder("sugar", "xgboost").exists()


@pytest.fixture()
def real_harness(tmp_path):
    with production_like_instance(tmp_path / "dagster_home") as instance:
        yield Harness(tmp_path / "warehouse.duckdb", instance)


# Lighter than the research default so three commodities x three models stay near a minute.
REAL_LIGHT = {"refit_every": 126, "oos_years": 2.0, "n_paths": 100}


@pytest.mark.parametrize("file_name", ["coffee_arabica_yahoo.csv", "sugar.csv", "corn.csv"])
def test_forecasts_given_real_history_every_check_passes(real_harness, real_data_dir,
                                                          file_name):
    path = real_data_dir / file_name
    accepted = ingest_file(path, UNIVERSE, today=dt.date.fromisoformat(AS_OF)).accepted
    part = slice_covering([accepted])
    assert real_harness.run(part, files=[path]).success
    commodity = part.commodities[0]
    forecasts = ForecastHarness(real_harness.root, real_harness.instance, REAL_LIGHT)
    for model in ("naive_rw", "xgboost", "synthetic_80"):
        result = forecasts.materialize(f"{commodity}|{model}")
        assert result.success, model
        failed = {e.check_name: e.metadata for e in result.get_asset_check_evaluations()
                  if not e.passed}
        assert failed == {}, (model, failed)
        store = forecasts.store.open(commodity, model)
        assert store.paths.shape[1:] == (100, 14)
        # Two years out of sample: about 500 trading days, ending at the file's last close.
        assert 450 <= store.paths.shape[0] <= 520
