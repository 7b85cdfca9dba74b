"""Benchmark the futures position engine: 6 commodities x 20 years of daily bars x 50 parameter
sets with the full rules (volatility targeting, ATR stops, costs, rolls every ~60 days, next-open
fills, the margin limit), and the ratio against the plain-Python twin on one parameter set.

Prints one JSON object. Target (issue 17): the 50 sets in <= 2 s steady on 2 cores. ``BENCH_RUNS``
sets the timed runs (default 5); the first, compiling call is not timed.
Run: ``.venv/bin/python bench/bench_futures_engine.py``.
"""

from __future__ import annotations

import json
import os
import statistics
import time

import numpy as np

from trading_platform.domain.futures.engine import (
    EngineConfig,
    EngineInputs,
    run_positions,
    run_positions_reference,
)
from trading_platform.domain.futures.signals import average_true_range, moving_average_cross

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
DAYS, ASSETS, SETS = 20 * 252, 6, 50


def book(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.015, (DAYS, ASSETS)), axis=0))
    roll = np.zeros((DAYS, ASSETS))
    roll[59::63] = 1.0
    next_close = np.where(roll == 1, close * (1 + rng.normal(0, 0.01, (DAYS, ASSETS))), np.nan)
    atr = np.column_stack([average_true_range(close[:, a], close[:, a] * 1.005,
                                              close[:, a] * 0.995, 14) for a in range(ASSETS)])
    return close, roll, next_close, atr


def inputs_for(close, roll, next_close, atr, fast: int, slow: int) -> EngineInputs:
    target = np.column_stack([moving_average_cross(close[:, a], fast, slow)
                              for a in range(ASSETS)]) / ASSETS
    risk = np.full_like(close, 20.0) * close
    return EngineInputs(close=close, open_=close * 0.999, roll=roll, next_close=next_close,
                        target=target, risk=risk, atr=atr, point_value=np.full(ASSETS, 10.0),
                        commission=np.full(ASSETS, 2.5), slippage=np.full(ASSETS, 12.5),
                        margin=np.full(ASSETS, 5_000.0))


def main() -> None:
    rng = np.random.default_rng(17)
    close, roll, next_close, atr = book(rng)
    sets = [inputs_for(close, roll, next_close, atr, fast, slow)
            for fast, slow in zip(rng.integers(5, 40, SETS), rng.integers(60, 200, SETS),
                                  strict=True)]
    config = EngineConfig(capital=10_000_000, vol_target=0.1, stop_atr=3.0, max_margin=0.5)
    run_positions(sets[0], config)  # compile (or load the cached kernel)
    seconds = []
    for _ in range(RUNS):
        began = time.perf_counter()
        trades = sum(run_positions(inputs, config).trades.shape[0] for inputs in sets)
        seconds.append(time.perf_counter() - began)
    began = time.perf_counter()
    run_positions_reference(sets[0], config)
    twin_s = time.perf_counter() - began
    began = time.perf_counter()
    run_positions(sets[0], config)
    kernel_s = time.perf_counter() - began
    print(json.dumps({
        "benchmark": "futures_engine", "days": DAYS, "assets": ASSETS, "parameter_sets": SETS,
        "runs": RUNS, "seconds": [round(s, 3) for s in seconds],
        "median_s": round(statistics.median(seconds), 3), "trades_per_run": trades,
        "one_set_kernel_s": round(kernel_s, 4), "one_set_twin_s": round(twin_s, 3),
        "twin_over_kernel": round(twin_s / kernel_s, 1),
    }))


if __name__ == "__main__":
    main()
