"""Benchmark the futures book's model x optimiser matrix in the domain layer: the six demo
commodities over 10 years of synthetic contract curves, 6 signal sets (standing in for the five
real models and the technical set: moving-average crosses of different speeds) x the 5
optimisers, monthly rebalancing on a 120-day covariance window, one shared book per cell (each
optimiser's weights are computed once and shared by the six signal sets: they depend on prices
only).

Prints one JSON object: the matrix's wall time (median of ``BENCH_RUNS``, default 3), with the
curves and signals built once outside the timing. Target (issue 17): <= 10 s on 2 cores.
Run: ``.venv/bin/python bench/bench_futures_matrix.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import time

import polars as pl

from trading_platform.config import load_universe
from trading_platform.domain.futures.engine import EngineConfig
from trading_platform.domain.futures.optimisers import OPTIMISER_NAMES, WeightBounds
from trading_platform.domain.futures.portfolio import optimiser_weights, run_portfolio
from trading_platform.domain.futures.signals import moving_average_cross
from trading_platform.domain.futures.synthetic_curves import synthetic_series
from trading_platform.domain.market.synthetic import generate_universe_market

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SPEEDS = ((10, 50), (20, 100), (30, 120), (40, 160), (50, 200), (5, 30))


def main() -> None:
    universe = load_universe()
    names = universe.commodity_keys
    market = generate_universe_market(universe, dt.date(2014, 1, 2), dt.date(2023, 12, 29),
                                      names)
    series, specs = {}, {}
    for name in names:
        front = market.filter(pl.col("commodity") == name).select("date", "close")
        commodity = universe.commodities[name]
        specs[name] = commodity.futures
        series[name] = synthetic_series(front, commodity.futures, universe.calendar_for(name),
                                        commodity.synthetic.base_price, universe.seed, name)
    signal_sets = [{name: moving_average_cross(frame["adjusted_close"].to_numpy(), fast, slow)
                    for name, frame in series.items()} for fast, slow in SPEEDS]
    config = EngineConfig(capital=10_000_000, vol_target=0.1, stop_atr=0.0, use_open=False)
    bounds = WeightBounds(0.0, 0.4)
    seconds = []
    for _ in range(RUNS):
        began = time.perf_counter()
        weights = {o: optimiser_weights(series, o, bounds) for o in OPTIMISER_NAMES}
        cells = [run_portfolio(series, directions, specs, weights[optimiser], config)
                 for directions in signal_sets for optimiser in OPTIMISER_NAMES]
        seconds.append(time.perf_counter() - began)
    print(json.dumps({
        "benchmark": "futures_matrix", "commodities": len(names),
        "days": max(frame.height for frame in series.values()), "signal_sets": len(SPEEDS),
        "optimisers": len(OPTIMISER_NAMES), "cells": len(cells), "runs": RUNS,
        "seconds": [round(s, 2) for s in seconds], "median_s": round(statistics.median(seconds), 2),
    }))


if __name__ == "__main__":
    main()
