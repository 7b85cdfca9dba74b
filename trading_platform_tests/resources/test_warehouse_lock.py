"""A reader waits for another process's DuckDB lock instead of failing at once; a file held
open (``held_open``) serves the warehouse and the IO manager alike, then lets go."""

import subprocess
import sys
import time

import dagster as dg
import duckdb
import polars as pl
import pytest

from trading_platform.resources.warehouse import Warehouse, _connect_when_free, held_open
from trading_platform.resources.warehouse_io import WarehouseIOManager

HOLD_LOCK = """
import sys, time, duckdb
connection = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.close()
"""


def _hold_lock(database: str, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, database, str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_warehouse_given_another_process_writing_waits_then_reads(tmp_path):
    database = str(tmp_path / "w.duckdb")
    duckdb.connect(database).close()
    holder = _hold_lock(database, 1.5)
    began = time.monotonic()
    assert Warehouse(database=database).read_features("coffee").is_empty()
    assert time.monotonic() - began >= 0.5  # it did wait for the holder
    holder.wait(timeout=10)


def test_connect_given_lock_held_past_the_wait_raises_the_lock_error(tmp_path):
    database = str(tmp_path / "w.duckdb")
    duckdb.connect(database).close()
    holder = _hold_lock(database, 3.0)
    with pytest.raises(duckdb.IOException, match="lock"):
        _connect_when_free(database, wait_s=0.3)
    holder.wait(timeout=10)


READ_ROWS = """
import sys, duckdb
connection = duckdb.connect(sys.argv[1])
print(connection.execute("select count(*) from test.held").fetchall()[0][0], flush=True)
connection.close()
"""


def test_held_open_given_warehouse_and_io_manager_queries_shares_the_file_then_releases(
        tmp_path):
    database = str(tmp_path / "w.duckdb")

    @dg.asset(metadata={"schema": "test"})
    def held() -> pl.DataFrame:
        # the warehouse resource's read inside the same run, beside the IO manager's write
        assert Warehouse(database=database).read_where("test.held").is_empty()
        return pl.DataFrame({"value": [1.0, 2.0, 3.0]})

    with held_open(database):
        result = dg.materialize([held], resources={
            "io_manager": WarehouseIOManager(database=database)})
        assert result.success
        # another process cannot open the file while this one holds it
        blocked = subprocess.run([sys.executable, "-c", READ_ROWS, database],
                                 capture_output=True, text=True, timeout=60)
        assert blocked.returncode != 0 and "lock" in blocked.stderr.lower()
    # released and written through: another process reads the three rows
    after = subprocess.run([sys.executable, "-c", READ_ROWS, database], capture_output=True,
                           text=True, timeout=60)
    assert after.stdout.strip() == "3", after.stderr


def test_held_open_given_file_busy_past_its_wait_runs_the_block_unheld(tmp_path):
    database = str(tmp_path / "w.duckdb")
    duckdb.connect(database).close()
    holder = _hold_lock(database, 1.5)
    # the run goes on without holding (no new failure); its queries wait for the lock as ever
    with held_open(database, wait_s=0.2) as held:
        assert held is False
        assert Warehouse(database=database).read_features("coffee").is_empty()
    holder.wait(timeout=10)
    with held_open(database, wait_s=0.2) as held:
        assert held is True
