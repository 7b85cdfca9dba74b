"""The futures desk's part of the daily report: one trading day of the futures paper book.

``build_futures_section`` turns the day's stored rows (``FuturesRecords``: the desk's rows of
``trading.futures_desk`` up to the day, the day's and the previous desk day's
``trading.futures_positions``, and the day's verdicts of the futures book in
``trading.validations``) into a ``FuturesSection``: the book's figures, positions and weights,
the day's orders, the fills with their costs and slippage, breaker and kill-switch status, risk
utilisation (``risk_utilisation``) and every verdict. ``to_json`` is the ``futures_book`` entry
of monitoring.json; report.html renders the same section (``futures_section_html``).

Conventions: money is in the book's currency; weights, cash, gross, turnover and margin are
shares of the book's value (``trading_book.recording``); ``value_vs_initial`` is the value over
the initial capital (1.0 = intact). P&L is gross of costs (``pnl``, mark to market and fills),
costs are commission plus slippage charged on the day's fills, net = P&L - costs; since
inception sums every recorded desk day, and ``net_since_inception`` is the value less the
initial capital (``reconciles`` says whether the two agree to a cent). ``shortfall`` is the
fill's price move from the reference price of the order's decision (positive when it cost the
book), set beside the slippage estimate sent with that order (the previous desk day's
``slippage_estimate``); on paper the slippage charged is the model's, equal to the estimate
except on roll days (the roll's two legs are charged too).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

import polars as pl

from trading_platform.config.risk_limits import FuturesRisk
from trading_platform.domain.desk.trading_book.breakers import BREAKER_CHECKS, KILL_SWITCH_CHECKS
from trading_platform.domain.reporting.risk_utilisation import (
    LimitUse,
    evidence_of,
    risk_utilisation,
)

MONITORING_KEY = "futures_book"
DESK_ASSET = "futures_orders"
TRADES_FILE = "futures/trades.csv"  # written by the desk itself, beside report.html
GO_NO_GO_FILE = "futures/go_no_go.md"  # written by futures_go_no_go, beside report.html
_GO_NO_GO = ("decision", "stage", "next_stage", "paper_days", "required_days", "failed",
             "book_return", "equal_weight_return", "sharpe", "max_drawdown")
_LINEAGE = ("selected", "signal_set", "optimiser", "model", "strategy", "strategy_version",
            "strategy_hash", "book_config_hash", "mlflow_version", "risk_limits_hash")
_SHARES = ("gross", "cash", "turnover", "margin_share", "estimated_costs")
_POSITIONS = {"commodity": "commodity", "contract": "contract", "held": "contracts_held",
              "mark": "mark", "entry": "entry", "weight_before": "weight_before",
              "weight_after": "weight_after", "plan_weight": "champion_weight",
              "pnl": "day_pnl", "opened_pnl": "open_pnl", "gap": "gap"}
_CENT = 0.01


@dataclass(frozen=True)
class FuturesRecords:
    """The stored rows the section reads (frames may be empty: nothing recorded)."""

    desk: pl.DataFrame
    positions: pl.DataFrame
    previous_positions: pl.DataFrame
    verdicts: pl.DataFrame
    go_no_go: pl.DataFrame = field(default_factory=pl.DataFrame)  # the day's decision row


@dataclass(frozen=True)
class FuturesSection:
    """The day's futures desk as the report shows it; ``recorded`` is False (and ``message``
    says what to materialize) when the desk has no row for the day."""

    day: dt.date
    recorded: bool
    message: str
    book: dict[str, object] = field(default_factory=dict)
    costs: dict[str, float] = field(default_factory=dict)
    positions: list[dict[str, object]] = field(default_factory=list)
    orders: list[dict[str, object]] = field(default_factory=list)
    fills: list[dict[str, object]] = field(default_factory=list)
    breakers: list[dict[str, object]] = field(default_factory=list)
    utilisation: list[LimitUse] = field(default_factory=list)
    verdicts: list[dict[str, object]] = field(default_factory=list)
    go_no_go: dict[str, object] = field(default_factory=dict)

    def closest_limit(self) -> LimitUse | None:
        """The limit with the highest utilisation today (None when none was judged)."""
        judged = [u for u in self.utilisation if u.utilisation is not None]
        return max(judged, key=lambda u: u.utilisation or 0.0, default=None)

    def to_json(self) -> dict[str, object]:
        """The section as JSON data (run it through ``json_safe`` for NaN)."""
        document = asdict(self)
        document["day"] = self.day.isoformat()
        document["trades_file"] = TRADES_FILE if self.recorded else None
        return document


def build_futures_section(day: dt.date, records: FuturesRecords, risk: FuturesRisk,
                          initial_capital: float) -> FuturesSection:
    """The section of ``day`` (module docstring); a day without a desk row says so."""
    desk = records.desk.filter(pl.col("date") <= day).sort("date") if records.desk.height \
        else records.desk
    if not desk.height or desk["date"][-1] != day:
        return FuturesSection(day, False, f"no futures desk row for {day}: materialize "
                                          f"{DESK_ASSET} for {day}, then this report again")
    row = desk.row(-1, named=True)
    positions = records.positions.sort("commodity") if records.positions.height \
        else records.positions
    verdicts = records.verdicts.to_dicts()
    return FuturesSection(
        day, True, "", book=_book(row, desk, initial_capital),
        costs=_costs(positions, records.previous_positions),
        positions=positions.select(*(pl.col(c).alias(a) for c, a in _POSITIONS.items()))
        .to_dicts() if positions.height else [],
        orders=_orders(positions).to_dicts() if positions.height else [],
        fills=_fills(positions, records.previous_positions).to_dicts(),
        breakers=_breakers(verdicts), utilisation=risk_utilisation(verdicts, risk),
        verdicts=[{"name": v["check"], "passed": bool(v["passed"]), "severity": v["severity"],
                   "description": v["description"]} for v in verdicts],
        go_no_go=_go_no_go(records.go_no_go))


def _go_no_go(rows: pl.DataFrame) -> dict[str, object]:
    """The day's go/no-go decision and where its report is (empty when none is recorded)."""
    if not rows.height:
        return {}
    row = rows.row(0, named=True)
    return {k: row.get(k) for k in _GO_NO_GO} | {"report": GO_NO_GO_FILE}


def _book(row: dict[str, object], desk: pl.DataFrame, initial: float) -> dict[str, object]:
    value, pnl, costs = (float(row[k]) for k in ("equity", "pnl", "costs"))  # type: ignore[arg-type]
    gross_total, costs_total = float(desk["pnl"].sum()), float(desk["costs"].sum())
    net_total = value - initial
    return {
        "status": row["status"], "basis": row["basis"], "stage": row["stage"],
        "capital_share": row.get("capital_share"),
        "halted_reason": row["halted_reason"] or "", "value": value,
        "initial_capital": initial, "value_vs_initial": value / initial, "day_pnl": pnl,
        "day_costs": costs, "day_net": pnl - costs, "days": desk.height,
        "pnl_since_inception": gross_total, "costs_since_inception": costs_total,
        "net_since_inception": net_total,
        "reconciles": abs(net_total - (gross_total - costs_total)) <= _CENT,
        "orders": row["orders"], "dropped": row["dropped"], "gaps": row["gaps"],
        **{k: row[k] for k in _SHARES}, **{k: row.get(k) for k in _LINEAGE}}


def _orders(positions: pl.DataFrame) -> pl.DataFrame:
    """The day's orders as stored: sent (``order``, signed contracts) or dropped for their size
    (``dropped_order``); the desk's trades.csv lists the same orders with side and reason."""
    return positions.filter((pl.col("order") != 0) | (pl.col("dropped_order") != 0)).select(
        "commodity", "contract", "order", "dropped_order", pl.col("price").alias(
            "reference_price"), pl.col("order_notional").alias("notional"), "weight_before",
        "weight_after", pl.col("plan_weight").alias("champion_weight"),
        (pl.col("cost_estimate") - pl.col("slippage_estimate")).alias("commission_estimate"),
        "slippage_estimate")


def _fills(positions: pl.DataFrame, previous: pl.DataFrame) -> pl.DataFrame:
    """Today's fills: costs charged, the slippage estimate sent with the order, shortfall."""
    schema = {"commodity": pl.String, "contract": pl.String, "filled": pl.Float64,
              "fill_price": pl.Float64, "commission": pl.Float64, "slippage": pl.Float64,
              "slippage_estimate": pl.Float64, "shortfall": pl.Float64,
              "shortfall_vs_estimate": pl.Float64}
    if not positions.height:
        return pl.DataFrame(schema=schema)
    sent = previous.select("commodity", "slippage_estimate") if previous.height else \
        pl.DataFrame(schema={"commodity": pl.String, "slippage_estimate": pl.Float64})
    fills = positions.filter(pl.col("filled") != 0).select(
        "commodity", "contract", "filled", "fill_price", "commission", "slippage", "shortfall"
    ).join(sent, on="commodity", how="left")
    ratio = pl.when(pl.col("slippage_estimate") > 0).then(
        pl.col("shortfall") / pl.col("slippage_estimate"))
    return fills.with_columns(ratio.alias("shortfall_vs_estimate")).select(list(schema))


def _costs(positions: pl.DataFrame, previous: pl.DataFrame) -> dict[str, float]:
    """The day's costs charged and shortfall, against the estimates of the orders behind them,
    and the estimated costs of today's orders."""
    if not positions.height:
        return {}
    fills = _fills(positions, previous)

    def total(frame: pl.DataFrame, column: str) -> float:
        return float(frame[column].fill_nan(None).sum()) if frame.height else 0.0
    return {"commission": total(positions, "commission"),
            "slippage": total(positions, "slippage"),
            "shortfall": total(positions, "shortfall"),
            "slippage_estimate_of_fills": total(fills, "slippage_estimate"),
            "orders_commission_estimate": total(positions, "cost_estimate")
            - total(positions, "slippage_estimate"),
            "orders_slippage_estimate": total(positions, "slippage_estimate")}


def _breakers(verdicts: list[dict[str, object]]) -> list[dict[str, object]]:
    """The breakers' and kill switch's verdicts in a fixed order (absent ones are listed)."""
    by_check = {str(v["check"]): v for v in verdicts}
    rows = []
    for name in (*BREAKER_CHECKS, *KILL_SWITCH_CHECKS):
        kind = "kill switch" if name in KILL_SWITCH_CHECKS else "breaker"
        verdict = by_check.get(name)
        if verdict is None:
            rows.append({"name": name, "kind": kind, "observed": None, "threshold": None,
                         "tripped": None, "description": "no verdict recorded today"})
            continue
        evidence = evidence_of(verdict)
        rows.append({"name": name, "kind": kind, "observed": evidence.get("observed"),
                     "threshold": evidence.get("threshold"),
                     "tripped": not bool(verdict["passed"]),
                     "description": verdict["description"]})
    return rows
