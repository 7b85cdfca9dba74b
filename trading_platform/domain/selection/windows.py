"""The selection window and the holdout, and a candidate's metrics on each.

Conventions (stated once):
- Every candidate of a commodity is compared on the **same dates**: the dates its backtest
  rows share. ``split_windows`` cuts them: the holdout is the last ``round(n x fraction)``
  dates (at least one when the fraction is positive), the selection window everything before.
  Champions are chosen on the selection window only; the holdout is seen once, afterwards.
- A candidate's daily returns are ``inventory.metrics.daily_pnl`` over all the shared dates
  divided by the **notional** ``annual_volume x mean |close|`` of the selection window: a fixed
  capital base known at the selection cut (no holdout price enters it), shared by both windows.
- Window metrics follow ``inventory.metrics``: annualised Sharpe (252 days), max drawdown of
  ``1 + cumsum(returns)``, annual return, Calmar, turnover, and ``value_added`` = the sum of
  the window's daily P&L (what the book gained over selling every intake on arrival).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from trading_platform.domain.inventory.metrics import (
    TRADING_DAYS_PER_YEAR,
    calmar_ratio,
    daily_pnl,
    max_drawdown,
    sharpe_ratio,
    turnover,
)


@dataclass(frozen=True)
class Windows:
    """The shared dates and where the holdout starts (``cut``: index of its first day)."""

    dates: np.ndarray
    cut: int

    @property
    def selection(self) -> slice:
        return slice(0, self.cut)

    @property
    def holdout(self) -> slice:
        return slice(self.cut, self.dates.size)

    @property
    def has_holdout(self) -> bool:
        return self.cut < self.dates.size

    def span(self, window: slice) -> tuple[dt.date, dt.date] | None:
        """First and last date of ``window`` (None when it is empty)."""
        days = self.dates[window]
        return (days[0].astype(object), days[-1].astype(object)) if days.size else None


def split_windows(dates: np.ndarray, holdout_fraction: float) -> Windows:
    """Selection window and holdout of the sorted shared ``dates`` (see the module rules)."""
    days = np.asarray(dates, dtype="datetime64[D]")
    if not 0 <= holdout_fraction < 1:
        raise ValueError(f"holdout_fraction must be in [0, 1), got {holdout_fraction}")
    if days.size and np.any(np.diff(days) <= np.timedelta64(0, "D")):
        raise ValueError("the shared dates must be sorted and unique")
    held = 0 if holdout_fraction == 0 else max(1, round(days.size * holdout_fraction))
    if days.size - held < 2:
        raise ValueError(f"{days.size} shared backtest dates leave {days.size - held} for the "
                         "selection window; backtest a longer span or lower holdout_fraction")
    return Windows(dates=days, cut=int(days.size - held))


def window_notional(annual_volume: float, price: np.ndarray, windows: Windows) -> float:
    """The fixed capital base of a commodity's candidates: one season's intake at the mean
    |close| of the selection window."""
    return annual_volume * max(float(np.abs(price[windows.selection]).mean()), 1e-12)


def window_metrics(returns: np.ndarray, inventory: np.ndarray, sold: np.ndarray,
                   forced: np.ndarray, pnl: np.ndarray) -> dict[str, float]:
    """Sharpe, max drawdown, annual return, Calmar, turnover and value added of one window."""
    drawdown = max_drawdown(returns)
    annual = float(np.mean(returns) * TRADING_DAYS_PER_YEAR) if returns.size else float("nan")
    return {"sharpe": sharpe_ratio(returns), "max_drawdown": drawdown, "annual_return": annual,
            "calmar": calmar_ratio(annual, drawdown),
            "turnover": turnover(inventory, sold, forced), "value_added": float(pnl.sum())}


def candidate_returns(value: np.ndarray, intake: np.ndarray, price: np.ndarray,
                      notional: float) -> tuple[np.ndarray, np.ndarray]:
    """(daily P&L, daily returns) of one candidate over all the shared dates."""
    pnl = daily_pnl(value, intake, price)
    return pnl, pnl / notional
