"""The daily summary in alert_sensor's tick, from real daily_report materialization events."""

import json
from pathlib import Path

import dagster as dg
import pytest
from dagster import AssetExecutionContext
from dagster._core.definitions.sensor_definition import SensorExecutionData

from trading_platform.defs.ops.alerts import AlertCursor, alert_sensor
from trading_platform.defs.ops.daily_summary import collect_summaries, headline
from trading_platform.settings import ALERT_WEBHOOK_ENV, DATA_DIR_ENV, NOTIFICATIONS_ENV
from trading_platform_tests.resources.test_alerts import WebhookServer

SLACK_ENV = "TEST_SLACK_WEBHOOK"


@dg.asset(name="daily_report", partitions_def=dg.DailyPartitionsDefinition("2026-11-01"))
def report_stand_in(context: AssetExecutionContext) -> dg.MaterializeResult:
    """A stand-in with daily_report's metadata keys, plus two a futures section may add."""
    day = context.partition_key
    return dg.MaterializeResult(metadata={
        "commodities": 6, "missing": dg.MetadataValue.json([]), "halted": 1, "blocked": 0,
        "actionable": 5, "futures_status": "trading", "futures_value": 1_012_345.5,
        "summary": dg.MetadataValue.md("| commodity | status |\n|---|---|"),
        "report": dg.MetadataValue.path(f"/data/reports/{day}/report.html")})


@pytest.fixture()
def alerts_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "notifications.yaml"
    config.write_text(f"channels:\n  - {{name: desk-chat, kind: slack, url_env: {SLACK_ENV}, "
                      "min_severity: ERROR, messages: [alerts, summary]}\n")
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.setenv(NOTIFICATIONS_ENV, str(config))
    monkeypatch.delenv(SLACK_ENV, raising=False)
    return tmp_path / "data" / "alerts"


def report(instance: dg.DagsterInstance, *days: str) -> None:
    for day in days:
        assert dg.materialize([report_stand_in], partition_key=day, instance=instance).success


def tick(instance: dg.DagsterInstance, cursor: str | None) -> SensorExecutionData:
    return alert_sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=cursor))


def summaries(alerts_dir: Path) -> list[dict]:
    lines = (alerts_dir / "alerts.jsonl").read_text().splitlines()
    return [entry for entry in map(json.loads, lines) if entry["kind"] == "summary"]


def test_alert_sensor_given_cursor_without_summary_field_sends_only_the_newest_day(
    instance, alerts_dir, monkeypatch
):
    report(instance, "2026-12-01", "2026-11-27", "2026-11-30")  # newest day is not newest run
    with WebhookServer() as chat:
        monkeypatch.setenv(SLACK_ENV, chat.url)
        result = tick(instance, '{"check": 0, "run": 0}')  # a cursor from before summaries
    [summary] = summaries(alerts_dir)
    assert summary["id"] == "summary:2026-12-01" and summary["severity"] == "INFO"
    assert summary["evidence"] == {
        # every scalar headline key, generically, in the asset's order; no JSON, md or path
        "headline": {"commodities": 6, "halted": 1, "blocked": 0, "actionable": 5,
                     "futures_status": "trading", "futures_value": 1012345.5},
        "report": "/data/reports/2026-12-01/report.html"}
    [payload] = chat.received
    assert payload["text"] == ("[INFO] daily report 2026-12-01: commodities 6, halted 1, "
                               "blocked 0, actionable 5, futures_status trading, "
                               "futures_value 1,012,345.50")
    assert payload["blocks"][-1]["elements"][0]["text"] == (
        "report: /data/reports/2026-12-01/report.html")
    assert "1 daily summary message(s)" in (result.skip_message or "")
    assert "desk-chat: 1 delivered, 0 pending" in (result.skip_message or "")
    assert AlertCursor.parse(result.cursor).summary is not None


def test_alert_sensor_given_new_and_repeated_days_sends_one_summary_per_date(
    instance, alerts_dir, monkeypatch
):
    with WebhookServer() as chat:
        monkeypatch.setenv(SLACK_ENV, chat.url)
        first = tick(instance, None)  # no report yet: nothing of history to skip
        report(instance, "2026-12-01", "2026-12-02")
        second = tick(instance, first.cursor)
        report(instance, "2026-12-02")  # re-materialized: the same day's message, not resent
        third = tick(instance, second.cursor)
    assert AlertCursor.parse(first.cursor).summary == 0
    assert [s["id"] for s in summaries(alerts_dir)] == ["summary:2026-12-01", "summary:2026-12-02"]
    assert [p["text"][:30] for p in chat.received] == [
        "[INFO] daily report 2026-12-01", "[INFO] daily report 2026-12-02"]
    assert "0 daily summary message(s)" in (third.skip_message or "")
    assert AlertCursor.parse(third.cursor).summary > AlertCursor.parse(second.cursor).summary


def test_alert_sensor_given_unset_channel_variables_logs_summary_and_says_disabled(
    instance, alerts_dir, monkeypatch
):
    monkeypatch.delenv(NOTIFICATIONS_ENV)  # the bundled config: webhook and slack, both unset
    monkeypatch.delenv(ALERT_WEBHOOK_ENV, raising=False)
    monkeypatch.delenv("TRADING_PLATFORM_SLACK_WEBHOOK", raising=False)
    report(instance, "2026-12-01")
    result = tick(instance, None)
    assert [s["id"] for s in summaries(alerts_dir)] == ["summary:2026-12-01"]  # never lost
    assert (result.skip_message or "").endswith(
        "; no webhook configured (TRADING_PLATFORM_ALERT_WEBHOOK unset)"
        "; no slack configured (TRADING_PLATFORM_SLACK_WEBHOOK unset)")


def test_collect_summaries_given_batches_of_one_reads_each_day_once(instance):
    report(instance, "2026-12-01", "2026-12-02", "2026-12-03")
    cursor, ids = 0, []
    for _ in range(5):
        alerts, cursor = collect_summaries(instance, cursor, limit=1)
        ids += [alert.id for alert in alerts]
    assert ids == ["summary:2026-12-01", "summary:2026-12-02", "summary:2026-12-03"]


def test_headline_given_long_text_and_non_scalars_keeps_only_short_scalars():
    metadata = {"note": dg.MetadataValue.text("x" * 201), "ok": dg.MetadataValue.bool(True),
                "table": dg.MetadataValue.json({"a": 1}), "report": dg.MetadataValue.path("/r")}
    assert headline(metadata) == {"ok": True}


def test_alert_cursor_given_old_and_new_forms_round_trips():
    assert AlertCursor.parse('{"check": 3, "run": 4}') == AlertCursor(3, 4, None)
    assert AlertCursor.parse(AlertCursor(3, 4, 9).to_json()) == AlertCursor(3, 4, 9)
    assert AlertCursor(3, 4).to_json() == '{"check": 3, "run": 4}'
