"""Both instance configs validate against Dagster's schema and keep the same write pool."""

import shutil
from pathlib import Path

import pytest
import yaml
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.instance.config import dagster_instance_config

from trading_platform.settings import ALERT_WEBHOOK_ENV, DAGSTER_EVENT_DEFAULTS, DATA_DIR_ENV
from trading_platform_tests.conftest import REPO_ROOT

MULTI_NODE_ENV = ("DAGSTER_PG_HOST", "DAGSTER_PG_DB", "DAGSTER_PG_USERNAME",
                  "DAGSTER_PG_PASSWORD", "TRADING_PLATFORM_IMAGE", "DAGSTER_HOME")


def _validated(source: Path, tmp_path: Path, monkeypatch) -> dict:
    for name in MULTI_NODE_ENV:
        monkeypatch.setenv(name, str(tmp_path) if name == "DAGSTER_HOME" else "set-by-test")
    shutil.copy(source, tmp_path / "dagster.yaml")
    config, _ = dagster_instance_config(str(tmp_path))
    return config


def test_single_node_config_given_dagster_schema_is_valid(tmp_path, monkeypatch):
    config = _validated(REPO_ROOT / "dagster.yaml", tmp_path, monkeypatch)
    assert config["event_log_storage"]["class"] == "BatchingSqliteEventLogStorage"
    assert config["concurrency"]["pools"]["default_limit"] == 1


def test_multi_node_config_given_dagster_schema_is_valid_with_same_pools(tmp_path, monkeypatch):
    config = _validated(REPO_ROOT / "dagster.multi-node.yaml", tmp_path, monkeypatch)
    single = yaml.safe_load((REPO_ROOT / "dagster.yaml").read_text())
    assert "postgres" in config["storage"]
    assert config["run_launcher"]["module"] == "dagster_docker"
    assert config["concurrency"]["pools"] == single["concurrency"]["pools"]
    # run containers get every variable the platform reads
    passed = set(config["run_launcher"]["config"]["env_vars"])
    assert {DATA_DIR_ENV, ALERT_WEBHOOK_ENV, *DAGSTER_EVENT_DEFAULTS} <= passed


def test_instance_config_given_unknown_key_is_rejected(tmp_path, monkeypatch):
    # the validator is real: a typo in a top-level key fails
    broken = tmp_path / "source.yaml"
    text = (REPO_ROOT / "dagster.multi-node.yaml").read_text()
    broken.write_text(text.replace("concurrency:", "concurency:"))
    with pytest.raises(DagsterInvalidConfigError):
        _validated(broken, tmp_path, monkeypatch)
