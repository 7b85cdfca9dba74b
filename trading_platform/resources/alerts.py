"""Alerts: an append-only JSONL log plus a webhook delivery queue that survives restarts.

Files in the alerts folder (``settings.paths().alerts``):

    alerts.jsonl   every alert ever raised, one JSON object per line, appended, never rewritten
    alerts.idx     "<end byte offset in alerts.jsonl> <alert id>" per line: the id index, so a
                   restart knows what was written without parsing the whole log
    pending.json   alerts not yet delivered to the webhook, with attempts and the last error

An alert id names one evaluation (``check:<event storage id>``, ``run:<run id>``), so
recording the same evaluation twice writes one line. The log is written before the index: after
a crash between the two, the next load indexes the unindexed tail of the log. Delivery is
at-least-once: a POST that succeeded just before a crash is sent again, and receivers can
de-duplicate on the ``id`` field (also sent as the ``Idempotency-Key`` header). One process
writes a folder at a time (Dagster runs a sensor's ticks one after another).
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import logging
import os
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trading_platform.domain.json_values import json_safe as to_json_safe

logger = logging.getLogger(__name__)

SEVERITIES = ("ERROR", "WARN")
KINDS = ("check", "run")
MAX_TEXT_CHARS = 10_000  # longer evidence strings (e.g. inline images) are cut to this

Post = Callable[[Mapping[str, Any], float], None]


@dataclass(frozen=True)
class Alert:
    """One failed check evaluation or failed run; ``time`` is ISO-8601 UTC of the event."""

    id: str
    time: str
    severity: str
    kind: str
    asset: str | None
    partition: str | None
    check: str | None
    run_id: str
    message: str
    evidence: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.id.strip() or "\n" in self.id:
            raise ValueError(f"alert id {self.id!r} must be non-empty and on one line")
        if self.severity not in SEVERITIES:
            raise ValueError(f"alert {self.id}: severity {self.severity!r} not in {SEVERITIES}")
        if self.kind not in KINDS:
            raise ValueError(f"alert {self.id}: kind {self.kind!r} not in {KINDS}")

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "evidence": json_safe(self.evidence)}

    def to_json(self) -> str:
        """One line of strict JSON (no NaN), keys in field order."""
        return json.dumps(self.to_dict(), allow_nan=False, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Alert:
        return cls(**{f.name: data.get(f.name) for f in dataclasses.fields(cls)})


def json_safe(value: Any) -> Any:
    """``value`` as strict-JSON evidence: non-finite floats and unknown objects become text, long
    text is cut (``domain.json_values``)."""
    return to_json_safe(value, non_finite="text", max_text=MAX_TEXT_CHARS)


@dataclass(frozen=True)
class DeliveryPolicy:
    """Bounded retries inside one tick; what is still undelivered waits for the next tick."""

    max_attempts: int = 3
    backoff_s: tuple[float, ...] = (0.2, 0.5)  # pause before attempt 2, 3, ... (last repeats)
    timeout_s: float = 5.0  # per POST
    tick_budget_s: float = 20.0  # all deliveries of one tick, well inside Dagster's 60 s tick

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1 (got {self.max_attempts})")
        if not self.backoff_s or min(self.backoff_s) < 0:
            raise ValueError(f"backoff_s must be non-empty and >= 0 (got {self.backoff_s})")
        if self.timeout_s <= 0 or self.tick_budget_s <= 0:
            raise ValueError(
                f"timeout_s and tick_budget_s must be > 0 (got {self.timeout_s}, "
                f"{self.tick_budget_s})"
            )

    def pause_before(self, attempt: int) -> float:
        """Seconds to wait before attempt number ``attempt`` (1-based)."""
        return 0.0 if attempt <= 1 else self.backoff_s[min(attempt - 2, len(self.backoff_s) - 1)]


class DeliveryError(Exception):
    """A webhook POST that did not end in a 2xx answer."""


def post_json(url: str, payload: Mapping[str, Any], timeout: float) -> None:
    """POST ``payload`` as JSON to ``url``; raise DeliveryError unless the answer is 2xx."""
    body = json.dumps(json_safe(payload), allow_nan=False).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if "id" in payload:
        headers["Idempotency-Key"] = str(payload["id"])
    try:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
    except (OSError, http.client.HTTPException, ValueError) as error:
        # HTTPError (4xx/5xx), URLError (refused, DNS), TimeoutError and a bad URL all land here.
        raise DeliveryError(f"POST {url} failed: {type(error).__name__}: {error}") from error
    if not 200 <= status < 300:
        raise DeliveryError(f"POST {url} answered HTTP {status}, expected 2xx")


@dataclass(frozen=True)
class PendingDelivery:
    """An alert waiting for the webhook, with what happened on earlier attempts."""

    alert: Alert
    attempts: int = 0
    last_error: str | None = None
    last_attempt_at: float | None = None  # epoch seconds

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "alert": self.alert.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PendingDelivery:
        return cls(**{**data, "alert": Alert.from_dict(data["alert"])})


@dataclass(frozen=True)
class DeliveryReport:
    """What one delivery pass did: ids delivered, how many still wait, the last error seen."""

    delivered: tuple[str, ...]
    pending: int
    last_error: str | None = None


def _fsync_write(path: Path, mode: str, text: str) -> None:
    with path.open(mode, encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


class AlertLog:
    """The alerts folder: idempotent append to alerts.jsonl and the webhook queue."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.log_path = self.folder / "alerts.jsonl"
        self.index_path = self.folder / "alerts.idx"
        self.pending_path = self.folder / "pending.json"
        self._ids: set[str] | None = None
        self._indexed_to = 0  # byte offset in alerts.jsonl the index covers

    def known_ids(self) -> set[str]:
        """Ids already in alerts.jsonl (loads the index once, then indexes any unindexed tail)."""
        if self._ids is None:
            self._ids, self._indexed_to = self._read_index()
            self._index_tail()
        return set(self._ids)

    def record(self, alerts: Iterable[Alert], *, enqueue: bool) -> list[Alert]:
        """Append alerts whose id is new; with ``enqueue`` also queue them for the webhook.

        Returns the alerts written. Queued before logged: a crash in between is repaired by the
        next call with the same alerts (the queue is keyed by id, the log skips known ids).
        """
        known = self.known_ids()
        fresh: dict[str, Alert] = {}
        for alert in alerts:
            if alert.id not in known:
                fresh.setdefault(alert.id, alert)
        if not fresh:
            return []
        self.folder.mkdir(parents=True, exist_ok=True)
        if enqueue:
            self._enqueue(list(fresh.values()))
        self._append(list(fresh.values()))
        return list(fresh.values())

    def pending(self) -> list[PendingDelivery]:
        if not self.pending_path.exists():
            return []
        data = json.loads(self.pending_path.read_text(encoding="utf-8"))
        return [PendingDelivery.from_dict(entry) for entry in data["pending"]]

    def deliver_pending(self, post: Post, policy: DeliveryPolicy | None = None) -> DeliveryReport:
        """POST pending alerts oldest first, each up to ``policy.max_attempts`` times.

        The first alert that still fails ends the pass (the endpoint is likely down; the rest
        wait), as does the tick budget. Failures are logged and kept with their attempt count.
        """
        policy = policy or DeliveryPolicy()
        queue = self.pending()
        deadline = time.monotonic() + policy.tick_budget_s
        delivered: list[str] = []
        while queue:
            entry = queue[0]
            error, tries = _attempt(entry.alert, post, policy, deadline)
            if error is None:
                delivered.append(entry.alert.id)
                queue.pop(0)
                self._save_pending(queue)
                continue
            if tries:
                entry = dataclasses.replace(entry, attempts=entry.attempts + tries,
                                            last_error=error, last_attempt_at=time.time())
                queue[0] = entry
                self._save_pending(queue)
            logger.warning("alert %s not delivered (%d attempt(s) so far): %s; kept in %s for "
                           "the next tick", entry.alert.id, entry.attempts, error,
                           self.pending_path)
            return DeliveryReport(tuple(delivered), len(queue), error)
        return DeliveryReport(tuple(delivered), 0)

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

    def _enqueue(self, alerts: list[Alert]) -> None:
        queue = self.pending()
        queued = {entry.alert.id for entry in queue}
        queue.extend(PendingDelivery(alert) for alert in alerts if alert.id not in queued)
        self._save_pending(queue)

    def _save_pending(self, queue: list[PendingDelivery]) -> None:
        # Replace atomically so a crash leaves either the old or the new queue, never half.
        staging = self.pending_path.with_suffix(".json.tmp")
        text = json.dumps({"pending": [entry.to_dict() for entry in queue]}, allow_nan=False)
        _fsync_write(staging, "w", text)
        os.replace(staging, self.pending_path)


def _attempt(
    alert: Alert, post: Post, policy: DeliveryPolicy, deadline: float
) -> tuple[str | None, int]:
    """Try to POST one alert; return (last error or None when delivered, attempts made)."""
    error = "tick delivery budget spent before the first attempt"
    for attempt in range(1, policy.max_attempts + 1):
        pause = policy.pause_before(attempt)
        if time.monotonic() + pause >= deadline:
            return error, attempt - 1
        time.sleep(pause)
        try:
            post(alert.to_dict(), max(0.05, min(policy.timeout_s, deadline - time.monotonic())))
            return None, attempt
        except DeliveryError as failure:
            error = str(failure)
            logger.info("alert %s attempt %d/%d failed: %s", alert.id, attempt,
                        policy.max_attempts, error)
    return error, policy.max_attempts
