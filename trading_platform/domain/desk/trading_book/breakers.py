"""Circuit breakers and the kill switch on the futures paper book, returning ERROR evidence.

Inputs, stated once: ``value`` (n,) is the paper book's value at each close since the last
manual reset (index 0 = the reset's close, or the book's first close); ``initial`` is the
capital the book started with; ``entry`` and ``unrealised`` (k,) are each open position's entry
notional and its profit or loss since it was opened (currency; 0 for a flat commodity).

Daily returns are ``r_t = value_t / value_{t-1} - 1`` (``desk.breakers.book_returns``: simple,
time-weighted; a futures book has no intake flow). Losses are positive magnitudes:

- breakers: one-day loss ``-r_{n-1} > one_day_loss``; week loss over ``week_days`` returns
  ``1 - I_{n-1} / I_{n-1-week_days} > one_week_loss``; drawdown from the peak since the reset
  ``1 - I_{n-1} / max(I) > max_drawdown``; a single position's loss ``-unrealised / entry >
  position_loss`` (its own notional at entry); value ``value_{n-1} < min_value x initial``;
- kill switch: one-day loss ``> kill.day_loss``; the Sharpe of the last ``kill.sharpe_days``
  returns (mean / std, ddof 1, x sqrt(252)) ``< kill.min_sharpe``, judged only once that many
  returns exist since the reset (a shorter span says so and passes); a book whose value did
  not move at all over them (flat, no position) has no Sharpe and passes, saying so.

A non-finite reading fails its check (the comparison is false).
"""

from __future__ import annotations

import math

import numpy as np

from trading_platform.config.risk_limits import FuturesBreakers, KillSwitch
from trading_platform.domain.desk.breakers import book_returns, read_breakers
from trading_platform.domain.evidence import ERROR, CheckOutcome

RESET_COMMAND = "python -m trading_platform.cli desk reset --book futures --reason TEXT"
BREAKER_CHECKS = ("day_loss_breaker", "week_loss_breaker", "drawdown_breaker",
                  "position_loss_breaker", "value_breaker")
KILL_SWITCH_CHECKS = ("kill_switch_day_loss", "kill_switch_sharpe")


def _check(name: str, what: str, observed: float, limit: float, passed: bool,
           days: int, shown: str = "{:.2%}") -> CheckOutcome:
    seen, bound = shown.format(observed), shown.format(limit)
    if passed:
        description = f"{name}: {what} {seen} within the {bound} limit"
    else:
        description = (f"{name}: TRIPPED, {what} {seen} against the {bound} limit; "
                       "the futures book is HALTED (no new orders) until a recorded manual "
                       f"reset (`{RESET_COMMAND}`)")
    value = float(observed) if math.isfinite(observed) else str(observed)
    return CheckOutcome(name, passed, ERROR, description,
                        {"observed": value, "threshold": float(limit), "days_since_reset": days})


def position_losses(entry: np.ndarray, unrealised: np.ndarray) -> np.ndarray:
    """Each open position's loss as a share of its entry notional (0 where flat)."""
    entry = np.abs(np.asarray(entry, dtype=np.float64))
    return np.where(entry > 0, -np.asarray(unrealised, dtype=np.float64)
                    / np.where(entry > 0, entry, 1.0), 0.0)


def breaker_checks(value: np.ndarray, initial: float, entry: np.ndarray,
                   unrealised: np.ndarray, limits: FuturesBreakers) -> list[CheckOutcome]:
    """The five breakers' verdicts at the last close."""
    value = np.asarray(value, dtype=np.float64)
    reading = read_breakers(value, np.zeros_like(value), limits.week_days)
    days = reading.days
    worst = float(position_losses(entry, unrealised).max(initial=0.0))
    share = float(value[-1] / initial)
    return [
        _check("day_loss_breaker", "one-day loss", -reading.one_day_return,
               limits.one_day_loss, bool(-reading.one_day_return <= limits.one_day_loss), days),
        _check("week_loss_breaker", f"{limits.week_days}-day loss", -reading.one_week_return,
               limits.one_week_loss, bool(-reading.one_week_return <= limits.one_week_loss),
               days),
        _check("drawdown_breaker", "drawdown since the reset", reading.drawdown,
               limits.max_drawdown, bool(reading.drawdown <= limits.max_drawdown), days),
        _check("position_loss_breaker", "largest single-position loss", worst,
               limits.position_loss, bool(worst <= limits.position_loss), days),
        _check("value_breaker", "value as a share of the initial capital", share,
               limits.min_value, bool(share >= limits.min_value), days),
    ]


def rolling_sharpe(returns: np.ndarray) -> float:
    """Annualised Sharpe of ``returns``: mean / std (ddof 1) x sqrt(252); NaN when flat."""
    sd = float(np.std(returns, ddof=1)) if returns.size > 1 else 0.0
    return float(np.mean(returns) / sd * math.sqrt(252)) if sd > 0 else math.nan


def kill_switch_checks(value: np.ndarray, kill: KillSwitch) -> list[CheckOutcome]:
    """The kill switch's two triggers at the last close."""
    value = np.asarray(value, dtype=np.float64)
    reading = read_breakers(value, np.zeros_like(value), 1)
    returns = book_returns(value, np.zeros_like(value))[1:]
    checks = [_check("kill_switch_day_loss", "one-day loss", -reading.one_day_return,
                     kill.day_loss, bool(-reading.one_day_return <= kill.day_loss),
                     reading.days)]
    if returns.size < kill.sharpe_days:
        checks.append(CheckOutcome(
            "kill_switch_sharpe", True, ERROR,
            f"kill_switch_sharpe: {returns.size} of the {kill.sharpe_days} daily returns the "
            "rolling Sharpe needs since the reset; not judged yet",
            {"observed": returns.size, "threshold": kill.sharpe_days,
             "days_since_reset": reading.days}))
        return checks
    recent = returns[-kill.sharpe_days:]
    if np.all(recent == 0.0):
        checks.append(CheckOutcome(
            "kill_switch_sharpe", True, ERROR,
            f"kill_switch_sharpe: the book's value did not move over the last "
            f"{kill.sharpe_days} closes (no position): no Sharpe to judge",
            {"observed": 0.0, "threshold": kill.min_sharpe, "days_since_reset": reading.days}))
        return checks
    sharpe = rolling_sharpe(recent)
    checks.append(_check("kill_switch_sharpe", f"{kill.sharpe_days}-day Sharpe", sharpe,
                         kill.min_sharpe, bool(sharpe >= kill.min_sharpe), reading.days,
                         "{:.2f}"))
    return checks
