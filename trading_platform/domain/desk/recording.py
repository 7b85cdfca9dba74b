"""The stored rows of a trading day: the published recommendation and the paper-ledger row.

Column contracts (the ``trading.recommendations`` and ``trading.ledger`` tables):
- recommendation: what the desk is told (status, action, quantity, prices, costs, the forecast
  figures, the explanation, lineage and the book after the day);
- ledger: what the book did: opening book (with the order waiting for today's session), intake,
  price, the fill of that order (``filled_quantity`` at ``fill_price``), the engine's decided
  quantity (today's order, or the forced sale), the executed quantity (None while a manual fill
  is pending) and its price (None while an order waits for the next session's close), the
  closing book (``closing_pending``: the order sent for the next session), its value and the
  intake's value (``flow``, which breakers exclude from returns), and ``next_day`` (the
  calendar's next trading day, which parity needs to replay the season end).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import polars as pl

from trading_platform.domain.desk.ledger import Settlement
from trading_platform.domain.desk.live import DayDecision
from trading_platform.domain.statuses import Action, LedgerState, RecommendationStatus

if TYPE_CHECKING:
    from trading_platform.domain.desk.inputs import DayInputs

LEDGER_SCHEMA = {
    "commodity": pl.String, "date": pl.Date, "state": pl.String, "model": pl.String,
    "strategy": pl.String, "strategy_hash": pl.String, "opening_inventory": pl.Float64,
    "opening_cash": pl.Float64, "opening_since": pl.Int64, "opening_pending": pl.Float64,
    "intake": pl.Float64, "price": pl.Float64, "filled_quantity": pl.Float64,
    "fill_price": pl.Float64, "action": pl.String, "decided_quantity": pl.Float64,
    "executed_quantity": pl.Float64, "executed_price": pl.Float64, "proceeds": pl.Float64,
    "transaction_cost": pl.Float64, "storage_cost": pl.Float64,
    "closing_inventory": pl.Float64, "closing_cash": pl.Float64, "closing_since": pl.Int64,
    "closing_pending": pl.Float64, "value": pl.Float64, "flow": pl.Float64, "next_day": pl.Date,
    "source": pl.String,
}
# kind: "breaker" (tripped by a day's reading, in force from the next day; the tripping day
# itself is HALTED by its own verdicts) or "manual" (the kill switch, in force from tripped_on).
HALT_SCHEMA = {"commodity": pl.String, "tripped_on": pl.Date, "kind": pl.String,
               "reason": pl.String, "reset_on": pl.Date, "reset_by": pl.String,
               "reset_reason": pl.String}
FIGURES = ("share_above", "mean_return", "median_return", "q10_return", "q90_return",
           "uncertainty")


def ledger_row(inputs: DayInputs, decision: DayDecision, executed: float | None,
               state: LedgerState, settled: Settlement | None) -> dict[str, object]:
    """One ledger row; ``settled`` None leaves the closing book empty (pending or decided)."""
    opening = inputs.opening
    at_close = decision.forced > 0 or decision.fills_on == inputs.day
    return {
        "commodity": inputs.commodity, "date": inputs.day, "state": str(state),
        "model": inputs.champion.model, "strategy": inputs.champion.strategy,
        "strategy_hash": inputs.champion.spec.content_hash,
        "opening_inventory": opening.book.inventory, "opening_cash": opening.cash,
        "opening_since": opening.book.days_since_sale, "opening_pending": opening.book.pending,
        "intake": decision.intake, "price": decision.price,
        "filled_quantity": settled.filled if settled else None,
        "fill_price": settled.fill_price if settled else None, "action": decision.action,
        "decided_quantity": decision.quantity, "executed_quantity": executed,
        "executed_price": decision.price if executed is not None and at_close else None,
        "proceeds": settled.proceeds if settled else None,
        "transaction_cost": settled.transaction_cost if settled else None,
        "storage_cost": settled.storage_cost if settled else None,
        "closing_inventory": settled.closing.inventory if settled else None,
        "closing_cash": settled.closing_cash if settled else None,
        "closing_since": settled.closing.days_since_sale if settled else None,
        "closing_pending": settled.closing.pending if settled else None,
        "value": settled.value if settled else None,
        "flow": decision.intake * decision.price, "next_day": inputs.next_day,
        "source": "paper" if state != LedgerState.PENDING else "",
    }


def recommendation_row(inputs: DayInputs, decision: DayDecision | None,
                       status: RecommendationStatus, reason: str,
                       close: float | None) -> dict[str, object]:
    """The published recommendation (a day without a decision: HOLD of nothing, BLOCKED)."""
    champion = inputs.champion
    stats = decision.stats if decision else {}
    nan = math.nan
    # what the action is expected to bring, priced at today's close (an order for the next
    # session fills at that session's close)
    expected = decision.quantity * decision.price if decision else 0.0
    cost = inputs.setup.tx_rate * abs(expected)
    return {
        "commodity": inputs.commodity, "date": inputs.day, "status": str(status),
        "action": decision.action if decision else str(Action.HOLD),
        "quantity": decision.quantity if decision else 0.0,
        "share_of_inventory": decision.share_of_inventory if decision else 0.0,
        "available_inventory": decision.available if decision else (
            inputs.opening.book.inventory),
        "reference_price": close if close is not None else nan,
        "fills_on": (inputs.day if decision.forced > 0 else decision.fills_on) if decision
        else None,
        "expected_proceeds": expected,
        "transaction_cost": cost,
        "storage_cost": decision.storage_cost if decision else 0.0,
        "net_proceeds": expected - cost,
        "tier": decision.tier if decision else "",
        **{name: float(stats.get(name, nan)) for name in FIGURES},
        "evaluation_day": int(stats.get("evaluation_day", 14)),
        "explanation": decision.explanation if decision else (
            "No decision: today's close or the champion's forecast is missing. " + reason),
        "model": champion.model, "model_version": champion.version,
        "strategy": champion.strategy, "strategy_hash": champion.spec.content_hash,
        "data_partition": inputs.lineage.get("data_partition", ""),
        "run_id": inputs.lineage.get("run_id", ""), "champion_status": champion.status,
        "champion_score": champion.score, "basis": champion.basis,
        "basis_reason": champion.basis_reason, **champion.evidence,
        "opening_inventory": inputs.opening.book.inventory,
        "intake": decision.intake if decision else 0.0,
        "closing_inventory": decision.closing.inventory if decision else (
            inputs.opening.book.inventory),
        "closing_cash": decision.closing_cash if decision else inputs.opening.cash,
        "value": decision.value if decision else nan,
        "units": inputs.lineage.get("units", ""),
        "volume_unit": inputs.lineage.get("volume_unit", ""),
        "halted_reason": reason if status == RecommendationStatus.HALTED else "",
    }


def ledger_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    """Ledger rows with the table's column types (None stays a typed null)."""
    return pl.DataFrame(rows, schema=LEDGER_SCHEMA)
