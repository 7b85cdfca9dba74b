"""The pieces every section of the daily report's HTML page is made of: numbers formatted for
people, escaped text, inline PNG images and the validator table.

Shares and returns are fractions shown as percentages, prices and money get two decimals and
thousands separators; a missing or non-finite number reads "n/a". Every text value goes
through ``escape``.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Mapping, Sequence

import numpy as np

from trading_platform.domain.statuses import RecommendationStatus

# A day's status as a CSS class of the page: green actionable, red halted, amber blocked.
STATUS_CLASSES = {RecommendationStatus.ACTIONABLE: "actionable",
                  RecommendationStatus.HALTED: "halted", RecommendationStatus.BLOCKED: "blocked"}


def format_number(value: object, decimals: int = 2) -> str:
    """``1234.5`` -> ``"1,234.50"``; None, non-numbers and non-finite values read ``"n/a"``."""
    number = finite(value)
    return "n/a" if number is None else f"{number:,.{decimals}f}"


def format_quantity(value: object) -> str:
    """Whole quantities without decimals (``"1,000"``), fractional ones with two."""
    number = finite(value)
    if number is None:
        return "n/a"
    return f"{number:,.0f}" if number == round(number) else f"{number:,.2f}"


def format_percent(value: object, decimals: int = 0, signed: bool = False) -> str:
    """A fraction as a percentage: ``0.25`` -> ``"25 %"``; signed: ``0.012`` -> ``"+1.2 %"``."""
    number = finite(value)
    if number is None:
        return "n/a"
    sign = "+" if signed else ""
    return f"{number * 100:{sign},.{decimals}f} %"


def checks_table(checks: Sequence[Mapping[str, object]]) -> str:
    """Verdicts ``{"name", "passed", "severity", "description"}`` as a table, failures red."""
    if not checks:
        return "<p>no validator verdicts recorded</p>"
    rows = [f"<tr><td>{escape(check['name'])}</td>"
            + ("<td>pass</td>" if check["passed"] else "<td class='fail'>FAIL</td>")
            + f"<td>{escape(check['severity'])}</td><td>{escape(check['description'])}</td></tr>"
            for check in checks]
    header = "<tr><th>validator</th><th>result</th><th>severity</th><th>description</th></tr>"
    return f"<table>{header}\n" + "\n".join(rows) + "</table>"


def image_tag(png: bytes, alt: str) -> str:
    """A PNG inline as a data URI, so the page stays one self-contained file."""
    encoded = base64.b64encode(png).decode("ascii")
    return f"<img alt='{escape(alt)}' src='data:image/png;base64,{encoded}'>"


def finite(value: object) -> float | None:
    """``value`` as a float when it is a finite number (bool is not), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def escape(value: object) -> str:
    """``str(value)`` safe inside HTML text and single- or double-quoted attributes."""
    return html.escape(str(value), quote=True)
