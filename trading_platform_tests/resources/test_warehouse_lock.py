"""A reader waits for another process's DuckDB lock instead of failing at once."""

import subprocess
import sys
import time

import duckdb
import pytest

from trading_platform.resources.warehouse import Warehouse, _connect_when_free

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
