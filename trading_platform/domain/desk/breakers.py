"""Circuit breakers on a book's mark-to-market value, returning ERROR evidence.

Array contract (both float, shape ``(n,)``, ``n >= 1``, over the trading days since the last
manual reset; index 0 = the first day of that span):

- ``value``: the book's mark-to-market value at each close (cash + stock x close);
- ``flow``: value that entered the book that day without being earned (harvest intake x close).

Daily return ``r_t = (value_t - value_{t-1} - flow_t) / value_{t-1}`` for ``t >= 1``, ``r_0 = 0``,
and ``r_t = 0`` where ``value_{t-1} <= 0`` or is not finite (no capital at risk). Returns are
simple, not annualised, and chained into a time-weighted index ``I_t = prod_{s<=t}(1 + r_s)``
(``I_0 = 1``), so intake neither counts as profit nor dilutes a loss.

- one-day return = ``r_{n-1}``;
- one-week return = ``I_{n-1} / I_{n-1-week_days} - 1`` (``I_{n-1} / I_0 - 1`` when fewer days);
- drawdown = ``1 - I_{n-1} / max(I)`` (``>= 0``; ``max(I) >= I_0 = 1``).

With a fixed ``capital`` (the paper book's capital base: what the desk passes, see
``desk.day``), returns are measured against it instead: ``r_t = (value_t - value_{t-1} -
flow_t) / capital``, the index is additive, ``I_t = 1 + sum_{s<=t} r_s`` (profit and loss in
units of the capital), the one-week return is ``I_{n-1} - I_{n-1-week_days}`` and the drawdown
``max(I) - I_{n-1}``. A book whose value is mostly stock (a paper book opens with its stock and
no cash) would otherwise read every ordinary price move of that stock as the book's return.

A non-finite reading (e.g. a non-finite ``value_t``) fails its breaker: the comparison is false.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trading_platform.config.risk_limits import BreakerLimits
from trading_platform.domain.evidence import ERROR, CheckOutcome

RESET_COMMAND = "python -m trading_platform.cli reset-breaker --commodity C --by NAME --reason TEXT"


@dataclass(frozen=True)
class BreakerReading:
    """Returns as fractions (-0.03 = a 3 % loss); ``drawdown`` is a positive fraction."""

    one_day_return: float
    one_week_return: float
    drawdown: float
    days: int


def book_returns(value: np.ndarray, flow: np.ndarray,
                 capital: float | None = None) -> np.ndarray:
    """Daily returns ``r`` (n,) of the book, time-weighted or on ``capital``; see the module
    docstring."""
    value, flow = _validated(value, flow)
    returns = np.zeros(value.shape[0], dtype=np.float64)
    previous = value[:-1]
    earned = value[1:] - previous - flow[1:]
    if capital is not None:
        if not (np.isfinite(capital) and capital > 0):
            raise ValueError(f"capital must be finite and > 0, got {capital} (rule "
                             "breaker_capital)")
        returns[1:] = earned / capital
        return returns
    at_risk = np.isfinite(previous) & (previous > 0)
    safe_previous = np.where(at_risk, previous, 1.0)
    returns[1:] = np.where(at_risk, earned / safe_previous, 0.0)
    return returns


def read_breakers(value: np.ndarray, flow: np.ndarray, week_days: int,
                  capital: float | None = None) -> BreakerReading:
    """One-day and one-week returns and drawdown of the index at the last day."""
    if week_days < 1:
        raise ValueError(f"week_days must be >= 1, got {week_days} (rule breaker_week_days)")
    returns = book_returns(value, flow, capital)
    additive = capital is not None
    index = 1.0 + np.cumsum(returns) if additive else np.cumprod(1.0 + returns)
    last = index[-1]
    base = index[max(index.shape[0] - 1 - week_days, 0)]
    with np.errstate(divide="ignore", invalid="ignore"):
        one_week = float(last - base) if additive else float(last / base - 1.0)
        drawdown = float(index.max() - last) if additive else float(1.0 - last / index.max())
    return BreakerReading(
        one_day_return=float(returns[-1]),
        one_week_return=one_week,
        drawdown=drawdown,
        days=int(index.shape[0]),
    )


def _validated(value: np.ndarray, flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    value = np.asarray(value, dtype=np.float64)
    flow = np.asarray(flow, dtype=np.float64)
    if value.ndim != 1 or value.shape != flow.shape:
        raise ValueError(
            f"value {value.shape} and flow {flow.shape} must be 1-D arrays of one length "
            "(rule breaker_input_shape): one entry per trading day since the last reset"
        )
    if value.shape[0] == 0:
        raise ValueError(
            "value and flow are empty (rule breaker_input_nonempty): the book needs at least "
            "one marked close since the last reset"
        )
    return value, flow


def breaker_outcomes(reading: BreakerReading, limits: BreakerLimits) -> list[CheckOutcome]:
    """The three breakers as ERROR outcomes; a failure halts the day until a manual reset."""
    return [
        _outcome(
            "one_day_loss_within_limit",
            "one-day loss",
            -reading.one_day_return,
            limits.one_day_loss,
            reading,
        ),
        _outcome(
            "one_week_loss_within_limit",
            f"{limits.week_days}-day loss",
            -reading.one_week_return,
            limits.one_week_loss,
            reading,
        ),
        _outcome(
            "drawdown_within_limit",
            "drawdown from the peak since the last reset",
            reading.drawdown,
            limits.max_drawdown,
            reading,
        ),
    ]


def _outcome(
    name: str, what: str, loss: float, limit: float, reading: BreakerReading
) -> CheckOutcome:
    """Pass iff ``loss <= limit`` (losses positive: a -4 % return is a 0.04 loss)."""
    passed = bool(loss <= limit)
    if passed:
        description = f"{name}: {what} {loss:.2%} within the {limit:.2%} limit"
    else:
        description = (
            f"{name}: breaker tripped, {what} {loss:.2%} exceeds the {limit:.2%} limit; "
            "the day is HALTED and trading resumes only after a recorded manual reset "
            f"(`{RESET_COMMAND}`)"
        )
    metadata: dict[str, object] = {
        "observed": float(loss) if np.isfinite(loss) else str(loss),
        "threshold": float(limit),
        "days_since_reset": reading.days,
    }
    return CheckOutcome(name, passed, ERROR, description, metadata)
