"""Benchmark the vectorised sweep (issue 19): 160,000 combinations of the moving-average cross
with an ATR stop and a volatility target (fast 5-100 by 5 x slow 110-300 by 10 x stop 0.5-10
ATRs by 0.5 x volatility target 0.05-1.0 by 0.05, every fast below every slow) over the six
demo commodities' synthetic continuous series, 20 years daily (2004-01-05 .. 2023-12-29), one
``vector_sweep`` call (rules in ``domain.research.vector_sweep``), against 2 h 15 min published.

Prints one JSON object: seconds per timed run (``BENCH_RUNS``, default 3) after one untimed call
that loads the compiled kernels, their median, combinations per second, and the best Sharpe.
Target: <= 20 s on 2 cores. Run: ``.venv/bin/python bench/bench_vector_sweep.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import time

import numpy as np

from trading_platform.config.universe import load_universe
from trading_platform.domain.futures.backtest import Costs
from trading_platform.domain.futures.synthetic_curves import universe_series
from trading_platform.domain.market.synthetic import generate_universe_market
from trading_platform.domain.research.vector_sweep import vector_sweep

FAST = list(range(5, 105, 5))
SLOW = list(range(110, 310, 10))
STOPS = [0.5 * i for i in range(1, 21)]
TARGETS = [round(0.05 * i, 2) for i in range(1, 21)]
CAPITAL = 10_000_000.0


def main() -> None:
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    universe = load_universe()
    names = list(universe.commodities)[:6]
    market = generate_universe_market(universe, dt.date(2004, 1, 5), dt.date(2023, 12, 29),
                                      names)
    series, specs = universe_series(universe, market, names)
    costs = Costs()
    point_value = np.array([specs[n].point_value() for n in names])
    cost = np.array([costs.commission + costs.slippage_ticks * specs[n].tick_value
                     for n in names])
    book = {n: series[n] for n in names}
    small = vector_sweep(book, point_value, cost, FAST[:1], SLOW[:1], STOPS[:1], TARGETS[:1],
                         CAPITAL)  # load the compiled kernels
    assert small.height == 1
    seconds = []
    for _ in range(runs):
        began = time.perf_counter()
        out = vector_sweep(book, point_value, cost, FAST, SLOW, STOPS, TARGETS, CAPITAL)
        seconds.append(time.perf_counter() - began)
    median = statistics.median(seconds)
    print(json.dumps({
        "benchmark": "vector_sweep", "combinations": out.height, "commodities": len(names),
        "days": int(max(s.height for s in book.values())), "runs": runs,
        "seconds": [round(s, 2) for s in seconds], "median_s": round(median, 2),
        "combinations_per_s": round(out.height / median), "best_sharpe":
        round(float(out["sharpe"].max()), 3), "target": "<= 20 s on 2 cores (issue 19)"}))


if __name__ == "__main__":
    main()
