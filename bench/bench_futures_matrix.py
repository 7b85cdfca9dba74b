"""Benchmark the futures book's model x optimiser matrix as the asset runs it
(``domain.futures.matrix.run_matrix``: every cell plus its four guards) for the demo universe:
six commodities over 10 years of synthetic contract curves, the forecast signal of every model
of the zoo (10 sets; seeded stand-in forecasts of each model's expected return and spread,
since 10 years of stored matrices would need a 10-year forecast build) and the 3 technical
strategies, x the 5 optimisers of ``futures_book.yaml`` (monthly rebalance, 120-day window).

Signals come from ``backtest_commodity`` (every strategy per commodity, as ``futures_backtests``
runs it), built once outside the timing. Prints one JSON object: the matrix's wall time with its
guards (median of ``BENCH_RUNS``, default 3) and, once, the per-
commodity backtests' time. Target (issue 17): the matrix <= 10 s on 2 cores.
Run: ``.venv/bin/python bench/bench_futures_matrix.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import time

import numpy as np
import polars as pl

from trading_platform.config import load_universe
from trading_platform.config.futures_book import load_futures_book
from trading_platform.config.futures_strategies import load_futures_strategies
from trading_platform.config.models import load_model_zoo
from trading_platform.domain.futures.backtest import Costs
from trading_platform.domain.futures.commodity_backtests import ModelForecasts, backtest_commodity
from trading_platform.domain.futures.engine import EngineConfig
from trading_platform.domain.futures.matrix import run_matrix, signal_sets
from trading_platform.domain.futures.synthetic_curves import universe_series
from trading_platform.domain.market.synthetic import generate_universe_market

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
START, END = dt.date(2014, 1, 2), dt.date(2023, 12, 29)
FIRST_FORECAST = np.datetime64("2014-07-01")  # half a year of warm-up for the risk estimates


def _inputs():
    universe, book = load_universe(), load_futures_book()
    strategies, zoo = load_futures_strategies(), load_model_zoo()
    market = generate_universe_market(universe, START, END, universe.commodity_keys)
    config, costs = EngineConfig(**book.engine.model_dump()), Costs(**book.costs.model_dump())
    daily = []
    began = time.perf_counter()
    series, specs = universe_series(universe, market, universe.commodity_keys)
    for name in universe.commodity_keys:
        days = series[name]["date"].to_numpy().astype("datetime64[D]")
        on = days[days >= FIRST_FORECAST]
        forecasts = {model: ModelForecasts(on, np.random.default_rng(k).normal(0, 0.03, on.size),
                                           np.full(on.size, 0.04))
                     for k, model in enumerate(zoo.keys)}
        run = backtest_commodity(series[name], specs[name], strategies, forecasts, config, costs)
        daily.append(run.daily.with_columns(pl.lit(name).alias("commodity")))
    per_commodity = time.perf_counter() - began
    return series, specs, pl.concat(daily), book, per_commodity


def main() -> None:
    series, specs, daily, book, per_commodity = _inputs()
    sets, firsts, _ = signal_sets(series, daily)
    seconds = []
    for _ in range(RUNS):
        began = time.perf_counter()
        matrix = run_matrix(series, sets, specs, firsts, book)
        seconds.append(time.perf_counter() - began)
        assert all(outcome.passed for outcome in matrix.outcomes), matrix.outcomes
    print(json.dumps({
        "benchmark": "futures_matrix", "commodities": len(series),
        "days": int(matrix.equity.filter(pl.col("optimiser") == "equal_weight")
                    .group_by("signal_set").len()["len"].max()),
        "signal_sets": len(sets), "optimisers": len(book.portfolio.optimisers),
        "cells": matrix.metrics.height, "runs": RUNS,
        "seconds": [round(s, 2) for s in seconds], "median_s": round(statistics.median(seconds), 2),
        "per_commodity_backtests_s_first_run": round(per_commodity, 2),
        "guards_passed": [outcome.name for outcome in matrix.outcomes],
    }))


if __name__ == "__main__":
    main()
