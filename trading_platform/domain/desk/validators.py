"""Safety validators of one day's recommendation, each returning ERROR evidence.

Every validator returns a ``CheckOutcome`` with severity ERROR: a failure halts the commodity
for the day. Quantities and stock are in the commodity's own units, prices in its price units.
A description names the rule, what was observed and, on failure, what to do. ``metadata`` is
JSON-safe and always carries ``observed`` and ``threshold`` (dates as ISO strings, non-finite
floats as text).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence

import numpy as np

from trading_platform.domain.evidence import ERROR, CheckOutcome
from trading_platform.domain.statuses import ChampionStatus, TradingBasis

# Float slack so that selling exactly the available stock, after arithmetic, still passes.
_REL_TOL = 1e-12
_ABS_TOL = 1e-9


def _safe(value: float | None) -> float | str | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else str(value)


def sale_within_inventory(quantity: float, available: float) -> CheckOutcome:
    """Pass iff ``0 <= quantity <= available`` (with float slack) and ``quantity`` is finite."""
    passed = math.isfinite(quantity) and quantity >= 0
    passed = passed and quantity <= available * (1 + _REL_TOL) + _ABS_TOL
    if passed:
        description = f"sale_within_inventory: sale {quantity:g} within available {available:g}"
    else:
        description = (
            f"sale_within_inventory: sale {quantity:g} is not a finite quantity in "
            f"[0, available {available:g}]; the recommendation is refused, check the strategy "
            "output and the inventory ledger before trading"
        )
    metadata = {"observed": _safe(quantity), "threshold": _safe(available)}
    return CheckOutcome("sale_within_inventory", passed, ERROR, description, metadata)


def sale_within_daily_share(
    quantity: float, available: float, forced: bool, max_share: float
) -> CheckOutcome:
    """Pass iff ``quantity <= max_share * available``; a forced liquidation is exempt."""
    limit = max_share * available
    metadata: dict[str, object] = {
        "observed": _safe(quantity),
        "threshold": _safe(limit),
        "max_share": _safe(max_share),
        "forced": forced,
    }
    if forced:
        description = (
            f"sale_within_daily_share: forced liquidation of {quantity:g} is exempt from the "
            f"{max_share:.0%} daily share limit"
        )
        return CheckOutcome("sale_within_daily_share", True, ERROR, description, metadata)
    passed = quantity <= limit + _ABS_TOL
    if passed:
        description = (
            f"sale_within_daily_share: sale {quantity:g} within {max_share:.0%} of "
            f"available {available:g} ({limit:g})"
        )
    else:
        description = (
            f"sale_within_daily_share: sale {quantity:g} exceeds {max_share:.0%} of available "
            f"{available:g} ({limit:g}); the recommendation is refused, sell at most {limit:g} "
            "or raise limits.max_daily_sale_share in risk_limits.yaml"
        )
    return CheckOutcome("sale_within_daily_share", passed, ERROR, description, metadata)


def price_above_floor(
    commodity: str, quantity: float, price: float, floors: Mapping[str, float]
) -> CheckOutcome:
    """Pass when no floor is set for ``commodity``, nothing is sold, or ``price >= floor``."""
    floor = floors.get(commodity)
    metadata = {"observed": _safe(price), "threshold": _safe(floor), "quantity": _safe(quantity)}
    if floor is None:
        passed = True
        description = f"price_above_floor: no price floor configured for {commodity}"
    elif quantity == 0:
        passed = True
        description = f"price_above_floor: no sale of {commodity}, floor {floor:g} not binding"
    else:
        passed = price >= floor
        verdict = "at or above" if passed else "below"
        description = f"price_above_floor: {commodity} price {price:g} {verdict} floor {floor:g}"
        if not passed:
            description += (
                "; the sale is refused, hold the stock or revise limits.price_floors "
                "in risk_limits.yaml"
            )
    return CheckOutcome("price_above_floor", passed, ERROR, description, metadata)


def market_data_fresh(
    day: datetime.date,
    dates: Sequence[datetime.date],
    close: float | None,
    max_gap_weekdays: int,
) -> CheckOutcome:
    """Pass iff ``day``'s close is stored and follows the previous stored date closely enough.

    ``dates`` are the commodity's stored market dates up to and including ``day``, ascending.
    The gap is ``numpy.busday_count(previous, day)``: weekdays in ``[previous, day)``, so
    Friday -> Monday is 1 and Monday -> next Monday is 5.
    """
    latest = dates[-1].isoformat() if dates else None
    before = [d for d in dates if d < day]
    gap = int(np.busday_count(before[-1], day)) if before else None
    metadata: dict[str, object] = {
        "observed": gap,
        "threshold": max_gap_weekdays,
        "latest": latest,
        "day": day.isoformat(),
    }
    problem = _freshness_problem(day, dates, close, before, gap, max_gap_weekdays)
    if problem is None:
        description = (
            f"market_data_fresh: close for {day} stored, {gap} weekday(s) after the "
            f"previous close (limit {max_gap_weekdays})"
        )
        return CheckOutcome("market_data_fresh", True, ERROR, description, metadata)
    description = (
        f"market_data_fresh: {problem} (latest stored {latest}); no recommendation is made, "
        "ingest the missing market data and rerun the day"
    )
    return CheckOutcome("market_data_fresh", False, ERROR, description, metadata)


def _freshness_problem(
    day: datetime.date,
    dates: Sequence[datetime.date],
    close: float | None,
    before: list[datetime.date],
    gap: int | None,
    max_gap_weekdays: int,
) -> str | None:
    if day not in dates or close is None or not math.isfinite(close):
        return f"today's close is missing for {day}"
    if gap is None:
        return f"no stored close before {day} to judge the series against"
    if gap > max_gap_weekdays:
        return (
            f"stale series: {gap} weekdays between the previous close {before[-1]} and {day}, "
            f"more than {max_gap_weekdays}"
        )
    return None


def champion_recently_fitted(
    day: datetime.date, fitted_through: datetime.date | None, max_age_days: int
) -> CheckOutcome:
    """Pass iff the champion's data ended before ``day``, at most ``max_age_days`` calendar days
    before it.

    ``fitted_through`` is the last date of the data the traded model's forecasts were fitted
    on; None (never recorded) fails, and so does an age of 0 or less: a model fitted on data
    that includes the day it trades has seen that day.
    """
    age = None if fitted_through is None else (day - fitted_through).days
    passed = age is not None and 0 < age <= max_age_days
    metadata = {
        "observed": age,
        "threshold": max_age_days,
        "fitted_through": None if fitted_through is None else fitted_through.isoformat(),
        "day": day.isoformat(),
    }
    if passed:
        description = (
            f"champion_recently_fitted: fitted through {fitted_through}, {age} day(s) before "
            f"{day} (limit {max_age_days})"
        )
    elif age is not None and age <= 0:
        description = (
            f"champion_recently_fitted: the champion's data runs through {fitted_through}, "
            f"not before {day} (age {age} days): it has seen the day it would trade; select "
            "and fit on data that ends before the first traded day"
        )
    else:
        observed = "no fitted date recorded" if age is None else f"fitted {age} days before {day}"
        description = (
            f"champion_recently_fitted: champion {observed}, limit {max_age_days} days; "
            "refit the forecasts and rerun champion selection before trading"
        )
    return CheckOutcome("champion_recently_fitted", passed, ERROR, description, metadata)


def champion_selected_before_day(
    day: datetime.date, selected_through: datetime.date | None
) -> CheckOutcome:
    """Pass iff the champion was selected on data that ended strictly before ``day``."""
    passed = selected_through is not None and selected_through < day
    name = "champion_selected_before_day"
    if passed:
        description = f"{name}: selected on data through {selected_through}, before {day}"
    elif selected_through is None:
        description = f"{name}: no selection date recorded; rerun champion_model before trading"
    else:
        description = (f"{name}: selected on data through {selected_through}, which includes "
                       f"{day} (by {(selected_through - day).days} day(s)): a day is traded "
                       "only by a champion chosen before it; rerun the selection on data that "
                       "ends before the first traded day")
    return CheckOutcome(name, passed, ERROR, description, {
        "observed": None if selected_through is None else selected_through.isoformat(),
        "threshold": f"< {day.isoformat()}"})


def trades_confirmed_evidence(basis: str, champion_status: str,
                              uses_forecast: bool) -> CheckOutcome:
    """Pass iff the day trades on confirmed evidence: a confirmed champion, the last confirmed
    champion, or a baseline strategy that reads no forecast; never a provisional forecast
    champion."""
    passed = ((basis == TradingBasis.CONFIRMED_CHAMPION
               and champion_status == ChampionStatus.CONFIRMED)
              or basis == TradingBasis.LAST_CONFIRMED
              or (basis == TradingBasis.BEST_BASELINE and not uses_forecast))
    recorded = basis or "no recorded basis"
    forecast = " with a forecast" if uses_forecast else ""
    description = (f"trades_confirmed_evidence: trading on {basis} (champion "
                   f"{champion_status})" if passed else
                   f"trades_confirmed_evidence: refused, the day would trade a "
                   f"{champion_status} champion as {recorded}{forecast}; only confirmed "
                   "evidence trades: rerun champion_model, which falls back to the last "
                   "confirmed champion or the best baseline strategy")
    return CheckOutcome("trades_confirmed_evidence", passed, ERROR, description,
                        {"observed": {"basis": basis, "champion_status": champion_status,
                                      "uses_forecast": uses_forecast},
                         "threshold": "confirmed champion, last confirmed, or a baseline"})


def champion_reads_no_future(uses_future: bool | None, uses_forecast: bool) -> CheckOutcome:
    """Pass iff the traded strategy reads no forecast, or its model's forecasts are recorded as
    built without the future (the mark the forecasts build writes, not the model's name)."""
    name = "champion_reads_no_future"
    passed = not uses_forecast or uses_future is False
    if not uses_forecast:
        description = f"{name}: the traded strategy reads no forecast"
    elif uses_future is None:
        description = (f"{name}: refused, the model's forecast store does not record whether it "
                       "reads the future; rebuild its forecasts partition")
    elif uses_future:
        description = (f"{name}: refused, the model's forecasts were built from realised future "
                       "closes (a research instrument): it never trades; rerun champion_model")
    else:
        description = f"{name}: the model's forecasts were built without the future"
    return CheckOutcome(name, passed, ERROR, description,
                        {"observed": uses_future, "threshold": False,
                         "uses_forecast": uses_forecast})
