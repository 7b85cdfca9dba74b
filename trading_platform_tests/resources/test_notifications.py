"""Notification channels against real servers on 127.0.0.1: a Slack-format webhook over HTTP and
e-mail over SMTP, per-channel queues, retries and de-duplication."""

from __future__ import annotations

import pytest

from trading_platform.config.notifications import EmailChannel, Notifications
from trading_platform.domain.alerts import daily_summary
from trading_platform.resources.alerts import AlertLog
from trading_platform.resources.delivery import DeliveryError
from trading_platform.resources.notifications import notify, open_channels, send_email, takes
from trading_platform_tests.resources.smtp_server import SmtpServer
from trading_platform_tests.resources.test_alerts import FAST, WebhookServer, free_port, make_alert

ERROR_ORDER = make_alert(7, severity="ERROR", asset="futures_orders", partition="2026-12-01",
                         check="orders_within_limits", message="turnover 0.42 > 0.30 of the book",
                         evidence={"observed": 0.42, "threshold": 0.30})
SUMMARY = daily_summary("2026-12-01", {"commodities": 6, "actionable": 4, "blocked": 1,
                                       "halted": 1, "futures_status": "trading"},
                        "/data/reports/2026-12-01/report.html", "run-9",
                        "2026-12-01T22:00:00.000Z")


def config(*channels: dict) -> Notifications:
    return Notifications.model_validate({"channels": list(channels)})


def slack(name: str = "slack", **extra) -> dict:
    return {"name": name, "kind": "slack", "url_env": "SLACK_URL",
            "messages": ["alerts", "summary"], **extra}


def mail(port: int, **extra) -> dict:
    return {"name": "email", "kind": "email", "host": "127.0.0.1", "port": port,
            "starttls": False, "from": "desk@example.com",
            "to": ["trader@example.com", "risk@example.com"],
            "messages": ["alerts", "summary"], **extra}


def test_slack_channel_given_error_alert_posts_text_and_blocks(tmp_path):
    with WebhookServer() as server:
        channels = open_channels(config(slack()), {"SLACK_URL": server.url}.get)
        outcome = notify(AlertLog(tmp_path), [ERROR_ORDER], channels, FAST)
    assert outcome.deliveries["slack"].delivered == ("check:7",)
    [payload] = server.received
    assert payload["text"] == ("[ERROR] futures_orders 2026-12-01: turnover 0.42 > 0.30 of the "
                               "book")
    header, facts, message, context = payload["blocks"]
    assert header == {"type": "header", "text": {"type": "plain_text",
                                                 "text": "ERROR: futures_orders 2026-12-01"}}
    assert [field["text"] for field in facts["fields"]] == [
        "*severity*\nERROR", "*asset*\nfutures_orders", "*partition*\n2026-12-01",
        "*check*\norders_within_limits"]
    assert message["text"]["text"] == "turnover 0.42 &gt; 0.30 of the book"  # mrkdwn-escaped
    assert context["elements"][0]["text"] == "alert check:7 in alerts.jsonl, run run-1"
    assert "Idempotency-Key" not in server.headers[0]  # Slack's payload carries no id


def test_slack_channel_given_summary_posts_headline_and_report_path(tmp_path):
    with WebhookServer() as server:
        channels = open_channels(config(slack()), {"SLACK_URL": server.url}.get)
        notify(AlertLog(tmp_path), [SUMMARY], channels, FAST)
    [payload] = server.received
    _, facts, message, context = payload["blocks"]
    assert [field["text"] for field in facts["fields"]] == [
        "*commodities*\n6", "*actionable*\n4", "*blocked*\n1", "*halted*\n1",
        "*futures_status*\ntrading"]
    assert message["text"]["text"] == ("daily report 2026-12-01: commodities 6, actionable 4, "
                                       "blocked 1, halted 1, futures_status trading")
    assert context["elements"][0]["text"] == "report: /data/reports/2026-12-01/report.html"


def test_email_channel_given_local_smtp_server_delivers_subject_recipients_and_body(tmp_path):
    with SmtpServer() as server:
        channel = mail(server.port, username_env="SMTP_USER", password_env="SMTP_PASSWORD")
        lookup = {"SMTP_USER": "desk", "SMTP_PASSWORD": "s3cret"}.get
        outcome = notify(AlertLog(tmp_path), [ERROR_ORDER, SUMMARY],
                         open_channels(config(channel), lookup), FAST)
    assert outcome.deliveries["email"].delivered == ("check:7", "summary:2026-12-01")
    assert server.logins == [("desk", "s3cret"), ("desk", "s3cret")]  # one session per message
    alert, summary = server.received
    assert alert.mail_from == "desk@example.com"
    assert alert.rcpt_to == ("trader@example.com", "risk@example.com")
    assert alert.message["Subject"] == ("[ERROR] futures_orders 2026-12-01: turnover 0.42 > "
                                        "0.30 of the book")
    assert alert.message["To"] == "trader@example.com, risk@example.com"
    assert alert.message["X-Alert-Id"] == "check:7"
    assert alert.message["Message-ID"] == "<check.7.email@trading-platform.alerts>"
    body = alert.message.get_content()
    assert body.startswith("turnover 0.42 > 0.30 of the book\n\nseverity: ERROR\n")
    assert "check: orders_within_limits" in body and '"threshold": 0.3' in body
    assert summary.message["Subject"] == (
        "[INFO] daily report 2026-12-01: commodities 6, actionable 4, blocked 1, halted 1, "
        "futures_status trading")
    assert "report: /data/reports/2026-12-01/report.html" in summary.message.get_content()


def test_send_email_given_starttls_required_and_server_without_it_refuses_to_send():
    with SmtpServer() as server:
        channel = EmailChannel.model_validate(mail(server.port) | {"starttls": True})
        with pytest.raises(DeliveryError, match="STARTTLS"):
            send_email(channel, None, None, ERROR_ORDER, 2.0)
    assert server.received == []  # never fell back to sending in clear


def test_notify_given_one_channel_down_keeps_its_queue_while_the_other_delivers(tmp_path):
    port = free_port()  # nothing listens: the SMTP connection is refused
    log = AlertLog(tmp_path)
    with WebhookServer() as hook:
        channels = open_channels(config(slack(), mail(port)), {"SLACK_URL": hook.url}.get)
        first = notify(log, [ERROR_ORDER, SUMMARY], channels, FAST)
        second = notify(log, [], channels, FAST)  # a later tick retries
    assert [payload["text"][:7] for payload in hook.received] == ["[ERROR]", "[INFO] "]
    assert first.deliveries["slack"].delivered == ("check:7", "summary:2026-12-01")
    assert second.deliveries["email"].pending == 2
    assert "Connection refused" in (second.deliveries["email"].last_error or "")
    head, waiting = log.pending("email")
    # two ticks x 3 attempts on the oldest; the pass stops there, so the summary waits untried
    assert (head.alert.id, head.attempts, waiting.attempts) == ("check:7", 6, 0)
    assert log.pending("slack") == []

    with SmtpServer(port=port) as smtp:
        back = notify(AlertLog(tmp_path), [], channels, FAST)  # after a restart, too
    assert back.deliveries["email"].delivered == ("check:7", "summary:2026-12-01")
    assert [r.message["X-Alert-Id"] for r in smtp.received] == ["check:7", "summary:2026-12-01"]
    assert AlertLog(tmp_path).pending("email") == [] and len(hook.received) == 2


def test_notify_given_same_alert_recorded_twice_sends_it_once_per_channel(tmp_path):
    with WebhookServer() as hook, WebhookServer() as chat:
        lookup = {"HOOK_URL": hook.url, "SLACK_URL": chat.url}.get
        webhook = {"name": "webhook", "kind": "webhook", "url_env": "HOOK_URL"}
        channels = open_channels(config(webhook, slack()), lookup)
        notify(AlertLog(tmp_path), [ERROR_ORDER, ERROR_ORDER], channels, FAST)
        again = notify(AlertLog(tmp_path), [ERROR_ORDER], channels, FAST)
    assert [payload["id"] for payload in hook.received] == ["check:7"]
    assert len(chat.received) == 1
    assert again.written == () and again.deliveries["slack"].delivered == ()
    assert AlertLog(tmp_path).log_path.read_text().count('"id": "check:7"') == 1


def test_open_channels_given_unset_variable_disables_only_that_channel():
    channels = open_channels(config({"name": "webhook", "kind": "webhook", "url_env": "HOOK"},
                                    slack(), mail(25)), {"HOOK": "http://127.0.0.1:9/x"}.get)
    assert [channel.config.name for channel in channels.enabled] == ["webhook", "email"]
    assert channels.disabled == {"slack": ("SLACK_URL",)}  # the relay without login is on
    assert channels.order == ("webhook", "slack", "email")


def test_takes_given_severity_and_message_kinds_routes_each_alert():
    errors_only = config(slack(min_severity="ERROR")).channels[0]
    alerts_only = config(slack(messages=["alerts"])).channels[0]
    warning = make_alert(severity="WARN")
    assert not takes(errors_only, warning) and takes(errors_only, ERROR_ORDER)
    assert takes(errors_only, SUMMARY)  # a summary is INFO, and never filtered by severity
    assert takes(alerts_only, warning) and not takes(alerts_only, SUMMARY)


def test_notify_given_channel_that_skips_a_kind_never_queues_it(tmp_path):
    with WebhookServer() as server:
        channels = open_channels(config(slack(messages=["summary"])), {"SLACK_URL": server.url}.get)
        outcome = notify(AlertLog(tmp_path), [ERROR_ORDER, SUMMARY], channels, FAST)
    assert [alert.id for alert in outcome.written] == ["check:7", "summary:2026-12-01"]
    assert outcome.deliveries["slack"].delivered == ("summary:2026-12-01",)
    assert [payload["text"][:6] for payload in server.received] == ["[INFO]"]


def test_record_given_crash_between_queueing_and_logging_queues_once_on_repeat(
    tmp_path, monkeypatch
):
    routes = {"slack": lambda alert: True, "email": lambda alert: True}
    crashed = AlertLog(tmp_path)

    def crash(alerts):
        raise OSError("disk full")

    monkeypatch.setattr(crashed, "_append", crash)
    with pytest.raises(OSError):
        crashed.record([ERROR_ORDER], routes=routes)
    assert [e.alert.id for e in crashed.pending("slack")] == ["check:7"]  # queued, not logged
    repeated = AlertLog(tmp_path)  # the tick is repeated: the cursor never moved
    assert repeated.record([ERROR_ORDER], routes=routes) == [ERROR_ORDER]
    assert [e.alert.id for e in repeated.pending("slack")] == ["check:7"]
    assert [e.alert.id for e in repeated.pending("email")] == ["check:7"]
