"""`demo`: the synthetic universe end to end, from market data to the paper-traded days."""

from __future__ import annotations

import argparse
import datetime as dt

from trading_platform.cli.desk import run_trading
from trading_platform.cli.market import refuse_demo_in_vendor_mode
from trading_platform.cli.research import (
    DEMO_FORECASTS,
    run_backtests,
    run_forecasts,
    run_futures,
    run_selection,
)
from trading_platform.cli.runs import print_summary, run_daily, run_slice
from trading_platform.defs.partitions import PartitionSlice
from trading_platform.defs.universe import UNIVERSE, ZOO

# One year of feature warm-up, two of training before the first refit, then forecast days.
MIN_FORECAST_YEARS = 4


def last_weekdays(end: dt.date, count: int) -> list[dt.date]:
    """The ``count`` weekdays up to and including ``end``, oldest first."""
    days: list[dt.date] = []
    day = end
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= dt.timedelta(days=1)
    return days[::-1]


def demo_slice(as_of: dt.date, years: int) -> PartitionSlice:
    """Every commodity over the ``years`` of weekdays that closed before ``as_of``."""
    end = as_of - dt.timedelta(days=1)
    while end.weekday() > 4:
        end -= dt.timedelta(days=1)
    start = max(end.replace(year=end.year - years) + dt.timedelta(days=1), UNIVERSE.partition_start)
    while start.weekday() > 4:
        start += dt.timedelta(days=1)
    return PartitionSlice(tuple(UNIVERSE.commodity_keys), start, end)


def research_slice(part: PartitionSlice, trading_days: list[dt.date]) -> PartitionSlice:
    """``part`` up to the weekday before the first paper-traded day: the research cut. The
    champions are chosen on data that ends there, so every traded day comes after it."""
    if not trading_days:
        return part
    end = trading_days[0] - dt.timedelta(days=1)
    while end.weekday() > 4:
        end -= dt.timedelta(days=1)
    return PartitionSlice(part.commodities, part.start, end)


def demo_command(args: argparse.Namespace) -> int:
    """Market data and features up to the research cut (all of it with --market-only), then
    forecasts, backtests and selection on that history, and the last ``--trading-days``
    weekdays after the cut, each through the daily path: its market data, then trading."""
    refuse_demo_in_vendor_mode()
    part = demo_slice(args.as_of, args.years)
    # No research (market only, or too short a history to forecast): nothing is traded, so
    # the history runs to the end instead of stopping at a research cut.
    researching = not args.market_only and args.years >= MIN_FORECAST_YEARS
    trading_days = last_weekdays(part.end, args.trading_days) if researching else []
    history = research_slice(part, trading_days)
    result = run_slice(history, {"as_of": args.as_of.isoformat()}, "demo", args.debug)
    print_summary(result)
    if args.market_only or not result.success:
        return 0 if result.success else 1
    if args.years < MIN_FORECAST_YEARS:
        print(f"forecasts skipped: they need >= {MIN_FORECAST_YEARS} years of history (1 year "
              "of feature warm-up, 2 years of training, then out-of-sample days); rerun with "
              f"--years {MIN_FORECAST_YEARS} or more")
        return 0
    models = args.model or ZOO.keys
    ok = run_forecasts(UNIVERSE.commodity_keys, models, DEMO_FORECASTS)
    ok = run_backtests(UNIVERSE.harvested_keys, models) and ok
    ok = run_selection(UNIVERSE.harvested_keys) and ok
    ok = run_futures(UNIVERSE.commodity_keys) and ok
    print(f"research cut: champions selected on data through {history.end}; paper-trading "
          f"{len(trading_days)} day(s) after it")
    for day in trading_days:
        ok = run_daily(day, args.as_of) and ok
        ok = run_trading([day]) and ok
    print("next: `make ui` and open http://localhost:3000 (Assets: market_data, features, "
          "forecasts, backtest_results, backtest_comparison, model_candidates, "
          "champion_model, contract_prices, futures_series, futures_backtests, "
          "candidate_sets, portfolio_backtests, trading_book_champion, champion_forecast, "
          "trade_recommendations, futures_orders, futures_go_no_go, daily_report)")
    return 0 if ok else 1
