"""Alerts: what went wrong (a failed check or run) or the day's summary, as one value.

Severities rank ``INFO < WARN < ERROR``. A failed check is WARN or ERROR, a failed run ERROR,
the daily summary always INFO: the kind and the severity are checked together, so a summary
can never be mistaken for a failure (or a failure be filtered out as information). An alert's
``id`` names what it reports (``check:<event storage id>``, ``run:<run id>``,
``summary:<date>``): everything downstream de-duplicates on it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from trading_platform.domain.json_values import json_safe as to_json_safe

SEVERITIES = ("INFO", "WARN", "ERROR")  # in rising order
KINDS = ("check", "run", "summary")
SEVERITIES_OF_KIND = {"check": ("WARN", "ERROR"), "run": ("ERROR",), "summary": ("INFO",)}
SUMMARY_ASSET = "daily_report"
MAX_TEXT_CHARS = 10_000  # longer evidence strings (e.g. inline images) are cut to this


@dataclass(frozen=True)
class Alert:
    """One failed check evaluation, failed run or daily summary; ``time`` is ISO-8601 UTC of
    the event."""

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
        if self.severity not in SEVERITIES_OF_KIND[self.kind]:
            raise ValueError(f"alert {self.id}: a {self.kind} alert is "
                             f"{' or '.join(SEVERITIES_OF_KIND[self.kind])}, not {self.severity}")

    @property
    def is_summary(self) -> bool:
        return self.kind == "summary"

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


def alert_time(timestamp: float) -> str:
    """An event's epoch timestamp as an alert's ``time``: ISO-8601 UTC in milliseconds."""
    moment = dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def at_least(severity: str, minimum: str) -> bool:
    """Whether ``severity`` ranks at or above ``minimum`` (``INFO < WARN < ERROR``)."""
    return SEVERITIES.index(severity) >= SEVERITIES.index(minimum)


def format_figure(value: Any) -> str:
    """A headline figure as a person reads it: floats to 4 significant digits, or with
    thousands separators and 2 decimals from 1,000 on; anything else as its JSON-safe text."""
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:,.2f}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(json_safe(value))


def daily_summary(day: str, headline: Mapping[str, Any], report: str | None, run_id: str,
                  time: str) -> Alert:
    """The summary message of one ``daily_report`` day: its headline figures, in the order
    given, and the path of its report.html (``None`` when the materialization named none)."""
    figures = ", ".join(f"{key} {format_figure(value)}" for key, value in headline.items())
    return Alert(
        id=f"summary:{day}", time=time, severity="INFO", kind="summary", asset=SUMMARY_ASSET,
        partition=day, check=None, run_id=run_id,
        message=f"daily report {day}: {figures or 'no headline figures recorded'}",
        evidence={"headline": dict(headline), "report": report},
    )
