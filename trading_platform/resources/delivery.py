"""One channel's delivery queue: a JSON file of alerts not yet sent, retried until they are.

The queue is replaced atomically on every change (``resources.atomic_files``), so a crash
leaves the old queue or the new one, never half; it is keyed by alert id, so queueing an alert
twice keeps one entry. A pass sends oldest first, each alert up to ``DeliveryPolicy.max_attempts``
times; the first alert that still fails ends the pass (the endpoint is likely down) and keeps
its attempt count and last error for the next tick. Delivery is at least once: a send that
succeeded just before a crash is repeated.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import logging
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trading_platform.domain.alerts import Alert, json_safe
from trading_platform.resources.atomic_files import write_atomically

logger = logging.getLogger(__name__)

Send = Callable[[Alert, float], None]  # send one alert within a timeout (s) or raise


@dataclass(frozen=True)
class DeliveryPolicy:
    """Bounded retries inside one tick; what is still undelivered waits for the next tick."""

    max_attempts: int = 3
    backoff_s: tuple[float, ...] = (0.2, 0.5)  # pause before attempt 2, 3, ... (last repeats)
    timeout_s: float = 5.0  # per send
    tick_budget_s: float = 20.0  # one channel's deliveries in one tick (channels run side by
    # side), well inside Dagster's 60 s tick

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
    """A send that did not succeed: a non-2xx answer, a refused connection, a timeout."""


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
    """An alert waiting for its channel, with what happened on earlier attempts."""

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


class DeliveryQueue:
    """The pending alerts of one channel, in ``path`` (one writer at a time)."""

    def __init__(self, path: Path, channel: str) -> None:
        self.path = Path(path)
        self.channel = channel

    def pending(self) -> list[PendingDelivery]:
        if not self.path.exists():
            return []
        data = json.loads(self.path.read_text(encoding="utf-8"))
        return [PendingDelivery.from_dict(entry) for entry in data["pending"]]

    def enqueue(self, alerts: Iterable[Alert]) -> int:
        """Queue the alerts not queued yet (by id); returns how many were added."""
        queue = self.pending()
        queued = {entry.alert.id for entry in queue}
        added: list[PendingDelivery] = []
        for alert in alerts:
            if alert.id not in queued:
                queued.add(alert.id)
                added.append(PendingDelivery(alert))
        if added:
            self._save(queue + added)
        return len(added)

    def deliver(self, send: Send, policy: DeliveryPolicy | None = None) -> DeliveryReport:
        """Send pending alerts oldest first, each up to ``policy.max_attempts`` times.

        The first alert that still fails ends the pass (the endpoint is likely down; the rest
        wait), as does the tick budget. Failures are logged and kept with their attempt count.
        """
        policy = policy or DeliveryPolicy()
        queue = self.pending()
        deadline = time.monotonic() + policy.tick_budget_s
        delivered: list[str] = []
        while queue:
            entry = queue[0]
            error, tries = _attempt(entry.alert, send, policy, deadline, self.channel)
            if error is None:
                delivered.append(entry.alert.id)
                queue.pop(0)
                self._save(queue)
                continue
            if tries:
                entry = dataclasses.replace(entry, attempts=entry.attempts + tries,
                                            last_error=error, last_attempt_at=time.time())
                queue[0] = entry
                self._save(queue)
            logger.warning("alert %s not delivered to %s (%d attempt(s) so far): %s; kept in %s "
                           "for the next tick", entry.alert.id, self.channel, entry.attempts,
                           error, self.path)
            return DeliveryReport(tuple(delivered), len(queue), error)
        return DeliveryReport(tuple(delivered), 0)

    def _save(self, queue: list[PendingDelivery]) -> None:
        text = json.dumps({"pending": [entry.to_dict() for entry in queue]}, allow_nan=False)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, text.encode("utf-8"))


def _attempt(
    alert: Alert, send: Send, policy: DeliveryPolicy, deadline: float, channel: str
) -> tuple[str | None, int]:
    """Try to send one alert; return (last error or None when delivered, attempts made)."""
    error = "tick delivery budget spent before the first attempt"
    for attempt in range(1, policy.max_attempts + 1):
        pause = policy.pause_before(attempt)
        if time.monotonic() + pause >= deadline:
            return error, attempt - 1
        time.sleep(pause)
        try:
            send(alert, max(0.05, min(policy.timeout_s, deadline - time.monotonic())))
            return None, attempt
        except DeliveryError as failure:
            error = str(failure)
            logger.info("alert %s to %s: attempt %d/%d failed: %s", alert.id, channel, attempt,
                        policy.max_attempts, error)
    return error, policy.max_attempts
