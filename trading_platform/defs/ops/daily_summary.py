"""The daily summary: one message per ``daily_report`` day, from its materialization's metadata.

The headline is every scalar metadata entry of the materialization (numbers, booleans, short
text), in the order the asset wrote them, read generically: whatever figures the report
records (``commodities``, ``actionable``, ``blocked``, ``halted``, a futures book's keys) are
listed without this module naming them. Markdown, JSON and path entries are not headline; the
``report`` path entry is the summary's pointer. The id ``summary:<date>`` makes a re-materialized
day a repeat of a message already sent, which the alert log skips.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster._core.event_api import EventLogRecord, EventRecordsFilter
from dagster._core.events import DagsterEventType

from trading_platform.domain.alerts import SUMMARY_ASSET, Alert, alert_time, daily_summary

REPORT_ASSET = dg.AssetKey(SUMMARY_ASSET)
REPORT_PATH_KEY = "report"
HEADLINE_TYPES = (dg.IntMetadataValue, dg.FloatMetadataValue, dg.BoolMetadataValue,
                  dg.TextMetadataValue)
MAX_HEADLINE_TEXT = 200  # longer text is a paragraph, not a headline figure


def collect_summaries(
    instance: dg.DagsterInstance, after: int | None, limit: int
) -> tuple[list[Alert], int]:
    """Summary alerts for ``daily_report`` materializations after storage id ``after``, and the
    storage id read up to. ``after=None`` (a sensor that has never read them) summarises only
    the newest day already materialized, not every day of history."""
    if after is None:
        return _newest_summary(instance, limit)
    records = instance.event_log_storage.get_event_records(
        EventRecordsFilter(DagsterEventType.ASSET_MATERIALIZATION, asset_key=REPORT_ASSET,
                           after_cursor=after),
        limit=limit, ascending=True,
    )
    alerts = [summary_alert(record) for record in records if record.partition_key]
    return alerts, records[-1].storage_id if records else after


def _newest_summary(instance: dg.DagsterInstance, limit: int) -> tuple[list[Alert], int]:
    records = instance.event_log_storage.get_event_records(
        EventRecordsFilter(DagsterEventType.ASSET_MATERIALIZATION, asset_key=REPORT_ASSET),
        limit=limit, ascending=False,
    )
    dated = [record for record in records if record.partition_key]
    if not dated:
        return [], records[0].storage_id if records else 0
    # The latest day, and of its materializations the latest (records come newest first).
    newest = max(dated, key=lambda record: (record.partition_key, record.storage_id))
    return [summary_alert(newest)], records[0].storage_id


def summary_alert(record: EventLogRecord) -> Alert:
    """The summary of one ``daily_report`` materialization record (a partitioned one)."""
    materialization = record.asset_materialization
    assert materialization is not None and record.partition_key is not None
    metadata = materialization.metadata
    report = metadata.get(REPORT_PATH_KEY)
    return daily_summary(
        day=record.partition_key, headline=headline(metadata),
        report=str(getattr(report, "value", report)) if report is not None else None,
        run_id=record.run_id, time=alert_time(record.timestamp),
    )


def headline(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The scalar entries of a materialization's metadata, in order: its headline figures."""
    figures = {}
    for key, value in metadata.items():
        if key == REPORT_PATH_KEY or not isinstance(value, HEADLINE_TYPES):
            continue
        if isinstance(value, dg.TextMetadataValue) and len(value.value) > MAX_HEADLINE_TEXT:
            continue
        figures[key] = value.value
    return figures
