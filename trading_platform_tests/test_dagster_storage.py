"""The batching event log storage records the same facts as Dagster's stock SQLite storage,
and commits every single event on its pooled connection."""

import datetime as dt
import subprocess
import sys

import dagster as dg
import pytest

from trading_platform.defs.partitions import PartitionSlice
from trading_platform.defs.universe import MARKET_PARTITIONS

SLICE = PartitionSlice(("coffee", "corn", "crude"), dt.date(2024, 1, 1), dt.date(2024, 3, 29))


@dg.asset(partitions_def=MARKET_PARTITIONS, backfill_policy=dg.BackfillPolicy.single_run(),
          check_specs=[dg.AssetCheckSpec("rows_positive", asset="prices")])
def prices(context: dg.AssetExecutionContext):
    yield dg.AssetCheckResult(check_name="rows_positive", passed=True)
    yield dg.MaterializeResult(metadata={"keys": len(context.partition_keys)})


def _record_run(tmp_path, monkeypatch, storage: str) -> dict:
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "1000")
    monkeypatch.setenv("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "true")
    overrides = {}
    if storage == "batching":
        overrides["event_log_storage"] = {
            "module": "trading_platform.dagster_storage",
            "class": "BatchingSqliteEventLogStorage",
            "config": {"base_dir": str(tmp_path / "events")},
        }
    home = tmp_path / storage
    home.mkdir()
    with dg.instance_for_test(overrides=overrides, temp_dir=str(home)) as instance:
        result = dg.materialize([prices], instance=instance, tags=SLICE.range_tags)
        assert result.success
        latest = instance.get_latest_materialization_event(dg.AssetKey("prices"))
        checks = result.get_asset_check_evaluations()
        return {
            "storage": type(instance.event_log_storage).__name__,
            "partitions": instance.get_materialized_partitions(dg.AssetKey("prices")),
            "latest_run": latest.run_id if latest else None,
            "run_id": result.run_id,
            "checks": [(c.check_name, c.passed) for c in checks],
        }


@pytest.mark.parametrize("storage", ["stock", "batching"])
def test_event_log_given_single_run_backfill_records_every_partition(tmp_path, monkeypatch,
                                                                     storage):
    facts = _record_run(tmp_path, monkeypatch, storage)
    if storage == "batching":
        assert facts["storage"] == "BatchingSqliteEventLogStorage"
    # 3 commodities x 65 weekdays in 2024-01-01..2024-03-29
    assert len(facts["partitions"]) == 3 * 65
    assert "crude|2024-03-29" in facts["partitions"]
    assert "wheat|2024-01-02" not in facts["partitions"]
    assert facts["latest_run"] == facts["run_id"]
    assert facts["checks"] == [("rows_positive", True)]


COUNT_EVENTS = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
print(connection.execute("select count(*) from event_logs where run_id = ?",
                         (sys.argv[2],)).fetchone()[0], flush=True)
"""


def test_event_log_given_single_events_commits_each_on_the_pooled_connection(tmp_path):
    # No DAGSTER_EVENT_BATCH_SIZE: every event is stored on its own, on one pooled connection
    # that stays open; each must be committed, so another process sees them all at once.
    events = tmp_path / "events"
    overrides = {"event_log_storage": {"module": "trading_platform.dagster_storage",
                                       "class": "BatchingSqliteEventLogStorage",
                                       "config": {"base_dir": str(events)}}}
    (tmp_path / "home").mkdir()
    with dg.instance_for_test(overrides=overrides, temp_dir=str(tmp_path / "home")) as instance:
        result = dg.materialize([prices], instance=instance, partition_key="coffee|2024-01-02")
        assert result.success
        stored = len(instance.all_logs(result.run_id))
        seen = subprocess.run([sys.executable, "-c", COUNT_EVENTS, str(events / "event_log.db"),
                               result.run_id], capture_output=True, text=True, check=True,
                              timeout=60)
        assert stored > 10 and int(seen.stdout) == stored
        storage = instance.event_log_storage
        assert storage._engine_by_pid is not None  # the pool is open while the instance is
    assert storage._engine_by_pid is None  # and closed with it
