"""The alert log and webhook delivery, against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import math
import socket
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from trading_platform.resources.alerts import (
    Alert,
    AlertLog,
    DeliveryError,
    DeliveryPolicy,
    json_safe,
    post_json,
)

FAST = DeliveryPolicy(max_attempts=3, backoff_s=(0.01, 0.02), timeout_s=1.0, tick_budget_s=5.0)


class WebhookServer:
    """An HTTP server on 127.0.0.1 that answers ``fail_first`` POSTs with 500, then 200.

    ``delay_s`` makes every answer that late (to trip client timeouts). Use as a context manager;
    ``received`` holds the JSON bodies of the POSTs it accepted, ``attempts`` counts all.
    """

    def __init__(self, fail_first: int = 0, delay_s: float = 0.0, port: int = 0) -> None:
        self.fail_first, self.delay_s = fail_first, delay_s
        self.received: list[dict[str, Any]] = []
        self.headers: list[Mapping[str, str]] = []
        self.attempts = 0
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.handle_error = lambda request, address: None  # client gave up: fine
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/alerts"

    def __enter__(self) -> WebhookServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook._release.wait(hook.delay_s)
                hook.attempts += 1
                accepted = hook.attempts > hook.fail_first
                if accepted:
                    hook.received.append(json.loads(body))
                    hook.headers.append(dict(self.headers))
                self.send_response(200 if accepted else 500)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (until a test starts a server there)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_alert(number: int = 1, **changes: Any) -> Alert:
    fields: dict[str, Any] = {
        "id": f"check:{number}", "time": "2026-11-21T07:00:00.000Z", "severity": "WARN",
        "kind": "check", "asset": "market_data", "partition": "coffee|2024-01-02",
        "check": "no_spikes", "run_id": "run-1", "message": "1 of 4 rows break no_spikes",
        "evidence": {"observed": 1, "threshold": 0.15},
    }
    return Alert(**(fields | changes))


def lines(log: AlertLog) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.log_path.read_text().splitlines()]


def test_alert_to_json_given_alert_writes_one_line_with_every_field():
    line = make_alert(evidence={"ratio": math.nan, "rows": (1, 2)}).to_json()
    assert "\n" not in line
    assert json.loads(line) == {
        "id": "check:1", "time": "2026-11-21T07:00:00.000Z", "severity": "WARN",
        "kind": "check", "asset": "market_data", "partition": "coffee|2024-01-02",
        "check": "no_spikes", "run_id": "run-1", "message": "1 of 4 rows break no_spikes",
        "evidence": {"ratio": "nan", "rows": [1, 2]},  # strict JSON: NaN as text
    }


@pytest.mark.parametrize("changes", [{"severity": "INFO"}, {"kind": "job"}, {"id": " "}])
def test_alert_given_invalid_field_raises(changes):
    with pytest.raises(ValueError, match="alert"):
        make_alert(**changes)


def test_json_safe_given_long_text_and_objects_returns_bounded_text():
    safe = json_safe({1: "x" * 20_000, "path": Path("/a"), "inf": math.inf})
    assert safe["1"].endswith("(20000 chars, cut)") and len(safe["1"]) < 10_100
    assert (safe["path"], safe["inf"]) == ("/a", "inf")


def test_delivery_policy_given_no_attempts_raises():
    with pytest.raises(ValueError, match="max_attempts"):
        DeliveryPolicy(max_attempts=0)


def test_alert_log_given_same_id_twice_writes_one_line(tmp_path):
    log = AlertLog(tmp_path)
    assert [a.id for a in log.record([make_alert(1), make_alert(2)], enqueue=False)] == [
        "check:1", "check:2"]
    assert log.record([make_alert(1), make_alert(1)], enqueue=False) == []
    assert [line["id"] for line in lines(log)] == ["check:1", "check:2"]


def test_alert_log_given_restart_skips_ids_written_before(tmp_path):
    AlertLog(tmp_path).record([make_alert(1)], enqueue=True)
    restarted = AlertLog(tmp_path)
    assert restarted.record([make_alert(1), make_alert(2)], enqueue=True) == [make_alert(2)]
    assert [line["id"] for line in lines(restarted)] == ["check:1", "check:2"]
    assert [entry.alert.id for entry in restarted.pending()] == ["check:1", "check:2"]


def test_alert_log_given_crash_before_index_write_indexes_the_tail(tmp_path):
    log = AlertLog(tmp_path)
    log.record([make_alert(1)], enqueue=False)
    # A crash after the log write and before the index write leaves check:2 unindexed,
    # followed by a torn half line.
    with log.log_path.open("a") as handle:
        handle.write(make_alert(2).to_json() + "\n" + '{"id": "check:3", "ti')
    restarted = AlertLog(tmp_path)
    assert restarted.known_ids() == {"check:1", "check:2"}
    assert restarted.record([make_alert(2), make_alert(3)], enqueue=False) == [make_alert(3)]
    raw = restarted.log_path.read_text().splitlines()
    assert [json.loads(line)["id"] for line in raw if line.endswith("}")] == [
        "check:1", "check:2", "check:3"]
    assert AlertLog(tmp_path).known_ids() == {"check:1", "check:2", "check:3"}


def test_deliver_pending_given_accepting_post_removes_delivered(tmp_path):
    log = AlertLog(tmp_path)
    log.record([make_alert(1), make_alert(2)], enqueue=True)
    sent: list[Mapping[str, Any]] = []
    report = log.deliver_pending(lambda payload, timeout: sent.append(payload), FAST)
    assert report.delivered == ("check:1", "check:2") and report.pending == 0
    assert [payload["id"] for payload in sent] == ["check:1", "check:2"]
    assert AlertLog(tmp_path).pending() == []


def test_deliver_pending_given_failing_post_keeps_alert_with_attempts(tmp_path):
    log = AlertLog(tmp_path)
    log.record([make_alert(1), make_alert(2)], enqueue=True)

    def refuse(payload: Mapping[str, Any], timeout: float) -> None:
        raise DeliveryError("POST answered HTTP 503")

    assert log.deliver_pending(refuse, FAST).pending == 2
    report = AlertLog(tmp_path).deliver_pending(refuse, FAST)
    first, second = AlertLog(tmp_path).pending()
    # two ticks x 3 attempts on the oldest; the pass stops there, so check:2 was not tried
    assert (first.attempts, first.last_error) == (6, "POST answered HTTP 503")
    assert (second.attempts, second.last_error) == (0, None)
    assert report.delivered == () and report.last_error == "POST answered HTTP 503"


def test_post_json_given_server_sends_json_body_and_idempotency_key():
    with WebhookServer() as server:
        post_json(server.url, make_alert().to_dict(), timeout=2.0)
    assert server.received == [make_alert().to_dict()]
    assert server.headers[0]["Idempotency-Key"] == "check:1"
    assert server.headers[0]["Content-Type"] == "application/json"


def test_deliver_pending_given_two_500s_then_ok_delivers_within_the_tick(tmp_path):
    log = AlertLog(tmp_path)
    log.record([make_alert(1)], enqueue=True)
    with WebhookServer(fail_first=2) as server:
        report = log.deliver_pending(lambda p, t: post_json(server.url, p, t), FAST)
    assert report.delivered == ("check:1",) and log.pending() == []
    assert server.attempts == 3 and server.received == [make_alert(1).to_dict()]


def test_deliver_pending_given_500s_beyond_attempts_keeps_alert(tmp_path):
    log = AlertLog(tmp_path)
    log.record([make_alert(1)], enqueue=True)
    with WebhookServer(fail_first=10) as server:
        report = log.deliver_pending(lambda p, t: post_json(server.url, p, t), FAST)
    [entry] = log.pending()
    assert server.attempts == 3 and entry.attempts == 3 and report.pending == 1
    assert "500" in (entry.last_error or "")


def test_deliver_pending_given_slow_server_times_out_within_bounded_time(tmp_path):
    log = AlertLog(tmp_path)
    log.record([make_alert(1)], enqueue=True)
    policy = DeliveryPolicy(max_attempts=2, backoff_s=(0.01,), timeout_s=0.2, tick_budget_s=5.0)
    with WebhookServer(delay_s=3.0) as server:
        started = time.monotonic()
        report = log.deliver_pending(lambda p, t: post_json(server.url, p, t), policy)
        elapsed = time.monotonic() - started
    assert elapsed < 1.5  # 2 x 0.2 s timeout + 0.01 s backoff, not 2 x 3 s
    assert report.pending == 1 and "timed out" in (report.last_error or "")
    assert log.pending()[0].attempts == 2


def test_deliver_pending_given_tick_budget_stops_early(tmp_path):
    log = AlertLog(tmp_path)
    log.record([make_alert(1)], enqueue=True)
    policy = DeliveryPolicy(max_attempts=5, backoff_s=(0.3,), timeout_s=0.2, tick_budget_s=0.5)
    with WebhookServer(delay_s=3.0) as server:
        started = time.monotonic()
        log.deliver_pending(lambda p, t: post_json(server.url, p, t), policy)
        elapsed = time.monotonic() - started
    # attempt 1 (0.2 s timeout); 0.2 + 0.3 s pause reaches the 0.5 s budget: no attempt 2
    assert elapsed < 0.5 and log.pending()[0].attempts == 1


def test_deliver_pending_given_unreachable_port_logs_and_keeps(tmp_path, caplog):
    log = AlertLog(tmp_path)
    log.record([make_alert(1)], enqueue=True)
    url = f"http://127.0.0.1:{free_port()}/alerts"
    with caplog.at_level(logging.WARNING, logger="trading_platform.resources.alerts"):
        report = log.deliver_pending(lambda p, t: post_json(url, p, t), FAST)
    assert report.pending == 1 and "Connection refused" in (report.last_error or "")
    assert "check:1 not delivered" in caplog.text and "pending.json" in caplog.text
    assert AlertLog(tmp_path).pending()[0].attempts == 3


def test_post_json_given_bad_url_raises_delivery_error():
    with pytest.raises(DeliveryError, match="not-a-url"):
        post_json("not-a-url", {"id": "x"}, timeout=0.5)
