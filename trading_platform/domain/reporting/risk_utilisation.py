"""How close the futures book is to each of its risk limits, from the day's recorded verdicts.

Every limit of ``risk_limits.yaml`` ``futures:`` that a check judges against a figure gets one
reading: the figure the check observed, the threshold it was judged by that day (its evidence),
and the utilisation

    u = (anchor - observed) / (anchor - threshold), floored at 0,

where ``anchor`` is the level at which none of the limit is used. So u = 1 (100 %) is exactly
at the limit, u > 1 beyond it (the check fails), and:

- an "at most" limit has anchor 0, so u = observed / limit (turnover 0.24 against 0.30 is 80 %;
  a day's gain read as a negative loss is 0 %);
- an "at least" limit measures the room used between its anchor and the floor: ``min_cash`` and
  the value breaker's ``min_value`` have anchor 1 (all the book in cash; the initial capital
  intact), so cash 0.50 against 0.05 is (1 - 0.50) / (1 - 0.05) = 52.6 % and a value of 0.90 of
  the initial capital against 0.80 is 50 %; ``min_position`` has anchor ``max_position`` (a
  position as large as allowed is as far from the floor as a position can be); the kill
  switch's ``min_sharpe`` has anchor ``min_sharpe + 1`` (one unit of annualised Sharpe of room).

A check that passed although its figure lies beyond its threshold did not judge that figure
today (the rolling Sharpe before enough returns, or a flat book), nor did the smallest-position
check when nothing is held (it records 0): their utilisation is None and the note quotes the
check. A limit whose
verdict is missing has None too. ``limits.min_order`` (orders below it are dropped and listed,
not judged), the ``missing_volume`` and ``on_halt`` rules and the parity check (zero
differences allowed) have no utilisation.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from trading_platform.config.risk_limits import FuturesRisk

# Utilisation levels the report colours: amber from 80 %, red from 100 %.
WARN_AT, LIMIT_AT = 0.8, 1.0
_JUDGED_SLACK = 1e-6  # the validators pass a figure within 1e-9 of its limit


@dataclass(frozen=True)
class LimitSpec:
    """One limit: its key under ``futures:`` in risk_limits.yaml, the check that judges it,
    its direction, and where in the check's evidence the figure and threshold are."""

    limit: str
    check: str
    at_least: bool = False
    observed_key: str = "observed"
    threshold_key: str = "threshold"
    idle: float | None = None  # the figure the check records when it has nothing to judge


LIMITS = (
    LimitSpec("limits.weight_tolerance", "weights_sum_to_one"),
    LimitSpec("limits.max_position", "position_within_max"),
    LimitSpec("limits.min_position", "held_position_above_min", at_least=True, idle=0.0),
    LimitSpec("limits.max_turnover", "turnover_within_limit"),
    LimitSpec("limits.max_order", "order_within_limit"),
    LimitSpec("limits.max_costs", "costs_within_limit"),
    LimitSpec("limits.max_volume_share", "order_within_volume"),
    LimitSpec("limits.min_cash", "cash_above_min", at_least=True),
    LimitSpec("limits.max_gross", "no_leverage"),
    LimitSpec("limits.max_margin", "no_leverage", observed_key="margin",
              threshold_key="max_margin"),
    LimitSpec("breakers.one_day_loss", "day_loss_breaker"),
    LimitSpec("breakers.one_week_loss", "week_loss_breaker"),
    LimitSpec("breakers.max_drawdown", "drawdown_breaker"),
    LimitSpec("breakers.position_loss", "position_loss_breaker"),
    LimitSpec("breakers.min_value", "value_breaker", at_least=True),
    LimitSpec("kill_switch.day_loss", "kill_switch_day_loss"),
    LimitSpec("kill_switch.min_sharpe", "kill_switch_sharpe", at_least=True),
)


@dataclass(frozen=True)
class LimitUse:
    """One limit's reading on the day; ``passed`` is None when no verdict was recorded."""

    limit: str
    check: str
    direction: str
    observed: float | None
    threshold: float
    anchor: float
    utilisation: float | None
    passed: bool | None
    note: str


def utilisation(observed: float, threshold: float, anchor: float) -> float | None:
    """``(anchor - observed) / (anchor - threshold)`` floored at 0 (module docstring); None
    when a figure is not finite or the anchor equals the threshold."""
    span = anchor - threshold
    if not all(math.isfinite(v) for v in (observed, threshold, anchor)) or span == 0:
        return None
    used = (anchor - observed) / span
    return used if used > 0 else 0.0  # never -0.0


def risk_utilisation(verdicts: Sequence[Mapping[str, object]],
                     risk: FuturesRisk) -> list[LimitUse]:
    """One reading per limit of ``LIMITS``, in that order. ``verdicts`` are the day's rows of
    ``trading.validations`` for the futures book (``check``, ``passed``, ``description`` and
    ``evidence``, a JSON object or its text)."""
    by_check = {str(v["check"]): v for v in verdicts}
    return [_reading(spec, by_check.get(spec.check), risk) for spec in LIMITS]


def configured(spec: LimitSpec, risk: FuturesRisk) -> float:
    """The limit's value in ``risk`` (``risk_limits.yaml`` under ``futures:``)."""
    section, name = spec.limit.split(".")
    return float(getattr(getattr(risk, section), name))


def evidence_of(verdict: Mapping[str, object]) -> dict[str, object]:
    """A stored verdict's evidence (``observed``, ``threshold``, ...) as a dict; the
    validations table keeps it as JSON text."""
    evidence = verdict.get("evidence")
    evidence = json.loads(evidence) if isinstance(evidence, str) else evidence
    return dict(evidence) if isinstance(evidence, Mapping) else {}


def _reading(spec: LimitSpec, verdict: Mapping[str, object] | None,
             risk: FuturesRisk) -> LimitUse:
    direction = "at least" if spec.at_least else "at most"
    limit = configured(spec, risk)
    if verdict is None:
        return LimitUse(spec.limit, spec.check, direction, None, limit,
                        _anchor(spec, limit, risk), None, None,
                        f"no verdict of {spec.check} recorded today")
    evidence = evidence_of(verdict)
    observed = _number(evidence.get(spec.observed_key))
    threshold = _number(evidence.get(spec.threshold_key))
    threshold = limit if threshold is None else threshold
    anchor = _anchor(spec, threshold, risk)
    passed = bool(verdict["passed"])
    used = None if observed is None else utilisation(observed, threshold, anchor)
    idle = spec.idle is not None and observed == spec.idle
    beyond = used is not None and used > LIMIT_AT + _JUDGED_SLACK
    if passed and (idle or beyond):
        return LimitUse(spec.limit, spec.check, direction, None, limit,
                        _anchor(spec, limit, risk), None, True,
                        f"not judged today: {verdict['description']}")
    note = "" if observed is not None else \
        f"observed {evidence.get(spec.observed_key)!r}: {verdict['description']}"
    return LimitUse(spec.limit, spec.check, direction, observed, threshold, anchor, used,
                    passed, note)


def _anchor(spec: LimitSpec, threshold: float, risk: FuturesRisk) -> float:
    if not spec.at_least:
        return 0.0
    if spec.limit == "limits.min_position":
        return risk.limits.max_position
    if spec.limit == "kill_switch.min_sharpe":
        return threshold + 1.0
    return 1.0  # min_cash and min_value: all the book in cash; the initial capital intact


def _number(value: object) -> float | None:
    """A recorded figure as a finite float; None when absent or not finite ("nan", "inf")."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]  # evidence holds numbers or text
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
