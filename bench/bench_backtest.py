"""Benchmark the inventory backtest: nine strategies on one commodity x model's prediction matrices.

Synthetic inputs, never timed: 1,500 business days from 2018-01-02 (about six seasons), a
mean-reverting random-walk close and per day 500 paths x 14 horizons float32 (close x exp of
cumulated normal returns with a per-day drift, the model's view). Measured, steady state after
JIT warm-up: (1) one pair, ``run_backtest`` alone and with ``backtest_frames`` (the tables), median
of ``BENCH_RUNS`` (default 7); (2) the plain-Python reference ``run_book_reference`` on the same
inputs for all nine strategies (median of ``BENCH_REFERENCE_RUNS``, default 3), its speed-up
and its parity with the kernel; (3) sixty pairs, 6 commodities x 10 models, per pair summed
(median of ``BENCH_SWEEP_RUNS`` sweeps, default 3); (4) a fresh process from before the imports
through its first backtest with tables, numba cache populated (``BENCH_RUNS``) and empty
(``BENCH_COLD_RUNS``, default 3); (5) peak RSS. Run: ``.venv/bin/python bench/bench_backtest.py``;
prints one JSON object. Targets on 2 cores: one pair <= 0.1 s, speed-up >= 300x, sixty pairs
<= 10 s, first call with the cache <= 5 s.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from trading_platform.config import Universe, load_universe
from trading_platform.domain.inventory.backtest import (
    Backtest,
    BookSetup,
    backtest_frames,
    run_backtest,
)
from trading_platform.domain.inventory.engine_kernels import DAILY_COLUMNS
from trading_platform.domain.inventory.reference import run_book_reference
from trading_platform.domain.inventory.strategies import default_strategies

REPO = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
REFERENCE_RUNS = int(os.environ.get("BENCH_REFERENCE_RUNS", "3"))
SWEEP_RUNS = int(os.environ.get("BENCH_SWEEP_RUNS", "3"))
COLD_RUNS = int(os.environ.get("BENCH_COLD_RUNS", "3"))
N_DAYS, N_PATHS, HORIZONS, N_COMMODITIES, N_MODELS = 1500, 500, 14, 6, 10
TARGETS = {"one_pair_run_s": 0.1, "one_pair_with_tables_s": 0.1, "speedup_x": 300.0,
           "sixty_pairs_s": 10.0, "jit_warm_cache_s": 5.0}
Market = tuple[np.ndarray, np.ndarray, np.ndarray]
CHILD = """
import json, sys, time
began = time.perf_counter()
from trading_platform.config import load_universe
from trading_platform.domain.inventory.backtest import BookSetup, backtest_frames, run_backtest
from trading_platform.domain.inventory.strategies import default_strategies
imported = time.perf_counter()
sys.path.insert(0, {bench!r})
from bench_backtest import market
dates, price, paths = market(0, 300, 50, 150.0)
setup = BookSetup.for_commodity(load_universe(None).commodity("coffee"))
called = time.perf_counter()
backtest_frames(run_backtest(dates, price, paths, setup, default_strategies()))
done = time.perf_counter()
print(json.dumps({{"import_s": imported - began, "first_call_s": done - called,
                  "total_s": imported - began + done - called}}))
"""


def market(seed: int, n: int, n_paths: int, base: float, price: np.ndarray | None = None
           ) -> Market:
    """Business days, a close around ``base`` (unless given) and (n, n_paths, 14) float32 paths."""
    rng = np.random.default_rng(seed)
    dates = np.busday_offset(np.datetime64("2018-01-02"), np.arange(n), roll="forward")
    if price is None:
        level, shocks = np.empty(n), rng.normal(0.0, 0.015, n)
        for t in range(n):
            level[t] = (0.995 * level[t - 1] if t else 0.0) + shocks[t]
        price = base * np.exp(level)
    paths = rng.standard_normal((n, n_paths, HORIZONS), dtype=np.float32)
    paths *= np.float32(0.015)
    paths += rng.normal(0.0, 0.003, (n, 1, 1)).astype(np.float32)
    np.cumsum(paths, axis=2, out=paths)
    np.exp(paths, out=paths)
    paths *= price.astype(np.float32)[:, None, None]
    return dates, price, paths


def _median(values: list[float], digits: int = 4) -> float:
    return round(statistics.median(values), digits)


def one_pair(setup: BookSetup, data: Market) -> tuple[list[float], list[float], Backtest]:
    """Seconds of ``run_backtest`` and of it plus ``backtest_frames``, after two warm-up calls."""
    strategies = default_strategies()
    for _ in range(2):
        backtest_frames(run_backtest(*data, setup, strategies))
    run_only, with_tables = [], []
    for _ in range(RUNS):
        began = time.perf_counter()
        backtest = run_backtest(*data, setup, strategies)
        middle = time.perf_counter()
        backtest_frames(backtest)
        run_only.append(middle - began)
        with_tables.append(time.perf_counter() - began)
    return run_only, with_tables, backtest


def reference(backtest: Backtest) -> tuple[list[float], list[str]]:
    """Seconds of the reference over all strategies, and the strategies it does not reproduce."""
    setup, schedule, seconds = backtest.setup, backtest.schedule, []
    outputs = {}
    for _ in range(REFERENCE_RUNS):
        began = time.perf_counter()
        outputs = {key: run_book_reference(
            backtest.price, schedule.intake, schedule.liquidate, spec.decide,
            backtest.plans[key].cadence, setup.storage_rate, setup.tx_rate,
            forecasts=backtest.paths) for key, spec in backtest.strategies.items()}
        seconds.append(time.perf_counter() - began)
    mismatches = []
    for key, (days, sales) in outputs.items():
        result = backtest.results[key]
        expected = np.array([[day[name] for name in DAILY_COLUMNS] for day in days])
        same_days = [s[0] for s in sales] == result.sales[:, 0].astype(int).tolist()
        if not (same_days and np.allclose(result.daily, expected, rtol=1e-12, atol=1e-9)):
            mismatches.append(key)
    return seconds, mismatches


def sixty_pairs(universe: Universe) -> tuple[list[float], list[str]]:
    """Per sweep, the summed seconds of run + tables over 6 commodities x 10 models."""
    harvested = [k for k in universe.commodity_keys if universe.commodity(k).harvest is not None]
    chosen = [harvested[i % len(harvested)] for i in range(N_COMMODITIES)]
    strategies, sweeps = default_strategies(), [0.0] * SWEEP_RUNS
    for c, key in enumerate(chosen):
        spec = universe.commodity(key)
        setup = BookSetup.for_commodity(spec)
        price = market(100 + c, N_DAYS, 1, spec.synthetic.base_price)[1]
        pairs = [market(1000 + N_MODELS * c + m, N_DAYS, N_PATHS, 0.0, price)
                 for m in range(N_MODELS)]
        for r in range(SWEEP_RUNS):
            for data in pairs:
                began = time.perf_counter()
                backtest_frames(run_backtest(*data, setup, strategies))
                sweeps[r] += time.perf_counter() - began
        del pairs
    return sweeps, chosen


def _child(cache_dir: str) -> dict[str, float]:
    code = CHILD.format(bench=str(Path(__file__).resolve().parent))
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "NUMBA_CACHE_DIR": cache_dir}, check=True)
    return {**json.loads(done.stdout.strip().splitlines()[-1]),
            "process_s": time.perf_counter() - began}


def jit_first_call() -> tuple[dict[str, object], float]:
    """A fresh process's import + first call: populated cache (after one populating run), empty."""
    with tempfile.TemporaryDirectory(prefix="bench_numba_") as warm_dir:
        _child(warm_dir)
        warm = [_child(warm_dir) for _ in range(RUNS)]
    cold = []
    for _ in range(COLD_RUNS):
        with tempfile.TemporaryDirectory(prefix="bench_numba_") as cold_dir:
            cold.append(_child(cold_dir))
    figures: dict[str, object] = {}
    for name, runs in (("warm", warm), ("cold", cold)):
        for field in ("total_s", "import_s", "first_call_s", "process_s"):
            suffix = "s_median" if field == "total_s" else f"{field}_median"
            figures[f"jit_{name}_cache_{suffix}"] = _median([run[field] for run in runs], 3)
        figures[f"jit_{name}_cache_runs"] = [round(run["total_s"], 3) for run in runs]
    return figures, _median([run["total_s"] for run in warm], 3)


def main() -> None:
    universe = load_universe(None)
    setup = BookSetup.for_commodity(universe.commodity("coffee"))
    data = market(0, N_DAYS, N_PATHS, 150.0)
    run_only, with_tables, backtest = one_pair(setup, data)
    ref_seconds, mismatches = reference(backtest)
    del data, backtest
    sweeps, chosen = sixty_pairs(universe)
    jit, jit_warm = jit_first_call()
    figures = {"one_pair_run_s": _median(run_only), "one_pair_with_tables_s": _median(with_tables),
               "speedup_x": _median(ref_seconds) / _median(run_only),
               "sixty_pairs_s": _median(sweeps, 3), "jit_warm_cache_s": jit_warm}
    print(json.dumps({
        "benchmark": "inventory_backtest", "n_days": N_DAYS, "n_paths": N_PATHS,
        "horizons": HORIZONS, "strategies": list(default_strategies()), "runs": RUNS,
        "one_pair_run_s_median": _median(run_only),
        "one_pair_with_tables_s_median": _median(with_tables),
        "one_pair_runs": [round(s, 4) for s in run_only],
        "one_pair_with_tables_runs": [round(s, 4) for s in with_tables],
        "reference_runs_count": REFERENCE_RUNS, "reference_s_median": _median(ref_seconds, 3),
        "reference_runs": [round(s, 3) for s in ref_seconds],
        "speedup_x": round(figures["speedup_x"], 1),
        "speedup_with_tables_x": round(_median(ref_seconds) / _median(with_tables), 1),
        "parity": not mismatches, "parity_mismatches": mismatches,
        "reference_is": "plain-Python day loop calling each strategy's decide (numpy per day)",
        "replaced_design": "published 2-5 minutes per commodity x model pair",
        "sixty_pairs_s_median": _median(sweeps, 3),
        "sixty_pairs_runs": [round(s, 3) for s in sweeps],
        "sixty_pairs_inputs": (f"{N_COMMODITIES} commodities {chosen} x {N_MODELS} models: one "
                               "close per commodity, own 500 x 14 paths per pair, generated "
                               "per commodity outside the timing; run + tables per pair summed"),
        **jit,
        "jit_input": "300 days x 50 paths, import of the backtest modules through first tables",
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "targets": TARGETS,
        "meets": {key: figures[key] >= target if key == "speedup_x" else figures[key] <= target
                  for key, target in TARGETS.items()},
    }, indent=1))


if __name__ == "__main__":
    main()
