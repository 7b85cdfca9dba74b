"""The daily report as one self-contained HTML page for the desk: inline CSS, charts as base64
PNG images, every text value HTML-escaped (formatting conventions in ``html_parts``).

Layout: the title with the day; a red banner naming missing commodities and halted ones (the
futures book too); a summary table with the status colour-coded (green actionable, red halted,
amber blocked) and a line on the futures desk; then one section per commodity with the
recommendation in one line, its explanation, the recent closes with the forecast fan, the paper
book's inventory and value, the validator verdicts, a monitoring line and the lineage; last, the
futures desk's section (``futures_section_html``) when the report carries one.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from trading_platform.domain.reporting.charts import fan_chart, png_bytes
from trading_platform.domain.reporting.futures_section_html import (
    futures_banner,
    futures_summary_line,
    render_futures_section,
)
from trading_platform.domain.reporting.html_parts import (
    STATUS_CLASSES,
    checks_table,
    escape,
    format_number,
    format_percent,
    format_quantity,
    image_tag,
)
from trading_platform.domain.statuses import Action, RecommendationStatus

if TYPE_CHECKING:
    from trading_platform.domain.reporting.futures_section import FuturesSection
    from trading_platform.domain.reporting.report_model import CommodityDay

_CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 64em; color: #222; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
td.num { text-align: right; }
.meta { color: #666; font-size: 0.85em; }
.banner { background: #c62828; color: #fff; padding: 0.6em 1em; border-radius: 4px; }
.actionable { background: #e3f4e8; color: #1b5e20; }
.halted { background: #fde0e0; color: #b71c1c; font-weight: bold; }
.blocked { background: #fff1d6; color: #8a5300; font-weight: bold; }
.fail { color: #b71c1c; font-weight: bold; }
.warn { color: #8a5300; font-weight: bold; }
.recommendation { font-size: 1.1em; padding: 0.4em 0.6em; border-radius: 4px; }
section { border-top: 2px solid #ddd; margin-top: 1.5em; }
img { display: block; max-width: 100%; margin: 0.5em 0; }
"""
_LINEAGE = (("model", "model"), ("model version", "model_version"), ("strategy", "strategy"),
            ("strategy hash", "strategy_hash"), ("data partition", "data_partition"),
            ("run id", "run_id"), ("champion status", "champion_status"))


def render_report_html(day: datetime.date, days: Mapping[str, CommodityDay],
                       trades: Sequence[Mapping[str, object]], missing: Sequence[str],
                       generated_at: str, futures: FuturesSection | None = None) -> str:
    """The whole page; ``trades`` are the published trades.csv rows, sorted by commodity;
    ``futures`` the futures desk's section, if the report has one."""
    title = f"Daily trading report: {day.isoformat()}"
    body = [f"<h1>{escape(title)}</h1>", f"<p class='meta'>generated {escape(generated_at)}</p>",
            _banner(trades, missing, futures_banner(futures) if futures else ""),
            "<h2>Summary</h2>", _summary_table(trades),
            futures_summary_line(futures) if futures else ""]
    body += [_section(row, days[str(row["commodity"])]) for row in trades]
    body.append(render_futures_section(futures) if futures else "")
    return ("<!DOCTYPE html>\n<html lang='en'>\n<head><meta charset='utf-8'>"
            f"<title>{escape(title)}</title><style>{_CSS}</style></head>\n<body>\n"
            + "\n".join(part for part in body if part) + "\n</body>\n</html>\n")


def _banner(trades: Sequence[Mapping[str, object]], missing: Sequence[str],
            futures_line: str) -> str:
    lines = [futures_line] if futures_line else []
    if missing:
        lines.append(f"<p>missing: {escape(', '.join(missing))} (no recommendation today)</p>")
    halted = [f"{row['commodity']} ({row['reason']})" if row["reason"] else str(row["commodity"])
              for row in trades if row["status"] == RecommendationStatus.HALTED]
    if halted:
        lines.append(f"<p>trading halted for {escape(', '.join(halted))}: see below; resume only "
                     "after a recorded reset</p>")
    return f"<div class='banner'>{''.join(lines)}</div>" if lines else ""


def _summary_table(trades: Sequence[Mapping[str, object]]) -> str:
    if not trades:
        return "<p>no recommendations for this day</p>"
    header = ("commodity", "status", "action", "quantity", "reference price", "net proceeds",
              "tier", "champion")
    rows = []
    for row in trades:
        commodity = str(row["commodity"])
        status = str(row["status"])
        rows.append(
            f"<tr><td><a href='#{_anchor(commodity)}'>{escape(commodity)}</a></td>"
            f"<td class='{STATUS_CLASSES.get(status, 'blocked')}'>{escape(status)}</td>"
            f"<td>{escape(row['published_action'])}</td>"
            f"<td class='num'>{format_quantity(row['quantity'])}</td>"
            f"<td class='num'>{format_number(row['reference_price'])} {escape(row['units'])}</td>"
            f"<td class='num'>{format_number(row['net_proceeds'])}</td>"
            f"<td>{escape(row['tier'] or '-')}</td>"
            f"<td>{escape(row['model'])} x {escape(row['strategy'])}</td></tr>")
    head = "".join(f"<th>{name}</th>" for name in header)
    return f"<table><tr>{head}</tr>\n" + "\n".join(rows) + "</table>"


def _section(row: Mapping[str, object], entry: CommodityDay) -> str:
    recommendation = entry.recommendation
    commodity = str(row["commodity"])
    status_class = STATUS_CLASSES.get(str(row["status"]), "blocked")
    parts = [
        f"<section id='{_anchor(commodity)}'>", f"<h2>{escape(commodity)}</h2>",
        f"<p class='recommendation {status_class}'>"
        f"{escape(_recommendation_line(row, recommendation))}</p>",
        f"<p>{escape(recommendation['explanation'])}</p>",
        f"<p>{escape(evidence_line(recommendation))}</p>",
        image_tag(_price_chart(commodity, entry), f"{commodity}: recent closes"
                  + (" and forecast fan" if entry.matrix is not None else "")),
        image_tag(_book_chart(commodity, entry.book, str(recommendation["volume_unit"])),
                  f"{commodity}: paper book inventory and value"),
        "<h3>Validators</h3>", checks_table(entry.checks),
        f"<p>{escape(_monitoring_line(entry.monitoring))}</p>",
        "<h3>Lineage</h3>", _lineage_table(recommendation), "</section>",
    ]
    return "\n".join(parts)


def _recommendation_line(row: Mapping[str, object], rec: Mapping[str, object]) -> str:
    action = str(row["published_action"])
    unit = str(rec["volume_unit"])
    price = f"{format_number(rec['reference_price'])} {rec['units']}"
    if rec["status"] != RecommendationStatus.ACTIONABLE:
        proposed = f"{rec['action']} {format_quantity(rec['quantity'])} {unit}"
        return (f"{action}: {row['reason'] or 'no reason recorded'} (not to be traded; the "
                f"strategy had proposed {proposed})")
    if action == Action.HOLD:
        return (f"HOLD: keep {format_quantity(rec['available_inventory'])} {unit} in storage "
                f"(reference {price}, storage cost {format_number(rec['storage_cost'])})")
    fills = rec.get("fills_on")
    when = (f"to fill at the next session ({fills}, priced at its close); reference today's "
            f"close {price}" if fills and str(fills) != str(rec.get("date")) else f"at {price}")
    return (f"{action} {format_quantity(rec['quantity'])} {unit} "
            f"({format_percent(rec['share_of_inventory'])} of "
            f"{format_quantity(rec['available_inventory'])} available) {when}: expected "
            f"proceeds {format_number(rec['expected_proceeds'])}, net "
            f"{format_number(rec['net_proceeds'])} after transaction cost "
            f"{format_number(rec['transaction_cost'])} and storage cost "
            f"{format_number(rec['storage_cost'])}")


def _monitoring_line(monitoring: Mapping[str, object]) -> str:
    if not monitoring:
        return "monitoring: no summary yet"
    drift = monitoring.get("drift")
    drift = drift if isinstance(drift, Mapping) else {}
    reason = f" ({drift['reason']})" if drift.get("reason") else ""
    drift_text = ("DRIFTING" if drift.get("drifting") else "no drift") + reason
    return (f"monitoring: IC {format_number(monitoring.get('latest_ic'), 3)}, rank IC "
            f"{format_number(monitoring.get('latest_rank_ic'), 3)}, directional accuracy "
            f"{format_percent(monitoring.get('directional_accuracy'), 1)} (recent "
            f"{format_percent(monitoring.get('recent_directional_accuracy'), 1)}), drift: "
            f"{drift_text}")


def evidence_line(rec: Mapping[str, object]) -> str:
    """Why the day trades what it trades: the selection's windows, candidates, DSR, holdout
    Sharpe with its interval, the champion's status and the trading basis."""
    if not rec.get("basis"):
        return "selection evidence: not recorded (a champion selected before issue 16)"
    return (f"selection: {rec.get('selected_model')} x {rec.get('selected_strategy')} is "
            f"{rec.get('champion_status')}, chosen on {rec.get('selection_start')} .. "
            f"{rec.get('selection_end')} among {rec.get('n_candidates')} candidates (DSR "
            f"{format_number(rec.get('dsr'), 3)}), holdout {rec.get('holdout_start')} .. "
            f"{rec.get('holdout_end')} Sharpe {format_number(rec.get('holdout_sharpe'))} "
            f"(interval {format_number(rec.get('holdout_sharpe_low'))} .. "
            f"{format_number(rec.get('holdout_sharpe_high'))}); trading: {rec.get('basis_reason')}"
            f"; today {rec.get('status')}" + (f": {rec['halted_reason']}"
                                              if rec.get("halted_reason") else ""))


def _lineage_table(rec: Mapping[str, object]) -> str:
    rows = [(label, str(rec[key])) for label, key in _LINEAGE]
    rows.append(("champion score", format_number(rec["champion_score"], 4)))
    return "<table>" + "".join(f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>"
                               for label, value in rows) + "</table>"


def _price_chart(commodity: str, entry: CommodityDay) -> bytes:
    closes = entry.closes.sort("date")
    units = entry.recommendation["units"]
    if entry.matrix is not None and entry.matrix.size and closes.height:
        history = closes.get_column("close").cast(pl.Float64).to_numpy()
        title = f"{commodity}: recent closes ({units}) and the forecast fan"
        return fan_chart(history, np.asarray(entry.matrix, dtype=float), title)
    figure = Figure(figsize=(8, 3.2), dpi=80)
    ax = figure.subplots()
    if closes.height:
        ax.plot(closes["date"].to_list(), closes["close"].to_list(), color="black",
                linewidth=0.9)
    else:
        _no_data(ax, "no price history")
    _finish(ax, f"{commodity}: recent closes ({units}); no forecast today")
    figure.tight_layout()
    return png_bytes(figure)


def _book_chart(commodity: str, book: pl.DataFrame, volume_unit: str) -> bytes:
    figure = Figure(figsize=(8, 2.8), dpi=80)
    top, bottom = figure.subplots(2, 1, sharex=True)
    rows = book.sort("date")
    if rows.height:
        dates = rows["date"].to_list()
        top.plot(dates, rows["inventory"].to_list(), marker="o", markersize=2, linewidth=0.9)
        bottom.plot(dates, rows["value"].to_list(), marker="o", markersize=2, linewidth=0.9,
                    color="tab:green")
        if rows.height == 1:  # matplotlib would otherwise spread one day over years
            week = datetime.timedelta(days=7)
            top.set_xlim(dates[0] - week, dates[0] + week)
    else:
        _no_data(top, "no paper book yet")
    top.set_ylabel(f"inventory ({volume_unit})", fontsize=7)
    bottom.set_ylabel("value", fontsize=7)
    _finish(top, f"{commodity}: paper book")
    _finish(bottom, "")
    figure.tight_layout()
    return png_bytes(figure)


def _no_data(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=9)


def _finish(ax: Axes, title: str) -> None:
    ax.set_title(title, fontsize=9)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)


def _anchor(commodity: str) -> str:
    return "commodity-" + re.sub(r"[^A-Za-z0-9_-]", "-", commodity)
