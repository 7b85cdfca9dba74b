"""Line prediction matrices up with market days before a backtest, and refuse unusable stores.

Rules (documented behaviour, tested):
- The backtest window runs from the store's first forecast day to the last market day given.
  The caller gives market days up to the end of the data the forecasts were built on (the
  research cut): later days belong to the desk, so a champion selected on this window never
  saw the days it trades. Every model of a commodity starts forecasting on the same day (the
  walk-forward's out-of-sample start), so all models, and the baselines, are compared on the
  same days.
- A market day in the window without a stored matrix gets an all-NaN matrix: an "empty
  forecast" day, on which every forecast-driven strategy falls back to its no-forecast rule.
  Synthetic models have none for the last 14 days (their paths need the realised future) and
  skip days whose close or next closes are not positive; a real model has none for market days
  that arrived after its forecasts were built.
- A stored forecast day that is not a market day (the market data changed since the forecasts
  were built) is ignored and counted, so the caller can report it.
- A close that is missing (NaN) or infinite in the window is an error naming the date; a zero
  or negative close is kept (strategies do not sell on it; forced sales still happen).
- A store whose blocking (ERROR) checks failed, or whose checks never ran, is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


class UnusableForecastsError(ValueError):
    """The prediction matrices cannot be backtested; the message says which and why."""


@dataclass(frozen=True)
class AlignedInputs:
    """``dates`` (n,) ``datetime64[D]``, ``price`` (n,) float64 closes, ``paths`` (n, p, 14)
    (a view of the store when it covers every day, else a float32 copy with NaN rows),
    ``missing_days`` market days without a matrix, ``ignored_days`` forecast days that are
    not market days."""

    dates: np.ndarray
    price: np.ndarray
    paths: np.ndarray
    missing_days: int
    ignored_days: int


def require_passed_checks(checks: dict[str, Any] | None, where: str) -> None:
    """Raise ``UnusableForecastsError`` unless every ERROR-severity check on the store passed."""
    if checks is None:
        raise UnusableForecastsError(
            f"forecast store {where} has no check verdicts (checks.json): its checks never ran; "
            "re-materialize its forecasts partition")
    failed = sorted(name for name, verdict in checks.items()
                    if verdict.get("severity") == "ERROR" and not verdict.get("passed"))
    if failed:
        raise UnusableForecastsError(
            f"forecast store {where} failed blocking checks {failed}: fix the model or its "
            "inputs and re-materialize the forecasts partition before backtesting it")


def align_forecasts(
    market_dates: np.ndarray, closes: np.ndarray, forecast_dates: np.ndarray, paths: np.ndarray
) -> AlignedInputs:
    """Market days from the store's first day on, each with its matrix (or NaN rows)."""
    market_dates = np.asarray(market_dates, dtype="datetime64[D]")
    forecast_dates = np.asarray(forecast_dates, dtype="datetime64[D]")
    if forecast_dates.size == 0:
        raise UnusableForecastsError("the forecast store holds no days")
    lo = int(np.searchsorted(market_dates, forecast_dates[0], side="left"))
    dates = market_dates[lo:]
    if dates.size == 0:
        raise UnusableForecastsError(
            f"no market days on or after the forecasts' first day ({forecast_dates[0]} .. "
            f"{forecast_dates[-1]}): materialize market_data for that span")
    price = np.asarray(closes, dtype=np.float64)[lo:]
    bad = ~np.isfinite(price)
    if bad.any():
        raise UnusableForecastsError(
            f"close on {dates[np.flatnonzero(bad)[0]]} is {price[bad][0]} (rule: every close in "
            "the backtest window must be a number); fix or quarantine that market data row")
    position = np.searchsorted(dates, forecast_dates)
    found = (position < dates.size) & (dates[np.minimum(position, dates.size - 1)]
                                       == forecast_dates)
    if found.all() and forecast_dates.size == dates.size:
        aligned = paths  # one matrix per market day already: no copy
    else:
        aligned = np.full((dates.size, *paths.shape[1:]), np.nan, dtype=np.float32)
        aligned[position[found]] = paths[np.flatnonzero(found)]
    return AlignedInputs(dates=dates, price=price, paths=aligned,
                         missing_days=int(dates.size - found.sum()),
                         ignored_days=int((~found).sum()))
