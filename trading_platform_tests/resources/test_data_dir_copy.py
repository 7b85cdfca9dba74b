"""A copied data directory writes only into itself: the MLflow store is re-rooted on first use.

One module fixture builds a small data directory (three years of synthetic coffee, its features,
a naive_rw forecasts run logged to MLflow and promoted in the champion registry); every test
copies it and checks that the copy works on its own while the original stays byte-identical.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sqlite3
from pathlib import Path

import mlflow
import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from trading_platform.defs.partitions import PartitionSlice
from trading_platform.domain.forecasting.targets import FEATURE_COLUMNS
from trading_platform.resources.mlflow_store import LOCATION_COLUMNS, reroot_mlflow_store
from trading_platform.resources.registry import ChampionRegistry
from trading_platform.resources.tracker import MlflowTracker
from trading_platform_tests.defs.conftest import (
    ForecastHarness,
    Harness,
    production_like_instance,
)

pytestmark = pytest.mark.slow  # the fixture fits a walk-forward and creates an MLflow store

LIGHT = {"refit_every": 63, "oos_years": 1.0, "n_paths": 20}
PARTITION = "coffee|naive_rw"


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Data directory A after one forecasts run and one champion promotion."""
    data = tmp_path_factory.mktemp("copy") / "A"
    with production_like_instance(data / "dagster_home") as instance:
        market = Harness(data / "warehouse.duckdb", instance)
        history = PartitionSlice(("coffee",), dt.date(2018, 1, 1), dt.date(2021, 12, 31))
        assert market.run(history).success
        harness = ForecastHarness(data, instance, LIGHT)
        assert harness.materialize(PARTITION).success
        _promote(data, harness, "k1")
    return data


def _promote(data: Path, harness: ForecastHarness, key: str) -> None:
    run_id = harness.store.open("coffee", "naive_rw").meta["metadata"]["mlflow_run_id"]
    registry = ChampionRegistry(root=str(data / "mlflow"))
    registry.promote("coffee", run_id, {"champion_key": key}, f"champion {key}")


def _digests(root: Path) -> dict[str, str]:
    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file()}


def _cells_mentioning(db_path: Path, text: str) -> list[tuple[str, str, str]]:
    """Every (table, column, value) of the database whose value contains ``text``."""
    with sqlite3.connect(db_path) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        found = []
        for table in tables:
            for column in [row[1] for row in db.execute(f'PRAGMA table_info("{table}")')]:
                rows = db.execute(f'SELECT CAST("{column}" AS TEXT) FROM "{table}" '
                                  f'WHERE instr(CAST("{column}" AS TEXT), ?) > 0', (text,))
                found += [(table, column, value) for (value,) in rows]
    return found


def _locations(db_path: Path) -> list[str]:
    with sqlite3.connect(db_path) as db:
        return [value for table, column in LOCATION_COLUMNS
                for (value,) in db.execute(f'SELECT "{column}" FROM "{table}"')
                if value and "/mlflow/artifacts/" in value]


def test_reroot_mlflow_store_given_copied_store_points_every_location_under_copy(
        original: Path, tmp_path: Path) -> None:
    before = _digests(original / "mlflow")
    copy = tmp_path / "B" / "mlflow"
    shutil.copytree(original / "mlflow", copy)
    assert _cells_mentioning(copy / "mlflow.db", str(original))  # the copy names A at first

    changed = reroot_mlflow_store(copy / "mlflow.db", (copy / "artifacts").resolve())

    locations = _locations(copy / "mlflow.db")
    assert changed == len(locations) >= 5  # experiment, run, logged model, version x 2
    assert all(value.startswith((copy / "artifacts").resolve().as_uri() + "/")
               for value in locations)
    assert _cells_mentioning(copy / "mlflow.db", str(original)) == []  # in any table or column
    assert _digests(original / "mlflow") == before


def test_reroot_mlflow_store_given_rerooted_store_changes_nothing(
        original: Path, tmp_path: Path) -> None:
    copy = tmp_path / "B" / "mlflow"
    shutil.copytree(original / "mlflow", copy)
    assert reroot_mlflow_store(copy / "mlflow.db", (copy / "artifacts").resolve()) > 0
    rerooted = _digests(copy)

    assert reroot_mlflow_store(copy / "mlflow.db", (copy / "artifacts").resolve()) == 0
    assert _digests(copy) == rerooted


def test_reroot_mlflow_store_given_store_in_place_changes_nothing(original: Path) -> None:
    before = _digests(original / "mlflow")
    mlflow_dir = original / "mlflow"
    assert reroot_mlflow_store(mlflow_dir / "mlflow.db", (mlflow_dir / "artifacts").resolve()) == 0
    assert _digests(original / "mlflow") == before


def test_reroot_mlflow_store_given_no_database_yet_returns_zero(tmp_path: Path) -> None:
    assert reroot_mlflow_store(tmp_path / "mlflow.db", tmp_path / "artifacts") == 0
    assert not (tmp_path / "mlflow.db").exists()  # MLflow creates the store, not the re-root


def test_forecasts_given_copied_data_dir_write_only_into_copy(
        original: Path, tmp_path: Path) -> None:
    before = _digests(original)
    copy = tmp_path / "B"
    shutil.copytree(original, copy)

    with production_like_instance(copy / "dagster_home") as instance:
        harness = ForecastHarness(copy, instance, LIGHT)
        assert harness.materialize(PARTITION).success
        _promote(copy, harness, "k2")

    assert _digests(original) == before  # not one byte added, removed or changed in A
    tracker = MlflowTracker(root=str(copy / "mlflow"))
    client = MlflowClient(tracking_uri=tracker.tracking_uri, registry_uri=tracker.tracking_uri)
    run_id = harness.store.open("coffee", "naive_rw").meta["metadata"]["mlflow_run_id"]
    here = tracker.artifact_root.as_uri() + "/"
    assert client.get_run(run_id).info.artifact_uri.startswith(here)
    assert (tracker.artifact_root / "forecasts" / run_id / "artifacts" / "checks.txt").is_file()
    champion = ChampionRegistry(root=str(copy / "mlflow")).current("coffee")
    assert champion is not None and champion.tags["champion_key"] == "k2"
    assert champion.source.startswith(here)
    assert _cells_mentioning(tracker.database, str(original)) == []


def test_champion_registry_given_moved_data_dir_serves_model_from_new_place(
        original: Path, tmp_path: Path) -> None:
    moved = tmp_path / "C"
    shutil.copytree(original, tmp_path / "B")
    shutil.move(tmp_path / "B", moved)  # B is gone: any location still naming it cannot load

    champion = ChampionRegistry(root=str(moved / "mlflow")).current("coffee")

    tracker = MlflowTracker(root=str(moved / "mlflow"))
    assert champion is not None and champion.source.startswith(tracker.artifact_root.as_uri())
    mlflow.set_tracking_uri(tracker.tracking_uri)
    model = mlflow.pyfunc.load_model(champion.source)
    assert model.predict(np.zeros((2, len(FEATURE_COLUMNS)))).shape == (2, 14)
