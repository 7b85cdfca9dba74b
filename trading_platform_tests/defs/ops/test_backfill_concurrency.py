"""A backfill of 20 partitions as concurrent runs on the multiprocess executor: no lock failures.

DuckDB admits one writer process per file. Every asset that writes the warehouse is in the
`duckdb_write` pool and dagster.yaml limits each pool to one step at a time across runs, so
concurrent runs queue their writing steps instead of failing on the file lock.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from trading_platform_tests.conftest import REPO_ROOT

COMMODITIES = ("cocoa", "coffee", "corn", "crude")
WEEK = ("2024-01-08", "2024-01-12")  # Monday..Friday, no holiday on any calendar


def _launch(commodity: str, env: dict[str, str]) -> subprocess.Popen:
    tags = {"dagster/asset_partition_range_start": f"{commodity}|{WEEK[0]}",
            "dagster/asset_partition_range_end": f"{commodity}|{WEEK[1]}"}
    command = [str(Path(sys.executable).with_name("dagster")), "job", "execute",
               "-m", "trading_platform.definitions", "-j", "market_history",
               "--tags", json.dumps(tags)]
    return subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


@pytest.mark.slow
def test_backfill_given_concurrent_multiprocess_runs_has_no_lock_failures(tmp_path,
                                                                         monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "TRADING_PLATFORM_DATA_DIR": str(tmp_path)}
    # The instance exists before any backfill (`make demo` / `make ui` create it); creating a
    # brand-new instance database from four processes at once races on its schema stamp.
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    dg.DagsterInstance.from_config(str(home)).dispose()

    runs = [_launch(commodity, env) for commodity in COMMODITIES]
    outputs = [run.communicate(timeout=300)[0] for run in runs]

    for commodity, run, output in zip(COMMODITIES, runs, outputs, strict=True):
        assert run.returncode == 0, f"{commodity} run failed:\n{output[-3000:]}"
        assert "Could not set lock" not in output
        assert "multiprocess" in output.lower()  # steps ran in child processes
    # the pool made at least one writing step wait instead of colliding on the DuckDB file
    assert any("blocked by limit for pool duckdb_write" in output for output in outputs)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        stored = connection.sql(
            "select commodity, count(*) from market.market_data group by 1 order by 1"
        ).fetchall()
        features = connection.sql("select count(*) from market.features").fetchall()[0][0]
    assert stored == [(commodity, 5) for commodity in COMMODITIES]
    assert features == 20
    with dg.DagsterInstance.from_config(str(home)) as instance:
        materialized = instance.get_materialized_partitions(dg.AssetKey("market_data"))
    assert len(materialized) == 20
