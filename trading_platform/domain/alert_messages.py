"""How an alert reads on each channel: one title line, a Slack payload, an e-mail's text.

The title is ``[<severity>] <asset> <partition>: <first line of the message>`` (asset and
partition left out when the alert has none, and for a summary, whose message starts with
``daily report <date>:``), e.g. ``[ERROR] futures_orders 2026-12-01: ...``;
it is the e-mail subject and the Slack notification text. A summary shows its headline
figures and the report's path; a failure shows its check, run and evidence. Slack limits
(header 150 characters, a section 3,000, at most 10 fields of 2,000) are respected by cutting
text, never by dropping the message.
"""

from __future__ import annotations

import json
from typing import Any

from trading_platform.domain.alerts import Alert, format_figure, json_safe

TITLE_CHARS = 160
SLACK_HEADER_CHARS = 150
SLACK_SECTION_CHARS = 3_000
SLACK_FIELD_CHARS = 2_000
SLACK_MAX_FIELDS = 10
EMAIL_EVIDENCE_CHARS = 20_000


def title(alert: Alert) -> str:
    """One line naming severity, where and what: the e-mail subject and Slack's text."""
    # a summary's message names its report and day already
    where = "" if alert.is_summary else " ".join(
        part for part in (alert.asset, alert.partition) if part)
    first_line = alert.message.strip().splitlines()[0] if alert.message.strip() else alert.kind
    return _cut(f"[{alert.severity}] {where}: {first_line}" if where else
                f"[{alert.severity}] {first_line}", TITLE_CHARS)


def details(alert: Alert) -> dict[str, str]:
    """The short labelled facts shown next to the message (no empty ones)."""
    if alert.is_summary:
        headline = alert.evidence.get("headline") or {}
        return {str(key): format_figure(value) for key, value in headline.items()}
    facts = {"severity": alert.severity, "asset": alert.asset, "partition": alert.partition,
             "check": alert.check}
    return {key: value for key, value in facts.items() if value}


def pointer(alert: Alert) -> str:
    """Where to look next: the report for a summary, the alert log and the run for a failure."""
    if alert.is_summary:
        report = alert.evidence.get("report")
        return f"report: {report}" if report else "report: no path recorded"
    return f"alert {alert.id} in alerts.jsonl, run {alert.run_id}"


def email_text(alert: Alert) -> str:
    """The plain-text body: message, the labelled facts, where to look, then the evidence."""
    lines = [alert.message.strip(), ""]
    lines += [f"{key}: {value}" for key, value in details(alert).items()]
    lines += [f"time: {alert.time}", pointer(alert)]
    if not alert.is_summary and alert.evidence:
        evidence = json.dumps(json_safe(alert.evidence), indent=2, ensure_ascii=False)
        lines += ["", "evidence:", _cut(evidence, EMAIL_EVIDENCE_CHARS)]
    return "\n".join(lines) + "\n"


def slack_payload(alert: Alert) -> dict[str, Any]:
    """A Slack incoming-webhook payload: ``text`` (the title, for notifications) and
    ``blocks`` (header, the labelled facts as fields, the message, a context line)."""
    header = f"{alert.severity}: {alert.asset or alert.kind}"
    if alert.partition:
        header = f"{header} {alert.partition}"
    fields = [{"type": "mrkdwn", "text": _cut(f"*{_escape(key)}*\n{_escape(value)}",
                                              SLACK_FIELD_CHARS)}
              for key, value in list(details(alert).items())[:SLACK_MAX_FIELDS]]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text",
                                    "text": _cut(header, SLACK_HEADER_CHARS)}}]
    if fields:
        blocks.append({"type": "section", "fields": fields})
    blocks += [
        {"type": "section", "text": {"type": "mrkdwn",
                                     "text": _cut(_escape(alert.message), SLACK_SECTION_CHARS)}},
        {"type": "context", "elements": [{"type": "mrkdwn",
                                          "text": _cut(_escape(pointer(alert)),
                                                       SLACK_FIELD_CHARS)}]},
    ]
    return {"text": title(alert), "blocks": blocks}


def _escape(text: str) -> str:
    """Slack mrkdwn treats ``&``, ``<`` and ``>`` as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit - 3]}..."
