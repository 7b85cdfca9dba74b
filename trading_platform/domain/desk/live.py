"""One live trading day of the inventory book, decided by the backtest's own code path.

``decide_day`` is what trade recommendations run: the champion strategy's ``plan`` over the
commodity's closes (today's prediction matrix placed on today, every earlier day without one:
a plan for day t reads only the closes up to t and day t's matrix), then one day of the
inventory engine (``run_book``) continued from the book as it stood at yesterday's close,
with the commodity's fill lag: the order decided at yesterday's close fills at today's, and
today's decision is an order for the next session (or fills at today's close with lag 0). The
harvest schedule is built on the same dates and the commodity's trading calendar, so the
season's last trading day is known on the day (see ``inventory.seasons``); ``next_day`` (the
calendar's next trading day) is when today's order fills. Because
the kernel, the plan and the schedule are the backtest's, a backtest over the same days, state
and matrices reproduces every decision exactly (``parity`` checks it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from trading_platform.domain.desk.explain import explain_decision
from trading_platform.domain.forecasting.protocol import HORIZONS
from trading_platform.domain.inventory.backtest import BookSetup
from trading_platform.domain.inventory.book import BookState
from trading_platform.domain.inventory.engine import BookResult, run_book
from trading_platform.domain.inventory.engine_kernels import DAILY_COLUMNS
from trading_platform.domain.inventory.forecast_stats import ForecastStats
from trading_platform.domain.inventory.seasons import harvest_schedule
from trading_platform.domain.inventory.strategies_forecast import TIER_HIGH, TIER_LOW, TIER_MEDIUM
from trading_platform.domain.inventory.strategy_base import Plan, StrategySpec
from trading_platform.domain.statuses import Action

TIER_NAMES = {TIER_HIGH: "high", TIER_MEDIUM: "medium", TIER_LOW: "low"}


@dataclass(frozen=True)
class Opening:
    """The book at the previous close: stock, days since the last strategy decision, the order
    waiting for today's session (``book.pending``), cash, and the price that order was filled
    at when a person recorded it (``pending_price``; None: today's close, as the engine)."""

    book: BookState
    cash: float
    pending_price: float | None = None


@dataclass(frozen=True)
class DayDecision:
    """Today's engine decision and the book after it, with the statistics that drove it.

    ``quantity`` is what the action concerns: today's forced sale, or the strategy's order
    (``ordered``), which fills at the next session with fill lag 1 (``fills_on``).
    ``filled`` is the order carried in from yesterday and filled at today's close."""

    action: str  # SELL, HOLD or FORCED_SALE
    quantity: float
    ordered: float
    filled: float
    fills_on: dt.date | None
    forced: float
    intake: float
    available: float  # opening stock + today's intake
    price: float
    proceeds: float
    transaction_cost: float
    storage_cost: float
    closing: BookState
    closing_cash: float
    value: float
    planned_share: float
    tier: str
    stats: dict[str, float]
    explanation: str

    @property
    def share_of_inventory(self) -> float:
        return self.quantity / self.available if self.available > 0 else 0.0


def place_matrices(n_days: int, matrices: dict[int, np.ndarray], n_paths: int) -> np.ndarray:
    """(n_days, n_paths, 14) float32 paths: NaN except the rows given (row index -> matrix)."""
    paths = np.full((n_days, n_paths, HORIZONS), np.nan, dtype=np.float32)
    for row, matrix in matrices.items():
        paths[row] = matrix
    return paths


def plan_days(closes: np.ndarray, paths: np.ndarray, setup: BookSetup,
              spec: StrategySpec) -> tuple[Plan, ForecastStats | None]:
    """The strategy's plan over every day, from closes and aligned matrices."""
    stats = ForecastStats.from_paths(paths, closes) if spec.uses_forecast else None
    return spec.plan(closes, stats, setup.storage_rate), stats


def run_span(dates: np.ndarray, closes: np.ndarray, plan: Plan, setup: BookSetup,
             first: int, opening: Opening) -> BookResult:
    """The engine over days ``first .. end`` of ``dates``, from ``opening``."""
    schedule = harvest_schedule(dates, setup.harvest, setup.harvest.max_holding_days,
                                setup.calendar)
    span = slice(first, dates.shape[0])
    return run_book(closes[span], schedule.intake[span], schedule.liquidate[span],
                    plan.share[span], plan.cadence, setup.storage_rate, setup.tx_rate,
                    dates[span], None if plan.hold_gain is None else plan.hold_gain[span],
                    plan.hold_threshold, initial=opening.book, initial_cash=opening.cash,
                    lag=setup.fill_lag)


def day_statistics(stats: ForecastStats | None, spec: StrategySpec, row: int) -> dict[str, float]:
    """The forecast figures of day ``row`` at the strategy's evaluation day (14 without one)."""
    horizon = int(getattr(spec, "evaluation_day", HORIZONS))
    min_return = float(getattr(spec, "min_return", 0.0))
    if stats is None:
        return {"evaluation_day": horizon, "min_return": min_return}
    q10, q50, q90 = (float(q[row]) for q in stats.quantiles(horizon))
    return {"evaluation_day": horizon, "min_return": min_return,
            "share_above": float(stats.share_above(horizon, min_return)[row]),
            "share_up": float(stats.share_above(horizon, 0.0)[row]),
            "mean_return": float(stats.mean_return(horizon)[row]), "median_return": q50,
            "q10_return": q10, "q90_return": q90,
            "uncertainty": float(stats.uncertainty(horizon)[row])}


def decide_day(
    dates: np.ndarray, closes: np.ndarray, matrix: np.ndarray | None, setup: BookSetup,
    spec: StrategySpec, opening: Opening, next_day: dt.date | None,
) -> DayDecision:
    """Today's (the last date's) decision; ``dates`` and ``closes`` run up to today."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    closes = np.asarray(closes, dtype=np.float64)
    n = dates.shape[0]
    n_paths = 1 if matrix is None else matrix.shape[0]
    paths = place_matrices(n, {} if matrix is None else {n - 1: matrix}, n_paths)
    plan, stats = plan_days(closes, paths, setup, spec)
    result = run_span(dates, closes, plan, setup, n - 1, opening)
    day = dict(zip(DAILY_COLUMNS, map(float, result.daily[0]), strict=True))
    ordered, forced = day["ordered"], day["forced"]
    filled = float(result.carried_fills()[0])
    action = str(Action.FORCED_SALE if forced > 0 else (
        Action.SELL if ordered > 0 else Action.HOLD))
    tier = "" if plan.tier is None else TIER_NAMES[int(plan.tier[-1])]
    figures = day_statistics(stats, spec, n - 1)
    available = opening.book.inventory + day["intake"] - filled
    return DayDecision(
        action=action, quantity=float(result.decided()[0]), ordered=ordered, filled=filled,
        forced=forced,
        fills_on=None if not ordered else (dates[-1].astype(object) if setup.fill_lag == 0
                                           else next_day),
        intake=day["intake"], available=available, price=float(closes[-1]),
        proceeds=day["proceeds"], transaction_cost=day["transaction_cost"],
        storage_cost=day["storage_cost"], closing=result.final, closing_cash=result.final_cash,
        value=day["value"], planned_share=float(plan.share[-1]), tier=tier, stats=figures,
        explanation=explain_decision(spec, action, plan, opening.book, available, figures,
                                     float(closes[-1]), setup.fill_lag))
