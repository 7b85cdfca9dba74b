"""alert_sensor: failed asset checks (ERROR and WARN), failed runs and the daily summary, logged
and sent to the notification channels.

Each tick reads the event log after its cursor (JSON ``{"check": storage id, "run": storage id,
"summary": storage id}``; check and run start at 0 on the first tick, so history is alerted
once), turns every failed ASSET_CHECK_EVALUATION and every RUN_FAILURE into an ``Alert`` and
every ``daily_report`` materialization into the day's summary (a cursor without ``summary``,
from before summaries or a first tick, summarises only the newest day). It appends the new ones
to ``alerts/alerts.jsonl`` and queues them for each enabled channel of
``config/notifications.yaml`` that takes them, then gives every enabled channel a delivery
pass: pending deliveries are retried on every tick, also when nothing new happened. The cursor
moves only after the alerts are on disk; a tick that dies earlier is repeated, and the log skips
ids it already holds. Reading events across all runs needs a non-run-sharded event log storage
(the consolidated SQLite storage of dagster.yaml, or Postgres).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.event_api import EventRecordsFilter, RunStatusChangeRecordsFilter
from dagster._core.events import DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.dagster_run import DagsterRun
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)
from dagster._utils.error import SerializableErrorInfo

from trading_platform.config.notifications import Notifications, load_notifications
from trading_platform.defs.ops.daily_summary import collect_summaries
from trading_platform.domain.alerts import Alert, alert_time, json_safe
from trading_platform.resources.alerts import AlertLog
from trading_platform.resources.delivery import DeliveryPolicy, DeliveryReport
from trading_platform.resources.notifications import Channels, Lookup, notify, open_channels
from trading_platform.settings import environment_value, notifications_path, paths

BATCH_SIZE = 500  # event records read per kind and tick; the rest waits for the next tick
MAX_STEP_ERRORS = 5


@dataclass(frozen=True)
class AlertCursor:
    """The last event storage id processed, per kind of event (``summary`` None: never read)."""

    check: int = 0
    run: int = 0
    summary: int | None = None

    @classmethod
    def parse(cls, raw: str | None) -> AlertCursor:
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
            summary = data.get("summary")
            return cls(check=int(data.get("check", 0)), run=int(data.get("run", 0)),
                       summary=None if summary is None else int(summary))
        except (ValueError, TypeError, AttributeError) as error:
            raise ValueError(
                f"alert_sensor cursor {raw!r} is not {{\"check\": int, \"run\": int, "
                "\"summary\": int}; reset the sensor's cursor in the UI to start over"
            ) from error

    def to_json(self) -> str:
        data = {"check": self.check, "run": self.run}
        return json.dumps(data if self.summary is None else {**data, "summary": self.summary})


@dataclass(frozen=True)
class TickOutcome:
    """What one tick did, for the sensor's cursor and its skip message."""

    cursor: AlertCursor
    written: tuple[Alert, ...]
    deliveries: dict[str, DeliveryReport]
    channels: Channels

    def summary(self) -> str:
        kinds = [alert.kind for alert in self.written]
        parts = [f"{kinds.count('summary')} daily summary message(s), "
                 f"{kinds.count('check')} check alert(s), {kinds.count('run')} run alert(s) "
                 "written"]
        for name in self.channels.order:
            if name in self.deliveries:
                report = self.deliveries[name]
                parts.append(f"{name}: {len(report.delivered)} delivered, "
                             f"{report.pending} pending")
            else:
                unset = ", ".join(self.channels.disabled.get(name, ()))
                parts.append(f"no {name} configured ({unset} unset)")
        if not self.channels.order:
            parts.append("no notification channel configured")
        return "; ".join(parts)


def collect_alerts(
    instance: dg.DagsterInstance, cursor: AlertCursor, limit: int = BATCH_SIZE
) -> tuple[list[Alert], AlertCursor]:
    """Alerts for failed checks and runs after ``cursor``, and the cursor past what was read
    (its ``summary`` field unchanged)."""
    records = instance.event_log_storage.get_event_records(
        EventRecordsFilter(DagsterEventType.ASSET_CHECK_EVALUATION, after_cursor=cursor.check),
        limit=limit, ascending=True,
    )
    runs = _Runs(instance)
    alerts = [
        _check_alert(record.storage_id, record.event_log_entry, runs)
        for record in records
        if not _evaluation(record.event_log_entry).passed
    ]
    failures = instance.fetch_run_status_changes(
        RunStatusChangeRecordsFilter(DagsterEventType.RUN_FAILURE, after_storage_id=cursor.run),
        limit=limit, ascending=True,
    ).records
    alerts += [_run_alert(instance, record.event_log_entry, runs) for record in failures]
    next_cursor = dataclasses.replace(
        cursor, check=records[-1].storage_id if records else cursor.check,
        run=failures[-1].storage_id if failures else cursor.run,
    )
    return alerts, next_cursor


def process_alerts(
    instance: dg.DagsterInstance, cursor: str | None, folder: Path, config: Notifications,
    lookup: Lookup, policy: DeliveryPolicy | None = None,
) -> TickOutcome:
    """One tick: collect alerts and summaries, record and queue them, deliver what waits."""
    parsed = AlertCursor.parse(cursor)
    alerts, next_cursor = collect_alerts(instance, parsed)
    summaries, summary_cursor = collect_summaries(instance, parsed.summary, BATCH_SIZE)
    channels = open_channels(config, lookup)
    outcome = notify(AlertLog(folder), [*alerts, *summaries], channels, policy)
    return TickOutcome(dataclasses.replace(next_cursor, summary=summary_cursor),
                       outcome.written, outcome.deliveries, channels)


@dg.sensor(minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING)
def alert_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Append failed asset checks, failed runs and each day's report summary to alerts.jsonl
    and send them to the notification channels."""
    outcome = process_alerts(context.instance, context.cursor, paths().alerts,
                             load_notifications(notifications_path()), environment_value)
    for name, report in outcome.deliveries.items():
        if report.pending:
            context.log.warning(f"{report.pending} alert(s) wait for channel {name}: "
                                f"{report.last_error}")
    return dg.SensorResult(cursor=outcome.cursor.to_json(), skip_reason=outcome.summary())


class _Runs:
    """Runs by id, fetched once per tick (a range run's partitions live in its tags)."""

    def __init__(self, instance: dg.DagsterInstance) -> None:
        self._instance = instance
        self._runs: dict[str, DagsterRun | None] = {}

    def get(self, run_id: str) -> DagsterRun | None:
        if run_id not in self._runs:
            self._runs[run_id] = self._instance.get_run_by_id(run_id)
        return self._runs[run_id]

    def tags(self, run_id: str) -> Mapping[str, str]:
        run = self.get(run_id)
        return run.tags if run is not None else {}


def _evaluation(entry: EventLogEntry) -> dg.AssetCheckEvaluation:
    assert entry.dagster_event is not None
    return entry.dagster_event.event_specific_data  # type: ignore[return-value]


def _check_alert(storage_id: int, entry: EventLogEntry, runs: _Runs) -> Alert:
    evaluation = _evaluation(entry)
    asset = evaluation.asset_key.to_user_string()
    return Alert(
        id=f"check:{storage_id}",
        time=alert_time(entry.timestamp),
        severity=evaluation.severity.value,
        kind="check",
        asset=asset,
        partition=evaluation.partition or _partition(runs.tags(entry.run_id)),
        check=evaluation.check_name,
        run_id=entry.run_id,
        message=evaluation.description or f"check {asset}.{evaluation.check_name} failed",
        evidence=metadata_to_json(evaluation.metadata),
    )


def _run_alert(instance: dg.DagsterInstance, entry: EventLogEntry, runs: _Runs) -> Alert:
    run = runs.get(entry.run_id)
    steps = _step_errors(instance, entry.run_id)
    event = entry.dagster_event
    message = (event.message if event else None) or f"run {entry.run_id} failed"
    failure = event.job_failure_data if event else None
    reason = failure.failure_reason.value if failure and failure.failure_reason else None
    if steps:
        message = f"{message} First error: {steps[0]['step']}: {steps[0]['error']}"
    assets = sorted(key.to_user_string() for key in (run.asset_selection or ())) if run else []
    return Alert(
        id=f"run:{entry.run_id}",
        time=alert_time(entry.timestamp),
        severity="ERROR",
        kind="run",
        asset=", ".join(assets) or None,
        partition=_partition(runs.tags(entry.run_id)),
        check=None,
        run_id=entry.run_id,
        message=message,
        evidence={"job": run.job_name if run else None, "failure_reason": reason,
                  "failed_steps": steps},
    )


def _step_errors(instance: dg.DagsterInstance, run_id: str) -> list[dict[str, str]]:
    records = instance.get_records_for_run(
        run_id, of_type=DagsterEventType.STEP_FAILURE, limit=MAX_STEP_ERRORS
    ).records
    errors = []
    for record in records:
        event = record.event_log_entry.dagster_event
        if event is None:
            continue
        data = event.step_failure_data
        described = data.user_failure_data.description if data.user_failure_data else None
        errors.append({"step": event.step_key or "?",
                       "error": described or _root_error(data.error)})
    return errors


def _root_error(error: SerializableErrorInfo | None) -> str:
    """The innermost cause's message: the user's exception, not Dagster's wrapper."""
    if error is None:
        return "no error recorded"
    while error.cause is not None:
        error = error.cause
    return error.message.strip()


def _partition(tags: Mapping[str, str]) -> str | None:
    if PARTITION_NAME_TAG in tags:
        return tags[PARTITION_NAME_TAG]
    start, end = tags.get(ASSET_PARTITION_RANGE_START_TAG), tags.get(ASSET_PARTITION_RANGE_END_TAG)
    if start and end:
        return start if start == end else f"{start}...{end}"
    return None


def metadata_to_json(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Check metadata (Dagster MetadataValues) as plain JSON data: the alert's evidence."""
    return {key: json_safe(getattr(value, "value", value)) for key, value in metadata.items()}
