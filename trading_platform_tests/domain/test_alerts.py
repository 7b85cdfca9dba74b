"""Alert values and how they read on each channel (title, Slack payload, e-mail text)."""

import pytest

from trading_platform.domain.alert_messages import email_text, slack_payload, title
from trading_platform.domain.alerts import (
    Alert,
    alert_time,
    at_least,
    daily_summary,
    format_figure,
)


def alert(**changes) -> Alert:
    fields = {"id": "run:abc", "time": "2026-12-01T22:00:00.000Z", "severity": "ERROR",
              "kind": "run", "asset": None, "partition": None, "check": None, "run_id": "abc",
              "message": "run abc failed\nFirst error: ...", "evidence": {}}
    return Alert(**(fields | changes))


@pytest.mark.parametrize(("kind", "severity"), [("summary", "ERROR"), ("check", "INFO"),
                                                ("run", "WARN")])
def test_alert_given_severity_foreign_to_its_kind_raises_naming_both(kind, severity):
    with pytest.raises(ValueError, match=rf"a {kind} alert is .*not {severity}"):
        alert(kind=kind, severity=severity)


def test_at_least_given_severities_ranks_info_below_warn_below_error():
    assert at_least("ERROR", "WARN") and at_least("WARN", "WARN")
    assert not at_least("WARN", "ERROR") and not at_least("INFO", "WARN")


def test_alert_time_given_epoch_seconds_writes_utc_milliseconds():
    assert alert_time(1_764_626_400.1234) == "2025-12-01T22:00:00.123Z"


def test_daily_summary_given_headline_lists_figures_in_order_with_report():
    summary = daily_summary("2026-12-01", {"halted": 0, "ratio": float("nan")}, "/r.html",
                            "run-1", "2026-12-01T22:00:00.000Z")
    assert (summary.id, summary.severity, summary.kind, summary.asset, summary.partition) == (
        "summary:2026-12-01", "INFO", "summary", "daily_report", "2026-12-01")
    assert summary.message == "daily report 2026-12-01: halted 0, ratio nan"
    assert summary.to_dict()["evidence"] == {"headline": {"halted": 0, "ratio": "nan"},
                                             "report": "/r.html"}


@pytest.mark.parametrize(("value", "text"), [
    (1_012_345.678, "1,012,345.68"), (-1234.5, "-1,234.50"), (0.87346, "0.8735"), (5, "5"),
    (True, "True"), (float("inf"), "inf"), ("HALTED", "HALTED")])
def test_format_figure_given_value_writes_readable_text(value, text):
    assert format_figure(value) == text


def test_daily_summary_given_no_headline_says_so():
    summary = daily_summary("2026-12-01", {}, None, "run-1", "2026-12-01T22:00:00.000Z")
    assert summary.message == "daily report 2026-12-01: no headline figures recorded"
    assert "report: no path recorded" in email_text(summary)


def test_title_given_run_without_asset_uses_first_message_line():
    assert title(alert()) == "[ERROR] run abc failed"
    assert len(title(alert(message="x" * 500))) == 160


def test_slack_payload_given_oversized_parts_cuts_to_slack_limits():
    long = alert(kind="check", asset="a" * 200, partition="p", check="c", message="<" * 5000,
                 severity="WARN", id="check:1")
    payload = slack_payload(long)
    header, _, message, _ = payload["blocks"]
    assert len(header["text"]["text"]) == 150 and header["text"]["text"].endswith("...")
    assert len(message["text"]["text"]) == 3000  # escaped "&lt;" then cut
    assert message["text"]["text"].startswith("&lt;&lt;")


def test_slack_payload_given_many_headline_figures_shows_ten_fields():
    summary = daily_summary("2026-12-01", {f"k{i}": i for i in range(14)}, "/r.html", "run-1",
                            "2026-12-01T22:00:00.000Z")
    assert len(slack_payload(summary)["blocks"][1]["fields"]) == 10
    assert "k13 13" in slack_payload(summary)["blocks"][2]["text"]["text"]  # all in the text


def test_slack_payload_given_run_shows_severity_only_and_summary_without_figures_no_fields():
    assert [f["text"] for f in slack_payload(alert())["blocks"][1]["fields"]] == [
        "*severity*\nERROR"]  # a failed run has no asset, partition or check to show
    bare = daily_summary("2026-12-01", {}, None, "run-1", "2026-12-01T22:00:00.000Z")
    assert [block["type"] for block in slack_payload(bare)["blocks"]] == [
        "header", "section", "context"]
