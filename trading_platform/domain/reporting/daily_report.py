"""The daily report pack: one trading day's recommendations as files for the desk and the archive.

``build_report_pack`` turns each commodity's stored recommendation (a row of
``trading.recommendations``), validator verdicts, recent closes, forecast matrix, paper book and
monitoring summary into four files:

- ``trades.csv``: one row per commodity, sorted: what to do today, or why nothing is to be done;
- ``signals.json``: the forecast behind each recommendation and the champion that produced it;
- ``monitoring.json``: each commodity's monitoring summary, and under ``futures_book`` the
  futures desk's day (``futures_section``: the same figures as its part of report.html);
- ``report.html``: one self-contained page for the desk (``report_html``).

The futures desk's orders are not repeated as a CSV: the desk writes ``futures/trades.csv`` and
``futures/portfolio_weights.csv`` beside these files, and report.html links them.

A recommendation whose status is not ACTIONABLE publishes the action ``NONE (<status>)`` and no
quantity, share, proceeds or cost (empty in the CSV), so nothing in the pack reads as an
instruction to trade; its reason is the halted reason, or else the failed validators' names.
Shares and returns are fractions (0.25 = 25 %), prices are in the commodity's price units and
quantities in its volume unit. JSON files never carry NaN or infinity: those become null.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from trading_platform.domain.json_values import json_safe
from trading_platform.domain.reporting.daily_report_html import render_report_html
from trading_platform.domain.reporting.futures_section import MONITORING_KEY, FuturesSection
from trading_platform.domain.reporting.html_parts import format_number, format_quantity
from trading_platform.domain.reporting.report_model import CommodityDay
from trading_platform.domain.statuses import RecommendationStatus

_TRADE_SCHEMA = {
    "date": pl.Date, "commodity": pl.String, "status": pl.String,
    "published_action": pl.String, "quantity": pl.Float64, "share_of_inventory": pl.Float64,
    "fills_on": pl.Date, "reference_price": pl.Float64, "units": pl.String,
    "expected_proceeds": pl.Float64,
    "transaction_cost": pl.Float64, "net_proceeds": pl.Float64, "tier": pl.String,
    "model": pl.String, "model_version": pl.String, "strategy": pl.String,
    "strategy_hash": pl.String, "run_id": pl.String, "reason": pl.String,
}
# What a desk would execute: left empty unless the recommendation is actionable.
_TRADE_AMOUNTS = ("quantity", "share_of_inventory", "expected_proceeds", "transaction_cost",
                  "net_proceeds")
_SUMMARY_SCHEMA = {
    "commodity": pl.String, "status": pl.String, "published_action": pl.String,
    "quantity": pl.Float64, "reference_price": pl.Float64, "net_proceeds": pl.Float64,
    "tier": pl.String, "champion": pl.String,
}
_FORECAST_KEYS = ("share_above", "mean_return", "median_return", "q10_return", "q90_return",
                  "uncertainty", "evaluation_day", "tier")
_CHAMPION_KEYS = {"model": "model", "model_version": "model_version", "strategy": "strategy",
                  "strategy_hash": "strategy_hash", "status": "champion_status",
                  "score": "champion_score"}
# Selection evidence, when the recommendation carries it (champions selected since issue 16).
_SELECTION_KEYS = ("basis", "basis_reason", "selected_model", "selected_strategy",
                   "selection_start", "selection_end", "holdout_start", "holdout_end",
                   "n_candidates", "dsr", "holdout_sharpe", "holdout_sharpe_low",
                   "holdout_sharpe_high")
_REQUIRED_KEYS = frozenset({
    "commodity", "date", "status", "action", "quantity", "share_of_inventory",
    "available_inventory", "reference_price", "expected_proceeds", "transaction_cost",
    "storage_cost", "net_proceeds", *_FORECAST_KEYS, "explanation", "data_partition",
    "run_id", *_CHAMPION_KEYS.values(), "opening_inventory", "intake", "closing_inventory",
    "closing_cash", "value", "units", "volume_unit", "halted_reason",
})


@dataclass(frozen=True)
class ReportPack:
    """The day's files by name, a one-row-per-commodity summary, the missing commodities and
    the futures desk's section (None when the report was built without one)."""

    files: dict[str, bytes]
    summary: pl.DataFrame
    missing: list[str]
    futures: FuturesSection | None = None


def build_report_pack(day: datetime.date, days: Mapping[str, CommodityDay],
                      expected: Sequence[str], generated_at: str,
                      futures: FuturesSection | None = None) -> ReportPack:
    """Build the day's report pack from each commodity's recommendation and evidence, and the
    futures desk's section when given (``futures_section.build_futures_section``).

    ``expected`` lists the commodities that should have a recommendation; those absent from
    ``days`` are reported as missing (in ``expected``'s order). Raises ValueError when a
    recommendation lacks a column, is for another commodity or is dated another day, or when
    the futures section is for another day.
    """
    if futures is not None and futures.day != day:
        raise ValueError(f"the futures section is for {futures.day}, the report is for {day}; "
                         "build it from that day's futures desk rows")
    for commodity, entry in days.items():
        _validate(commodity, entry.recommendation, day)
    trades = [_trade_row(commodity, days[commodity]) for commodity in sorted(days)]
    missing = list(dict.fromkeys(c for c in expected if c not in days))
    monitoring: dict[str, object] = {
        "date": day.isoformat(), "commodities": {c: days[c].monitoring for c in sorted(days)}}
    if futures is not None:
        monitoring[MONITORING_KEY] = futures.to_json()
    page = render_report_html(day, days, trades, missing, generated_at, futures)
    files = {
        "trades.csv": pl.DataFrame(trades, schema=_TRADE_SCHEMA).write_csv().encode("utf-8"),
        "signals.json": _json_bytes(_signals(day, days, generated_at)),
        "monitoring.json": _json_bytes(monitoring),
        "report.html": page.encode("utf-8"),
    }
    return ReportPack(files=files, summary=_summary(trades), missing=missing, futures=futures)


def summary_markdown(pack: ReportPack) -> str:
    """The summary as a markdown table, plus a ``missing: ...`` line when any are missing and
    a line on the futures desk when the pack has its section."""
    header = ("commodity", "status", "action", "quantity", "reference price", "net proceeds",
              "tier", "champion")
    lines = ["| " + " | ".join(header) + " |", "|---|---|---|---:|---:|---:|---|---|"]
    for row in pack.summary.iter_rows(named=True):
        cells = (row["commodity"], row["status"], row["published_action"],
                 format_quantity(row["quantity"]), format_number(row["reference_price"]),
                 format_number(row["net_proceeds"]), row["tier"] or "-", row["champion"])
        lines.append("| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |")
    if pack.missing:
        lines += ["", f"missing: {', '.join(pack.missing)}"]
    if pack.futures is not None:
        lines += ["", _futures_line(pack.futures)]
    return "\n".join(lines)


def _futures_line(section: FuturesSection) -> str:
    if not section.recorded:
        return f"futures desk: {section.message}"
    book = section.book
    halted = f" ({book['halted_reason']})" if book["halted_reason"] else ""
    return (f"futures desk: {book['status']}{halted}, value {format_number(book['value'])}, "
            f"day P&L {format_number(book['day_pnl'])}, {book['orders']} order(s), "
            f"{book['stage']} stage")


def _validate(commodity: str, recommendation: Mapping[str, object], day: datetime.date) -> None:
    absent = sorted(_REQUIRED_KEYS - recommendation.keys())
    if absent:
        raise ValueError(f"recommendation for {commodity} lacks {', '.join(absent)}; pass the "
                         "full trading.recommendations row")
    if recommendation["commodity"] != commodity:
        raise ValueError(f"recommendation filed under {commodity} is for "
                         f"{recommendation['commodity']}; key each recommendation by its own "
                         "commodity")
    if recommendation["date"] != day:
        raise ValueError(f"recommendation for {commodity} is dated {recommendation['date']}, the "
                         f"report is for {day}; pass only that day's recommendations")


def _published_action(recommendation: Mapping[str, object]) -> str:
    status = str(recommendation["status"])
    if status == RecommendationStatus.ACTIONABLE:
        return str(recommendation["action"])
    return f"NONE ({status})"


def _reason(entry: CommodityDay) -> str:
    halted = str(entry.recommendation["halted_reason"] or "")
    if halted:
        return halted
    return "; ".join(str(check["name"]) for check in entry.checks if not check["passed"])


def _trade_row(commodity: str, entry: CommodityDay) -> dict[str, object]:
    recommendation = entry.recommendation
    actionable = recommendation["status"] == RecommendationStatus.ACTIONABLE
    row: dict[str, object] = {column: recommendation.get(column) for column in _TRADE_SCHEMA}
    row |= {"commodity": commodity, "published_action": _published_action(recommendation),
            "reason": _reason(entry),
            "reference_price": _float(recommendation["reference_price"])}
    for column in _TRADE_AMOUNTS:
        row[column] = _float(recommendation[column]) if actionable else None
    row["fills_on"] = recommendation.get("fills_on") if actionable else None
    return row


def _float(value: object) -> float:
    return float(value)  # type: ignore[arg-type]  # a numeric column of the stored row


def _summary(trades: Sequence[Mapping[str, object]]) -> pl.DataFrame:
    rows = [{**{column: trade[column] for column in _SUMMARY_SCHEMA if column != "champion"},
             "champion": f"{trade['model']} x {trade['strategy']}"} for trade in trades]
    return pl.DataFrame(rows, schema=_SUMMARY_SCHEMA)


def _signals(day: datetime.date, days: Mapping[str, CommodityDay],
             generated_at: str) -> dict[str, object]:
    commodities: dict[str, object] = {}
    for commodity in sorted(days):
        recommendation = days[commodity].recommendation
        commodities[commodity] = {
            "forecast": {key: recommendation[key] for key in _FORECAST_KEYS},
            "champion": {key: recommendation[source] for key, source in _CHAMPION_KEYS.items()},
            "selection": {key: recommendation.get(key) for key in _SELECTION_KEYS},
            "explanation": recommendation["explanation"],
        }
    return {"date": day.isoformat(), "generated_at": generated_at, "commodities": commodities}


def _json_bytes(document: Mapping[str, object]) -> bytes:
    return json.dumps(json_safe(document), allow_nan=False, indent=2).encode("utf-8")
