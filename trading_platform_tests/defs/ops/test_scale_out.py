"""Scale-out proven, not only configured: a real PostgreSQL holds the Dagster instance (runs,
event log, schedules, pool slots) and a partitioned single-run backfill runs to completion with
the multiprocess executor and the ``duckdb_write`` pool (docs/scale-out.md is written from it).

The server is Debian's PostgreSQL (``make postgres`` installs it, as ``make browser`` installs
Chromium), started under the test's temp dir on a free port; as root it runs as the
``postgres`` user. The test skips nothing: without the binaries it fails saying how to install
them.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from trading_platform.defs.partitions import PartitionSlice
from trading_platform.defs.universe import UNIVERSE
from trading_platform.domain.market.calendar import trading_days
from trading_platform_tests.defs.ops import scale_out_jobs

SLICE = PartitionSlice(("coffee", "sugar"), dt.date(2024, 1, 2), dt.date(2024, 2, 29))
AS_OF = "2024-03-01"


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name)]
    if not found or not found[-1]:
        pytest.fail(f"PostgreSQL's {name} is missing: run `make postgres` (Debian's package)")
    return str(found[-1])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def postgres() -> Iterator[dict[str, object]]:
    """A throwaway PostgreSQL server: {"port", "db", "user"}; stopped and removed after the
    module. Its folder is a fresh one under /tmp: pytest's temp dirs are private to their user,
    and the server runs as ``postgres``."""
    root = Path(tempfile.mkdtemp(prefix="trading-platform-postgres-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        as_postgres = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", _free_port()
    subprocess.run([*as_postgres, _bin("initdb"), "-D", str(data), "-A", "trust", "-U", "dagster",
                    "--no-sync"], check=True, capture_output=True, timeout=120)
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run([*as_postgres, _bin("pg_ctl"), "-D", str(data), "-o", options, "-l",
                    str(root / "server.log"), "-w", "start"], check=True, capture_output=True,
                   timeout=120)
    try:
        subprocess.run([*as_postgres, _bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U",
                        "dagster", "dagster"], check=True, capture_output=True, timeout=60)
        yield {"port": port, "db": "dagster", "user": "dagster"}
    finally:
        subprocess.run([*as_postgres, _bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True, timeout=120, check=False)
        shutil.rmtree(root, ignore_errors=True)


def _instance_yaml(home: Path, postgres: dict[str, object]) -> None:
    """The multi-node storage of dagster.multi-node.yaml, pointed at the test's server, with
    the repository's pools (the run launcher stays the default: runs start locally)."""
    multi_node = yaml.safe_load(Path("dagster.multi-node.yaml").read_text())
    config = {
        "storage": {"postgres": {"postgres_db": {
            "hostname": "127.0.0.1", "port": postgres["port"], "db_name": postgres["db"],
            "username": postgres["user"], "password": "unused-with-trust-auth",
            "scheme": multi_node["storage"]["postgres"]["postgres_db"]["scheme"]}}},
        "concurrency": multi_node["concurrency"],
        "telemetry": {"enabled": False},
    }
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))


@pytest.mark.slow
def test_backfill_given_postgres_instance_and_multiprocess_executor_completes(
        postgres, tmp_path, monkeypatch):
    data_dir, home = tmp_path / "data", tmp_path / "data" / "dagster_home"
    _instance_yaml(home, postgres)
    monkeypatch.setenv("TRADING_PLATFORM_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.chdir(Path(__file__).resolve().parents[3])
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        result = dg.execute_job(
            dg.reconstructable(scale_out_jobs.market_history_job), instance=instance,
            tags=SLICE.range_tags, raise_on_error=False,
            run_config={"ops": {"market_data": {"config": {"as_of": AS_OF}}},
                        "execution": {"config": {"multiprocess": {"max_concurrent": 2}}}})
        assert result.success, [e.message for e in result.all_events if e.is_failure]
        run = instance.get_run_by_id(result.run_id)
        assert run.tags["dagster/asset_partition_range_start"] == "coffee|2024-01-02"
        # Each step ran in its own process, through the pool's slots held in Postgres.
        step_pids = {e.pid for e in result.all_events if e.event_type_value == "STEP_START"}
        assert len(step_pids) == 2 and os.getpid() not in step_pids
        storage = instance.event_log_storage
        assert storage.get_pool_config().default_pool_limit == 1
        assert storage.get_concurrency_info("duckdb_write").active_slot_count == 0
        for key in ("market_data", "features"):
            materialized = instance.get_materialized_partitions(dg.AssetKey(key))
            # A range covers the commodities between its ends (coffee, corn, crude, sugar) x the
            # weekdays of 2024-01-02..02-29 (22 in January, 21 in February).
            assert len(materialized) == 4 * 43
    rows = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True).execute(
        "select commodity, count(*) from market.market_data group by 1 order by 1").fetchall()
    # Stored rows: each commodity's trading days (exchange holidays have a partition, no row).
    assert rows == [(c, len(trading_days(SLICE.start, SLICE.end, UNIVERSE.calendar_for(c))))
                    for c in ("coffee", "corn", "crude", "sugar")]
