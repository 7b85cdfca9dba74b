"""Alerts: an append-only JSONL log plus one delivery queue per channel, surviving restarts.

Files in the alerts folder (``settings.paths().alerts``):

    alerts.jsonl          every alert ever raised, one JSON object per line, appended, never
                          rewritten
    alerts.idx            "<end byte offset in alerts.jsonl> <alert id>" per line: the id index,
                          so a restart knows what was written without parsing the whole log
    pending.json          alerts not yet delivered to the ``webhook`` channel (the name the
                          single-webhook version used, so its waiting alerts still go out)
    pending.<name>.json   the same for every other channel (``resources.delivery``)

An alert id names one evaluation (``check:<event storage id>``, ``run:<run id>``,
``summary:<date>``), so recording the same evaluation twice writes one line and queues it once
per channel. The log is written before the index: after a crash between the two, the next load
indexes the unindexed tail of the log. Delivery is at-least-once: a send that succeeded just
before a crash is repeated, and receivers can de-duplicate on the ``id`` field (also sent as the
``Idempotency-Key`` header of the JSON webhook). One process writes a folder at a time (Dagster
runs a sensor's ticks one after another).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from trading_platform.domain.alerts import KINDS, SEVERITIES, Alert, json_safe
from trading_platform.resources.delivery import (
    DeliveryError,
    DeliveryPolicy,
    DeliveryQueue,
    DeliveryReport,
    PendingDelivery,
    post_json,
)

__all__ = ["KINDS", "SEVERITIES", "Alert", "AlertLog", "DeliveryError", "DeliveryPolicy",
           "DeliveryQueue", "DeliveryReport", "PendingDelivery", "Route", "json_safe",
           "post_json"]

logger = logging.getLogger(__name__)

DEFAULT_CHANNEL = "webhook"
Post = Callable[[Mapping[str, Any], float], None]  # the JSON webhook's form: the alert as a dict
Route = Callable[[Alert], bool]  # whether a channel takes an alert


def _fsync_write(path: Path, mode: str, text: str) -> None:
    with path.open(mode, encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


class AlertLog:
    """The alerts folder: idempotent append to alerts.jsonl and a delivery queue per channel."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.log_path = self.folder / "alerts.jsonl"
        self.index_path = self.folder / "alerts.idx"
        self.pending_path = self.queue(DEFAULT_CHANNEL).path
        self._ids: set[str] | None = None
        self._indexed_to = 0  # byte offset in alerts.jsonl the index covers

    def known_ids(self) -> set[str]:
        """Ids already in alerts.jsonl (loads the index once, then indexes any unindexed tail)."""
        if self._ids is None:
            self._ids, self._indexed_to = self._read_index()
            self._index_tail()
        return set(self._ids)

    def queue(self, channel: str) -> DeliveryQueue:
        """The delivery queue of ``channel`` (a config channel name: ``[a-z][a-z0-9_-]*``)."""
        name = "pending.json" if channel == DEFAULT_CHANNEL else f"pending.{channel}.json"
        return DeliveryQueue(self.folder / name, channel)

    def record(self, alerts: Iterable[Alert], *, enqueue: bool = False,
               routes: Mapping[str, Route] | None = None) -> list[Alert]:
        """Append alerts whose id is new and queue each for every channel whose route takes it.

        ``enqueue=True`` is the single-channel form: every new alert for the ``webhook``
        channel. Returns the alerts written. Queued before logged, and nothing is sent until
        both are done: a crash in between is repaired by the next call with the same alerts
        (queues are keyed by id, the log skips known ids), and an alert is on disk in
        alerts.jsonl before any channel sends it.
        """
        known = self.known_ids()
        fresh: dict[str, Alert] = {}
        for alert in alerts:
            if alert.id not in known:
                fresh.setdefault(alert.id, alert)
        if not fresh:
            return []
        self.folder.mkdir(parents=True, exist_ok=True)
        routes = dict(routes or {})
        if enqueue:
            routes.setdefault(DEFAULT_CHANNEL, lambda alert: True)
        for channel, takes in routes.items():
            self.queue(channel).enqueue(alert for alert in fresh.values() if takes(alert))
        self._append(list(fresh.values()))
        return list(fresh.values())

    def pending(self, channel: str = DEFAULT_CHANNEL) -> list[PendingDelivery]:
        return self.queue(channel).pending()

    def deliver_pending(self, post: Post, policy: DeliveryPolicy | None = None) -> DeliveryReport:
        """POST the ``webhook`` channel's pending alerts as JSON (``DeliveryQueue.deliver``)."""
        return self.queue(DEFAULT_CHANNEL).deliver(
            lambda alert, timeout: post(alert.to_dict(), timeout), policy)

    def _read_index(self) -> tuple[set[str], int]:
        ids: set[str] = set()
        offset = 0
        if self.index_path.exists():
            for line in self.index_path.read_text(encoding="utf-8").splitlines():
                end, _, alert_id = line.partition(" ")
                offset = max(offset, int(end))
                if alert_id:  # an empty id marks a log line that is not an alert
                    ids.add(alert_id)
        size = self.log_path.stat().st_size if self.log_path.exists() else 0
        if size < offset:  # the log was replaced behind our back: re-index it from the start
            self.index_path.unlink()
            return set(), 0
        return ids, offset

    def _index_tail(self) -> None:
        """Index complete lines after ``_indexed_to`` (written before a crash hit the index)."""
        if not self.log_path.exists():
            return
        with self.log_path.open("rb") as handle:
            handle.seek(self._indexed_to)
            tail = handle.read()
        entries: list[tuple[int, str]] = []
        position = self._indexed_to
        for raw in tail.splitlines(keepends=True):
            if not raw.endswith(b"\n"):
                break  # a torn last line: not an alert; the next append starts a new line
            position += len(raw)
            try:
                entries.append((position, str(json.loads(raw)["id"])))
            except (ValueError, KeyError, TypeError):
                logger.warning("%s line ending at byte %d is not an alert; skipped",
                               self.log_path, position)
                entries.append((position, ""))
        self._write_index(entries)

    def _append(self, alerts: list[Alert]) -> None:
        entries: list[tuple[int, str]] = []
        with self.log_path.open("ab+") as handle:
            if handle.tell() > 0:
                handle.seek(-1, os.SEEK_END)
                if handle.read(1) != b"\n":
                    handle.write(b"\n")  # close a torn line left by a crash
            for alert in alerts:
                handle.write(alert.to_json().encode("utf-8") + b"\n")
                entries.append((handle.tell(), alert.id))
            handle.flush()
            os.fsync(handle.fileno())
        self._write_index(entries)

    def _write_index(self, entries: list[tuple[int, str]]) -> None:
        assert self._ids is not None
        if entries:
            _fsync_write(self.index_path, "a", "".join(f"{end} {i}\n" for end, i in entries))
            self._ids.update(alert_id for _, alert_id in entries if alert_id)
            self._indexed_to = entries[-1][0]
