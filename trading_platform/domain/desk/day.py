"""One commodity's trading day: decide, validate, publish or halt, and book the paper ledger.

``trading_day`` is the single domain call of ``trade_recommendations``. Its rules:
- Today's decision is ``live.decide_day`` (the backtest's code path) when today's close and
  the champion's prediction matrix exist; otherwise there is no decision and the day is
  BLOCKED by ``market_data_fresh``.
- Validators (``validators``, ``breakers``, ``parity``) all run; their verdicts are returned as
  evidence whatever happens. A tripped breaker, or a halt not yet reset, makes the day HALTED
  (a breaker tripping today also returns a new halt record); any other failed validator makes
  it BLOCKED; otherwise the recommendation is ACTIONABLE. Only an ACTIONABLE day publishes an
  action.
- Breakers read the ledger's values since the last manual reset plus today's value.
- The ledger row: in dry-run mode an ACTIONABLE day's order is sent as decided (it fills at
  the next session's close with fill lag 1, at today's with 0; a forced sale at today's); a
  HALTED or BLOCKED day sends nothing (the book still takes in intake, pays storage and fills
  the order sent the day before); in manual mode an ACTIONABLE day is ``pending`` until a fill
  is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from trading_platform.config.risk_limits import RiskLimits
from trading_platform.domain.desk.breakers import breaker_outcomes, read_breakers
from trading_platform.domain.desk.inputs import DayInputs
from trading_platform.domain.desk.ledger import settle
from trading_platform.domain.desk.live import DayDecision, decide_day
from trading_platform.domain.desk.parity import backtest_live_parity
from trading_platform.domain.desk.recording import ledger_row, recommendation_row
from trading_platform.domain.desk.validators import (
    champion_reads_no_future,
    champion_recently_fitted,
    champion_selected_before_day,
    market_data_fresh,
    price_above_floor,
    sale_within_daily_share,
    sale_within_inventory,
    trades_confirmed_evidence,
)
from trading_platform.domain.evidence import CheckOutcome
from trading_platform.domain.inventory.strategies import default_strategies
from trading_platform.domain.statuses import Action, HaltKind, LedgerState, RecommendationStatus

BREAKERS = ("one_day_loss_within_limit", "one_week_loss_within_limit", "drawdown_within_limit")
# Every verdict trading_day returns, in order (the asset declares one blocking check each).
VALIDATORS = ("sale_within_inventory", "sale_within_daily_share", "price_above_floor",
              "market_data_fresh", "champion_recently_fitted", "champion_selected_before_day",
              "trades_confirmed_evidence", "champion_reads_no_future", *BREAKERS,
              "trading_not_halted", "backtest_live_parity")


@dataclass(frozen=True)
class TradingDay:
    recommendation: dict[str, object]
    ledger: dict[str, object] | None
    outcomes: list[CheckOutcome]
    new_halt: dict[str, object] | None

    @property
    def status(self) -> str:
        return str(self.recommendation["status"])


def _today_close(inputs: DayInputs) -> float | None:
    dates = np.asarray(inputs.dates, dtype="datetime64[D]")
    if dates.size and dates[-1] == np.datetime64(inputs.day, "D"):
        return float(inputs.closes[-1])
    return None


def book_capital(inputs: DayInputs, decision: DayDecision | None) -> float | None:
    """The paper book's capital base, which breakers measure losses against: one season's
    intake at the close of the book's first live day (the backtests' notional, fixed from the
    start); None before any close is known (no reading is taken then)."""
    first = inputs.ledger["price"][0] if inputs.ledger.height else (
        decision.price if decision else None)
    if first is None or not np.isfinite(first) or first <= 0:
        return None
    return inputs.setup.harvest.annual_volume * float(first)


def _breakers(inputs: DayInputs, decision: DayDecision | None,
              limits: RiskLimits) -> list[CheckOutcome]:
    history = inputs.ledger.filter(pl.col("closing_inventory").is_not_null()) if (
        inputs.ledger.height) else inputs.ledger
    if inputs.since_reset is not None and history.height:
        history = history.filter(pl.col("date") > inputs.since_reset)
    values = list(history["value"]) if history.height else []
    flows = list(history["flow"]) if history.height else []
    if decision is not None:
        values.append(decision.value)
        flows.append(decision.intake * decision.price)
    if len(values) < 2:
        values, flows = [1.0], [0.0]  # nothing at risk yet: a neutral reading
    reading = read_breakers(np.asarray(values), np.asarray(flows), limits.breakers.week_days,
                            book_capital(inputs, decision))
    return breaker_outcomes(reading, limits.breakers)


def _validate(inputs: DayInputs, decision: DayDecision | None, close: float | None,
              limits: RiskLimits) -> list[CheckOutcome]:
    quantity = decision.quantity if decision else 0.0
    available = decision.available if decision else inputs.opening.book.inventory
    days = [d.astype(object) for d in np.asarray(inputs.dates, dtype="datetime64[D]")[-30:]]
    outcomes = [
        sale_within_inventory(quantity, available),
        sale_within_daily_share(quantity, available, bool(decision and decision.forced > 0),
                                limits.limits.max_daily_sale_share),
        price_above_floor(inputs.commodity, quantity, close if close is not None else 0.0,
                          limits.limits.price_floors),
        market_data_fresh(inputs.day, days, close, limits.limits.max_data_gap_weekdays),
        champion_recently_fitted(inputs.day, inputs.champion.fitted_through,
                                 limits.limits.champion_max_age_days),
        champion_selected_before_day(inputs.day, inputs.champion.selected_through),
        trades_confirmed_evidence(inputs.champion.basis, inputs.champion.status,
                                  inputs.champion.spec.uses_forecast),
        champion_reads_no_future(inputs.champion.uses_future, inputs.champion.spec.uses_forecast),
        *_breakers(inputs, decision, limits),
        CheckOutcome("trading_not_halted", not inputs.halted, "ERROR",
                     inputs.halted or "no halt in force", {"observed": inputs.halted or None,
                                                           "threshold": None}),
    ]
    return outcomes


def _status(outcomes: list[CheckOutcome], halted: str) -> tuple[RecommendationStatus, str]:
    tripped = [o for o in outcomes if o.name in BREAKERS and not o.passed]
    if halted or tripped:
        return RecommendationStatus.HALTED, halted or "; ".join(o.description for o in tripped)
    failed = [o.name for o in outcomes if not o.passed]
    return (RecommendationStatus.BLOCKED, "failed validators: " + ", ".join(failed)) if failed \
        else (RecommendationStatus.ACTIONABLE, "")


def trading_day(inputs: DayInputs, limits: RiskLimits) -> TradingDay:
    """Decide, validate and book one commodity's day (see the module docstring)."""
    close = _today_close(inputs)
    decision = None
    # A baseline strategy reads no forecast: it decides without a matrix.
    if close is not None and (inputs.matrix is not None
                              or not inputs.champion.spec.uses_forecast):
        decision = decide_day(inputs.dates, inputs.closes, inputs.matrix, inputs.setup,
                              inputs.champion.spec, inputs.opening, inputs.next_day)
    outcomes = _validate(inputs, decision, close, limits)
    today = None if decision is None else ledger_row(inputs, decision, decision.quantity,
                                                     LedgerState.DECIDED, None)
    if today is None:
        outcomes.append(CheckOutcome(
            "backtest_live_parity", True, "ERROR", "no decision today (see market_data_fresh): "
            "nothing to compare with the backtest", {"observed": 0, "threshold": 0}))
    else:
        history = pl.concat([inputs.ledger, pl.DataFrame([today])], how="diagonal_relaxed") if (
            inputs.ledger.height) else pl.DataFrame([today])
        # Every strategy the code knows, by hash: recent days may have traded another one
        # (a champion change, a fallback to the last confirmed champion or a baseline).
        specs = {spec.content_hash: spec for spec in default_strategies().values()}
        specs |= {spec.content_hash: spec for spec in inputs.strategies.values()}
        specs[inputs.champion.spec.content_hash] = inputs.champion.spec
        outcomes.append(backtest_live_parity(
            history, inputs.dates, inputs.closes, inputs.matrices, inputs.setup, specs,
            limits.parity.days))
    status, reason = _status(outcomes, inputs.halted)
    booked = None
    if decision is not None:
        booked = _book(inputs, decision, status, limits.execution.mode)
    new_halt = None
    if status == RecommendationStatus.HALTED and not inputs.halted:
        new_halt = {"commodity": inputs.commodity, "tripped_on": inputs.day,
                    "kind": str(HaltKind.BREAKER),
                    "reason": reason}
    return TradingDay(recommendation_row(inputs, decision, status, reason, close),
                      booked, outcomes, new_halt)


def _book(inputs: DayInputs, decision: DayDecision, status: RecommendationStatus,
          mode: str) -> dict[str, object]:
    actionable = status == RecommendationStatus.ACTIONABLE
    if actionable and mode == "manual":
        return ledger_row(inputs, decision, None, LedgerState.PENDING, None)
    executed = decision.quantity if actionable else 0.0
    state = LedgerState.EXECUTED if actionable else LedgerState(status.lower())
    # settle repeats the engine's arithmetic in its order: executed as decided, the book is
    # the backtest's bit for bit (test_live chains 120 days this way).
    settled = settle(inputs.opening, decision.intake, decision.price, executed,
                     decision.action == Action.FORCED_SALE, inputs.setup)
    return ledger_row(inputs, decision, executed, state, settled)
