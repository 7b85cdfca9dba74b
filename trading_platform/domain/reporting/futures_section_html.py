"""The futures desk's section of report.html, in the page's look (``html_parts``).

Layout: the day's status in one coloured line (and the halt, if any); value and P&L today and
since inception; positions and weights; the day's orders (linking the desk's own
``futures/trades.csv``); fills with costs, slippage and shortfall; breakers and kill switch; the
risk-utilisation chart and table (amber from 80 %, red from 100 %); every verdict; lineage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from trading_platform.domain.desk.trading_book.breakers import RESET_COMMAND
from trading_platform.domain.reporting.futures_charts import risk_utilisation_chart
from trading_platform.domain.reporting.futures_section import (
    GO_NO_GO_FILE,
    TRADES_FILE,
    FuturesSection,
)
from trading_platform.domain.reporting.html_parts import (
    STATUS_CLASSES,
    checks_table,
    escape,
    finite,
    format_number,
    format_percent,
    format_quantity,
    image_tag,
)
from trading_platform.domain.reporting.risk_utilisation import LIMIT_AT, WARN_AT, LimitUse
from trading_platform.domain.statuses import RecommendationStatus

ANCHOR = "futures-desk"
_LINEAGE = ("selected", "basis", "signal_set", "optimiser", "model", "strategy",
            "strategy_version", "strategy_hash", "book_config_hash", "mlflow_version",
            "risk_limits_hash")


def futures_summary_line(section: FuturesSection) -> str:
    """One line under the summary table, linking the section."""
    if not section.recorded:
        return f"<p><a href='#{ANCHOR}'>Futures desk</a>: {escape(section.message)}</p>"
    book = section.book
    return (f"<p><a href='#{ANCHOR}'>Futures desk</a>: "
            f"<span class='{_status_class(book['status'])}'>{escape(book['status'])}</span>, "
            f"value {format_number(book['value'])}, day P&amp;L "
            f"{format_number(book['day_pnl'])}, {escape(book['orders'])} order(s), "
            f"{escape(book['stage'])} stage</p>")


def futures_banner(section: FuturesSection) -> str:
    """The banner line of a halted futures book ("" otherwise)."""
    if not section.recorded or section.book["status"] != RecommendationStatus.HALTED:
        return ""
    return (f"<p>futures book HALTED ({escape(section.book['halted_reason'])}): no new orders "
            "until a recorded reset</p>")


def render_futures_section(section: FuturesSection) -> str:
    """The whole section (a short one saying what to run when the desk has no row)."""
    head = [f"<section id='{ANCHOR}'>", "<h2>Futures desk</h2>"]
    if not section.recorded:
        return "\n".join([*head, f"<p class='recommendation blocked'>"
                                  f"{escape(section.message)}</p>", "</section>"])
    book = section.book
    parts = [
        *head, f"<p class='recommendation {_status_class(book['status'])}'>"
               f"{escape(_status_line(book))}</p>", _halt_line(book),
        "<h3>Value and P&amp;L</h3>", _pnl_table(book), _shares_line(book),
        "<h3>Positions and weights</h3>", _positions_table(section.positions),
        "<h3>Today's orders</h3>", _orders_table(section.orders),
        f"<p>the desk's order file: <a href='{TRADES_FILE}'>{TRADES_FILE}</a></p>",
        "<h3>Fills, costs and slippage</h3>", _fills_table(section.fills),
        f"<p>{escape(_costs_line(section.costs))}</p>",
        "<h3>Breakers and kill switch</h3>", _breakers_table(section.breakers),
        "<h3>Risk utilisation</h3>",
        image_tag(risk_utilisation_chart([u.limit for u in section.utilisation],
                                         [u.utilisation for u in section.utilisation],
                                         f"futures book {section.day}: how close each limit is",
                                         WARN_AT), "futures book: risk utilisation"),
        _utilisation_table(section.utilisation),
        "<h3>Validators, breakers and parity</h3>", checks_table(section.verdicts),
        "<h3>Go/no-go</h3>", _go_no_go_line(section.go_no_go),
        "<h3>Lineage</h3>", _pairs([(k.replace("_", " "), book.get(k)) for k in _LINEAGE]),
        "</section>"]
    return "\n".join(part for part in parts if part)


def _status_class(status: object) -> str:
    return STATUS_CLASSES.get(str(status), "blocked")


def _status_line(book: Mapping[str, object]) -> str:
    line = (f"{book['status']}: {book['orders']} order(s) today, {book['dropped']} dropped "
            f"below the minimum size; {book['basis']} champion {book['selected']}, "
            f"{book['stage']} stage")
    gaps = f"; {book['gaps']} commodity(ies) without today's bar" if book["gaps"] else ""
    return line + gaps


def _halt_line(book: Mapping[str, object]) -> str:
    if not book["halted_reason"]:
        return ""
    return (f"<p class='halted'>HALTED: {escape(book['halted_reason'])}. No new orders until "
            f"a recorded reset (<code>{escape(RESET_COMMAND)}</code>).</p>")


def _pnl_table(book: Mapping[str, object]) -> str:
    rows = [("P&L (mark to market and fills)", book["day_pnl"], book["pnl_since_inception"]),
            ("costs (commission + slippage)", book["day_costs"], book["costs_since_inception"]),
            ("net", book["day_net"], book["net_since_inception"])]
    body = "".join(f"<tr><td>{escape(label)}</td><td class='num'>{format_number(today)}</td>"
                   f"<td class='num'>{format_number(total)}</td></tr>"
                   for label, today, total in rows)
    value = (f"<tr><td>value</td><td class='num'>{format_number(book['value'])}</td><td "
             f"class='num'>{format_percent(book['value_vs_initial'], 2)} of the initial capital "
             f"{format_number(book['initial_capital'])}</td></tr>")
    warning = "" if book["reconciles"] else (
        "<p class='fail'>the value less the initial capital differs from the recorded P&amp;L "
        "net of costs: a day is missing from trading.futures_desk or was rerun out of order"
        "</p>")
    return (f"<table><tr><th></th><th>today</th><th>since inception ({book['days']} desk "
            f"day(s))</th></tr>{body}{value}</table>{warning}")


def _shares_line(book: Mapping[str, object]) -> str:
    after = ", ".join(f"{label} {format_percent(book[key], 1)}" for label, key in (
        ("gross", "gross"), ("cash", "cash"), ("margin", "margin_share")))
    orders = (f"turnover {format_percent(book['turnover'], 1)}, estimated costs "
              f"{format_percent(book['estimated_costs'], 2)}")
    return (f"<p>as shares of the book once today's orders fill: {escape(after)}; today's "
            f"orders: {escape(orders)}</p>")


def _positions_table(rows: Sequence[Mapping[str, object]]) -> str:
    header = ("commodity", "contract", "contracts held", "mark", "weight before",
              "weight after", "champion weight", "day P&L", "open P&L")
    body = [[row["commodity"], row["contract"], format_quantity(row["contracts_held"]),
             format_number(row["mark"]), format_percent(row["weight_before"], 1),
             format_percent(row["weight_after"], 1), format_percent(row["champion_weight"], 1),
             format_number(row["day_pnl"]), format_number(row["open_pnl"])] for row in rows]
    return _table(header, body, "no position recorded", range(2, 9))


def _orders_table(rows: Sequence[Mapping[str, object]]) -> str:
    header = ("commodity", "contract", "side", "contracts", "reference price", "notional",
              "weight before", "weight after", "champion weight", "commission estimate",
              "slippage estimate")
    body = [[row["commodity"], row["contract"], _side(row), format_quantity(abs(_contracts(row))),
             format_number(row["reference_price"]), format_number(row["notional"]),
             format_percent(row["weight_before"], 1), format_percent(row["weight_after"], 1),
             format_percent(row["champion_weight"], 1), format_number(row["commission_estimate"]),
             format_number(row["slippage_estimate"])] for row in rows]
    return _table(header, body, "no order today", range(3, 11))


def _contracts(row: Mapping[str, object]) -> float:
    """The order sent, else the one dropped (signed contracts)."""
    return finite(row["order"]) or finite(row["dropped_order"]) or 0.0


def _side(row: Mapping[str, object]) -> str:
    side = "BUY" if _contracts(row) > 0 else "SELL"
    return side if finite(row["order"]) else f"{side} (dropped: below the minimum order size)"


def _fills_table(rows: Sequence[Mapping[str, object]]) -> str:
    header = ("commodity", "contract", "filled", "fill price", "commission",
              "slippage charged", "slippage estimate sent", "shortfall", "shortfall / estimate")
    body = [[row["commodity"], row["contract"], format_quantity(row["filled"]),
             format_number(row["fill_price"]), format_number(row["commission"]),
             format_number(row["slippage"]), format_number(row["slippage_estimate"]),
             format_number(row["shortfall"]), format_number(row["shortfall_vs_estimate"])]
            for row in rows]
    return _table(header, body, "no fill today", range(2, 9))


def _costs_line(costs: Mapping[str, float]) -> str:
    if not costs:
        return "costs: no position rows recorded"
    return (f"charged today: commission {format_number(costs['commission'])} + slippage "
            f"{format_number(costs['slippage'])}; shortfall of the fills "
            f"{format_number(costs['shortfall'])} (positive = cost) against the slippage "
            f"estimate {format_number(costs['slippage_estimate_of_fills'])} sent with their "
            f"orders; today's orders are estimated at commission "
            f"{format_number(costs['orders_commission_estimate'])} + slippage "
            f"{format_number(costs['orders_slippage_estimate'])}")


def _breakers_table(rows: Sequence[Mapping[str, object]]) -> str:
    header = ("check", "kind", "status", "observed", "threshold", "description")
    body = []
    for row in rows:
        status = "n/a" if row["tripped"] is None else "TRIPPED" if row["tripped"] else "ok"
        body.append([row["name"], row["kind"], (status, "fail" if row["tripped"] else ""),
                     format_number(row["observed"], 4), format_number(row["threshold"], 4),
                     row["description"]])
    return _table(header, body, "no breaker verdict recorded", (3, 4))


def _utilisation_table(uses: Sequence[LimitUse]) -> str:
    header = ("limit", "check", "kind", "observed", "limit value", "used", "note")
    body = []
    for use in uses:
        level = use.utilisation
        css = "" if level is None else "fail" if level >= LIMIT_AT else \
            "warn" if level >= WARN_AT else ""
        used = "not judged" if level is None else format_percent(level, 0)
        body.append([use.limit, use.check, use.direction, format_number(use.observed, 4),
                     format_number(use.threshold, 4), (used, css), use.note])
    return _table(header, body, "no limits", (3, 4, 5))


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], empty: str,
           numeric: Sequence[int] = ()) -> str:
    """Cells are text, or (text, css class); the ``numeric`` columns are right-aligned."""
    if not rows:
        return f"<p>{escape(empty)}</p>"
    head = "".join(f"<th>{escape(name)}</th>" for name in header)
    lines = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            text, css = cell if isinstance(cell, tuple) else (cell, "")
            css = " ".join(c for c in (css, "num" if i in numeric else "") if c)
            cells.append(f"<td class='{css}'>{escape(text)}</td>" if css
                         else f"<td>{escape(text)}</td>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>\n" + "\n".join(lines) + "</table>"


def _go_no_go_line(decision: Mapping[str, object]) -> str:
    if not decision:
        return "<p>no go/no-go decision recorded for the day: materialize futures_go_no_go</p>"
    failed = f"; not met: {decision['failed']}" if decision["failed"] else ""
    return (f"<p><b>{escape(decision['decision'])}</b> after {escape(decision['paper_days'])} "
            f"of {escape(decision['required_days'])} paper days; stage "
            f"{escape(decision['stage'])} -> {escape(decision['next_stage'])}{escape(failed)}. "
            f"Report: <a href='{GO_NO_GO_FILE}'>{GO_NO_GO_FILE}</a></p>")


def _pairs(rows: Sequence[tuple[str, object]]) -> str:
    return "<table>" + "".join(f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>"
                               for label, value in rows) + "</table>"
