"""alert_sensor over real check evaluations and a failed run, delivering to a local webhook."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from trading_platform.defs.ops.alerts import AlertCursor, alert_sensor, collect_alerts
from trading_platform.resources.alerts import AlertLog
from trading_platform.settings import ALERT_WEBHOOK_ENV, DATA_DIR_ENV
from trading_platform_tests.defs.conftest import january
from trading_platform_tests.resources.test_alerts import WebhookServer, free_port

# Day 3 closes above its high, day 4 trades no volume, day 5 jumps 102 -> 250 (log return 0.90).
VENDOR_FILE = """date,open,high,low,close,volume
2024-01-02,100,102,99,101,1000
2024-01-03,101,102,99,103,1000
2024-01-04,101,103,99,102,0
2024-01-05,102,300,101,250,1000
"""
TINY = dg.AssetKey("tiny_prices")


@dg.asset(
    partitions_def=dg.StaticPartitionsDefinition(["coffee", "sugar"]),
    check_specs=[dg.AssetCheckSpec("rows_positive", asset=TINY),
                 dg.AssetCheckSpec("has_no_gaps", asset=TINY)],
)
def tiny_prices():
    """A stand-in asset whose first check fails with ERROR and second passes."""
    yield dg.Output(1)
    yield dg.AssetCheckResult(check_name="rows_positive", passed=False,
                              severity=dg.AssetCheckSeverity.ERROR, description="0 rows stored",
                              metadata={"observed": 0, "threshold": 1})
    yield dg.AssetCheckResult(check_name="has_no_gaps", passed=True, metadata={"gaps": 0})


@dg.asset(check_specs=[dg.AssetCheckSpec("always_fine", asset="healthy_prices")])
def healthy_prices():
    """A stand-in asset whose only check passes."""
    yield dg.Output(1)
    yield dg.AssetCheckResult(check_name="always_fine", passed=True)


@dg.asset
def broken_prices() -> None:
    """A stand-in asset whose run fails."""
    raise ValueError("vendor feed answered HTTP 502")


@pytest.fixture()
def alerts_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.delenv(ALERT_WEBHOOK_ENV, raising=False)
    return tmp_path / "data" / "alerts"


def fail_tiny_and_broken(instance: dg.DagsterInstance) -> str:
    """One ERROR check failure (partition sugar) and one failed run; returns the failed run id."""
    assert dg.materialize([tiny_prices], partition_key="sugar", instance=instance).success
    failed = dg.materialize([broken_prices], instance=instance, raise_on_error=False)
    assert not failed.success
    return failed.run_id


def tick(instance: dg.DagsterInstance, cursor: str | None) -> dg.SensorExecutionData:
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    return alert_sensor.evaluate_tick(context)


def logged(alerts_dir: Path) -> list[dict[str, Any]]:
    path = alerts_dir / "alerts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_alert_sensor_given_failed_checks_and_run_writes_and_posts_each_once(
    harness, tmp_path, alerts_dir, monkeypatch
):
    vendor = tmp_path / "coffee_38.csv"
    vendor.write_text(VENDOR_FILE)

    market = harness.run(january("coffee"), files=[vendor], selection=["market_data"])
    assert market.success  # WARN failures never block
    run_id = fail_tiny_and_broken(harness.instance)
    with WebhookServer() as server:
        monkeypatch.setenv(ALERT_WEBHOOK_ENV, server.url)
        first = tick(harness.instance, None)
        lines = logged(alerts_dir)
        assert server.received == lines  # the webhook got exactly what the log holds
        second = tick(harness.instance, first.cursor)
        replay = tick(harness.instance, None)  # a lost cursor replays history: still no duplicate
    assert logged(alerts_dir) == lines and len(server.received) == len(lines)
    assert second.cursor == first.cursor == replay.cursor
    assert "0 check alert(s), 0 run alert(s) written" in (second.skip_message or "")

    checks = {(a["asset"], a["check"], a["severity"], a["partition"]) for a in lines
              if a["kind"] == "check"}
    coffee_january = "coffee|2024-01-01...coffee|2024-01-31"
    assert checks == {
        *{("market_data", name, "WARN", coffee_january)
          for name in ("ohlc_consistent", "volume_valid", "no_spikes")},
        # A vendor directory whose data stops in 2024: stale is an ERROR there, not a WARN.
        ("market_data", "is_fresh", "ERROR", coffee_january),
        ("tiny_prices", "rows_positive", "ERROR", "sugar"),
    }
    # one line per failed evaluation, and it carries the check's own evidence
    failed = [e for e in market.get_asset_check_evaluations() if not e.passed]
    assert sum(a["asset"] == "market_data" for a in lines) == len(failed)
    spikes = next(a for a in lines if a["check"] == "no_spikes")
    assert spikes["run_id"] == market.run_id
    assert spikes["evidence"]["first_offending_rows"][0]["date"] == "2024-01-05"
    assert spikes["message"] == "1 of 4 rows break no_spikes: spike 1"
    tiny = next(a for a in lines if a["check"] == "rows_positive")
    assert tiny["evidence"] == {"observed": 0, "threshold": 1}

    [run_alert] = [a for a in lines if a["kind"] == "run"]
    assert (run_alert["id"], run_alert["run_id"], run_alert["severity"]) == (
        f"run:{run_id}", run_id, "ERROR")
    assert "vendor feed answered HTTP 502" in run_alert["message"]
    assert run_alert["evidence"]["failed_steps"] == [
        {"step": "broken_prices", "error": "ValueError: vendor feed answered HTTP 502"}]


def test_alert_sensor_given_webhook_down_keeps_pending_then_delivers_once(
    instance, alerts_dir, monkeypatch
):
    fail_tiny_and_broken(instance)
    port = free_port()
    monkeypatch.setenv(ALERT_WEBHOOK_ENV, f"http://127.0.0.1:{port}/alerts")
    first = tick(instance, None)
    assert "webhook: 0 delivered, 2 pending" in (first.skip_message or "")
    idle = tick(instance, first.cursor)  # no new events: the tick still retries delivery
    assert "0 check alert(s), 0 run alert(s) written; webhook: 0 delivered, 2 pending" in (
        idle.skip_message or "")
    assert AlertLog(alerts_dir).pending()[0].attempts == 6  # 3 per tick

    with WebhookServer(port=port) as server:
        back = tick(instance, idle.cursor)
        after = tick(instance, back.cursor)
    assert server.received == logged(alerts_dir) and len(server.received) == 2
    assert "2 delivered, 0 pending" in (back.skip_message or "")
    assert "0 delivered, 0 pending" in (after.skip_message or "")
    assert AlertLog(alerts_dir).pending() == []


def test_alert_sensor_given_passing_checks_only_writes_nothing(instance, alerts_dir):
    assert dg.materialize([healthy_prices], instance=instance).success
    result = tick(instance, None)
    assert logged(alerts_dir) == []
    assert AlertCursor.parse(result.cursor).check > 0  # the passing evaluation was consumed


def test_alert_sensor_given_no_webhook_logs_without_queueing(instance, alerts_dir):
    fail_tiny_and_broken(instance)
    result = tick(instance, None)
    assert [a["kind"] for a in logged(alerts_dir)] == ["check", "run"]
    assert AlertLog(alerts_dir).pending() == []
    assert "no webhook configured" in (result.skip_message or "")


def test_collect_alerts_given_small_batches_reads_everything_once(instance):
    fail_tiny_and_broken(instance)
    cursor, ids = AlertCursor(), []
    for _ in range(10):
        alerts, cursor = collect_alerts(instance, cursor, limit=1)
        ids += [alert.id for alert in alerts]
    assert len(ids) == len(set(ids)) == 2
    assert collect_alerts(instance, cursor) == ([], cursor)


def test_alert_cursor_given_garbage_raises_naming_the_cursor():
    with pytest.raises(ValueError, match="alert_sensor cursor 'nope'"):
        AlertCursor.parse("nope")
