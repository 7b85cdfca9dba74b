"""Benchmark the classic moving-average sweep (issue 19), for comparison with other engines:
10 series x 5,000 daily closes (seeded random walks), long/flat moving-average cross, fast in
5, 10, ..., 50 and slow in 20, 30, ..., 200 with fast < slow: 174 pairs, 1,740 backtests
(conventions in ``domain.research.ma_sweep``), one ``sweep_ma_cross`` call end to end.

Prints one JSON object: the steady median of ``BENCH_RUNS`` timed calls (default 20) after one
untimed call that loads the compiled kernels, the first call's time, and the plain-Python twin
on one series (174 backtests) with the per-backtest ratio measured in the same run. Target:
<= 0.03 s steady on 2 cores. Run: ``.venv/bin/python bench/bench_ma_sweep.py``.
"""

from __future__ import annotations

import json
import os
import statistics
import time

import numpy as np

from trading_platform.domain.research.ma_sweep import sweep_ma_cross, sweep_ma_cross_reference

SERIES, BARS, FEE = 10, 5_000, 0.001
FAST, SLOW = list(range(5, 55, 5)), list(range(20, 210, 10))


def main() -> None:
    runs = int(os.environ.get("BENCH_RUNS", "20"))
    rng = np.random.default_rng(2026)
    prices = {f"series_{i}": 100 * np.exp(np.cumsum(rng.normal(0.0002, 0.012, BARS)))
              for i in range(SERIES)}
    began = time.perf_counter()
    rows = sweep_ma_cross(prices, FAST, SLOW, FEE)
    first = time.perf_counter() - began
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        sweep_ma_cross(prices, FAST, SLOW, FEE)
        timings.append(time.perf_counter() - began)
    one = {"series_0": prices["series_0"]}
    began = time.perf_counter()
    twin = sweep_ma_cross_reference(one, FAST, SLOW, FEE)
    twin_s = time.perf_counter() - began
    began = time.perf_counter()
    compiled = sweep_ma_cross(one, FAST, SLOW, FEE)
    compiled_s = time.perf_counter() - began
    agree = all(a["n_trades"] == b["n_trades"] and
                abs(a["final_equity"] - b["final_equity"]) <= 1e-9 * b["final_equity"]
                for a, b in zip(compiled, twin, strict=True))
    steady = statistics.median(timings)
    print(json.dumps({
        "benchmark": "ma_sweep", "backtests": len(rows), "pairs": len(rows) // SERIES,
        "bars": BARS, "runs": runs, "steady_s": round(steady, 5),
        "min_s": round(min(timings), 5), "max_s": round(max(timings), 5),
        "first_call_s": round(first, 3), "per_backtest_us": round(steady / len(rows) * 1e6, 2),
        "twin_one_series_s": round(twin_s, 3), "compiled_one_series_s": round(compiled_s, 5),
        "twin_ratio": round(twin_s / compiled_s, 1), "twin_agrees": agree,
        "target": "steady <= 0.03 s on 2 cores (issue 19)"}))


if __name__ == "__main__":
    main()
