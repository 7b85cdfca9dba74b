"""Backtest every inventory strategy of one commodity on one model's prediction matrices.

``run_backtest`` is the fast path (forecast statistics computed once, one kernel call per
strategy); ``backtest_frames`` turns its result into the tables a desk reads: daily state, sales,
metrics per strategy and per season, the forced-liquidation analysis and the headline summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from trading_platform.config.universe import CommoditySpec, HarvestSpec, TradingCalendarSpec
from trading_platform.domain.forecasting.metrics import directional_hits
from trading_platform.domain.inventory.advantage import (
    PAIR_COLUMNS,
    headline_advantage,
    twin_advantages,
)
from trading_platform.domain.inventory.book import BookState
from trading_platform.domain.inventory.engine import BookResult, run_book
from trading_platform.domain.inventory.engine_kernels import DAILY_COLUMNS, REASON_FORCED
from trading_platform.domain.inventory.forecast_stats import ForecastStats
from trading_platform.domain.inventory.metrics import book_metrics, season_metrics
from trading_platform.domain.inventory.seasons import HarvestSchedule, harvest_schedule
from trading_platform.domain.inventory.strategies_forecast import (
    TIER_HIGH,
    TIER_LOW,
    TIER_MEDIUM,
)
from trading_platform.domain.inventory.strategy_base import Plan, StrategySpec

CALENDAR_TO_TRADING_DAYS = 365.0 / 252.0
WEEKDAYS = TradingCalendarSpec()  # every weekday trades: the calendar when none is given
ACCURACY_HORIZON = 14


@dataclass(frozen=True)
class BookSetup:
    """A commodity's harvest, its costs as fractions per trading day / per sale, and the fill
    lag (sessions from a decision at a close to its fill: see ``engine_kernels``).

    The universe quotes storage per calendar day; the engine charges it on trading days, so
    each trading day carries 365/252 of the calendar-day rate and a year costs the same.
    """

    harvest: HarvestSpec
    storage_rate: float
    tx_rate: float
    calendar: TradingCalendarSpec = WEEKDAYS  # where a season's last trading day falls

    @property
    def fill_lag(self) -> int:
        return self.harvest.fill_lag_days

    @classmethod
    def for_commodity(cls, spec: CommoditySpec,
                      calendar: TradingCalendarSpec | None = None) -> BookSetup:
        if spec.harvest is None:
            raise ValueError(f"{spec.name} has no harvest in the universe config: the inventory "
                             "book needs its intake window and annual volume")
        return cls(harvest=spec.harvest,
                   storage_rate=spec.storage_cost_pct_per_day / 100 * CALENDAR_TO_TRADING_DAYS,
                   tx_rate=spec.transaction_cost_pct / 100,
                   calendar=calendar or WEEKDAYS)


@dataclass(frozen=True)
class Backtest:
    """Inputs and per-strategy results of one backtest (keys are strategy kinds)."""

    dates: np.ndarray
    price: np.ndarray
    paths: np.ndarray | None
    setup: BookSetup
    schedule: HarvestSchedule
    strategies: Mapping[str, StrategySpec]
    plans: dict[str, Plan]
    results: dict[str, BookResult]
    stats: ForecastStats | None = None  # shared by the strategies, reused by the tables


def run_backtest(
    dates: np.ndarray, price: np.ndarray, paths: np.ndarray | None, setup: BookSetup,
    strategies: Mapping[str, StrategySpec],
) -> Backtest:
    """Simulate every strategy over the same days; ``paths`` (n, p, 14) aligned to ``dates``."""
    schedule = harvest_schedule(dates, setup.harvest, setup.harvest.max_holding_days,
                                setup.calendar)
    stats = None if paths is None else ForecastStats.from_paths(paths, price)
    plans: dict[str, Plan] = {}
    results: dict[str, BookResult] = {}
    for key, spec in strategies.items():
        plans[key], results[key] = simulate_strategy(dates, price, stats, setup, spec, schedule)
    return Backtest(dates=dates, price=price, paths=paths, setup=setup, schedule=schedule,
                    strategies=strategies, plans=plans, results=results, stats=stats)


def simulate_strategy(
    dates: np.ndarray, price: np.ndarray, stats: ForecastStats | None, setup: BookSetup,
    spec: StrategySpec, schedule: HarvestSchedule, first: int = 0,
    initial: BookState | None = None, initial_cash: float = 0.0,
) -> tuple[Plan, BookResult]:
    """One strategy's plan over every day and the engine over days ``first .. end`` from
    ``initial`` (default: an empty book on day 0): the research backtest's own step, which
    backtest-live parity replays recorded days with."""
    plan = spec.plan(price, stats, setup.storage_rate)
    span = slice(first, price.shape[0])
    gain = None if plan.hold_gain is None else plan.hold_gain[span]
    return plan, run_book(price[span], schedule.intake[span], schedule.liquidate[span],
                          plan.share[span], plan.cadence, setup.storage_rate, setup.tx_rate,
                          dates[span], gain, plan.hold_threshold, initial=initial,
                          initial_cash=initial_cash, lag=setup.fill_lag)


@dataclass(frozen=True)
class BacktestFrames:
    """``daily`` (strategy, date, price, season, DAILY_COLUMNS), ``sales``, ``metrics`` (one row
    per strategy; forecast strategies with an A/B twin carry its paired advantage in the
    ``twin_*`` columns), ``seasons`` (strategy x season), ``forced`` (forced-liquidation
    analysis), ``summary`` (headline figures: the best strategies and the mean paired
    advantage over the twins with its interval), ``tiers`` (Risk-Adjusted tier shares of days) and
    ``accuracy`` (the model's 14-day directional accuracy over the window)."""

    daily: pl.DataFrame
    sales: pl.DataFrame
    metrics: pl.DataFrame
    seasons: pl.DataFrame
    forced: pl.DataFrame
    summary: dict[str, object]
    tiers: dict[str, float]
    accuracy: float


def backtest_notional(setup: BookSetup, price: np.ndarray) -> float:
    """The fixed capital base of a backtest's returns: one season's intake at the window's
    first close, known on its first day (a mean over the window would use later prices)."""
    return setup.harvest.annual_volume * max(abs(float(price[0])), 1e-12) if price.size else 1.0


def _family(spec: StrategySpec) -> str:
    return "forecast" if spec.uses_forecast else "baseline"


def _sales_frame(key: str, backtest: Backtest) -> pl.DataFrame:
    """One row per sale: its fill date and price, and ``decided``, the close it was decided at."""
    sales = backtest.results[key].sales
    day = sales[:, 0].astype(np.int64)
    return pl.DataFrame({
        "strategy": [key] * len(day), "date": backtest.dates[day],
        "decided": backtest.dates[np.maximum(sales[:, 4].astype(np.int64), 0)],
        "quantity": sales[:, 1], "price": sales[:, 2],
        "reason": np.where(sales[:, 3] == REASON_FORCED, "forced", "strategy"),
        "season": backtest.schedule.season[day],
    }, schema_overrides={"reason": pl.String, "strategy": pl.String})


def _daily_frame(key: str, backtest: Backtest) -> pl.DataFrame:
    daily = backtest.results[key].daily
    return pl.DataFrame({
        "strategy": [key] * len(backtest.dates), "date": backtest.dates,
        "price": backtest.price, "season": backtest.schedule.season,
        **{name: daily[:, i] for i, name in enumerate(DAILY_COLUMNS)},
    })


def backtest_frames(backtest: Backtest) -> BacktestFrames:
    """Every table of one backtest, strategies in the order they were given."""
    setup, price, season = backtest.setup, backtest.price, backtest.schedule.season
    notional = backtest_notional(setup, price)
    metric_rows, season_frames = [], []
    for key, result in backtest.results.items():
        spec = backtest.strategies[key]
        metric_rows.append({"strategy": key, "family": _family(spec), "name": spec.name,
                            "spec_hash": spec.content_hash,
                            **book_metrics(result, price, season, setup.tx_rate, notional)})
        season_frames.append(season_metrics(result, price, season, backtest.schedule.season_starts)
                             .insert_column(0, pl.lit(key).alias("strategy")))
    keys = list(backtest.results)
    net = {row["strategy"]: float(row["net_earnings"]) for row in metric_rows}
    pairs = twin_advantages(backtest.results, price, backtest.strategies, net)
    by_strategy = {pair.strategy: pair.columns() for pair in pairs}
    empty = dict.fromkeys(PAIR_COLUMNS)
    metrics = pl.DataFrame([row | by_strategy.get(str(row["strategy"]), empty)
                            for row in metric_rows],
                           schema_overrides={"twin": pl.String, **{
                               c: pl.Float64 for c in PAIR_COLUMNS if c != "twin"}})
    sales = pl.concat([_sales_frame(key, backtest) for key in keys])
    return BacktestFrames(
        daily=pl.concat([_daily_frame(key, backtest) for key in keys]),
        sales=sales, metrics=metrics, seasons=pl.concat(season_frames),
        forced=forced_analysis(sales, metrics),
        summary=summarise(metrics) | headline_advantage(backtest.results, price, pairs),
        tiers=tier_distribution(backtest),
        accuracy=forecast_accuracy(backtest),
    )


def _best(rows: pl.DataFrame) -> tuple[str | None, float]:
    best = rows.sort("net_earnings", descending=True, nulls_last=True).head(1)
    return (best["strategy"].item(), best["net_earnings"].item()) if best.height else (
        None, float("nan"))


def summarise(metrics: pl.DataFrame) -> dict[str, object]:
    """Best baseline, best forecast strategy and best overall, by net earnings. (The
    prediction advantage is not their difference: see ``inventory.advantage``.)"""
    baseline, baseline_net = _best(metrics.filter(pl.col("family") == "baseline"))
    forecast, forecast_net = _best(metrics.filter(pl.col("family") == "forecast"))
    overall, overall_net = _best(metrics)
    return {
        "best_baseline": baseline, "best_baseline_net": baseline_net,
        "best_forecast": forecast, "best_forecast_net": forecast_net,
        "best_overall": overall, "best_overall_net": overall_net,
    }


def tier_distribution(backtest: Backtest) -> dict[str, float]:
    """Share of days in each Risk-Adjusted confidence tier (empty without that strategy)."""
    plan = next((backtest.plans[k] for k, spec in backtest.strategies.items()
                 if spec.kind == "risk_adjusted"), None)
    if plan is None or plan.tier is None or plan.tier.size == 0:
        return {}
    return {name: float((plan.tier == tier).mean())
            for name, tier in (("high", TIER_HIGH), ("medium", TIER_MEDIUM), ("low", TIER_LOW))}


def forecast_accuracy(backtest: Backtest, horizon: int = ACCURACY_HORIZON) -> float:
    """Directional accuracy at ``horizon``: sign of the median path return vs the realised
    return, over window days whose matrix is usable and whose future close is in the window.
    The median comes from the strategies' shared statistics (already computed at the
    evaluation horizon); its sign is that of the median path's log return."""
    if backtest.stats is None or backtest.price.size <= horizon:
        return float("nan")
    today, future = backtest.price[:-horizon], backtest.price[horizon:]
    median = backtest.stats.median_return(horizon)[:-horizon]
    usable = np.isfinite(median) & (today > 0) & (future > 0)
    if not usable.any():
        return float("nan")
    hits = directional_hits(median[usable], np.log(future[usable] / today[usable]))
    return float(hits.mean())


def forced_analysis(sales: pl.DataFrame, metrics: pl.DataFrame) -> pl.DataFrame:
    """Per strategy: forced volume and sales, their share of intake, and the average forced
    price against the strategy's own average sale price and the market's season average."""
    forced = sales.filter(pl.col("reason") == "forced").group_by("strategy").agg(
        n_forced_sales=pl.len(), forced_proceeds=(pl.col("quantity") * pl.col("price")).sum(),
        forced_quantity=pl.col("quantity").sum())
    return metrics.select("strategy", "forced_volume", "forced_share", "avg_realised_price",
                          "avg_market_price").join(forced, on="strategy", how="left").select(
        "strategy", "forced_volume", "forced_share",
        pl.col("n_forced_sales").fill_null(0),
        avg_forced_price=pl.col("forced_proceeds") / pl.col("forced_quantity"),
        avg_realised_price=pl.col("avg_realised_price"),
        forced_vs_market=pl.col("forced_proceeds") / pl.col("forced_quantity")
        / pl.col("avg_market_price") - 1.0)
