"""Benchmark a 200-trial TPE search (issue 19) on the demo universe: the fusion example's entry
threshold, trailing-stop distance and size (parameters outside its screen, so each commodity is
screened once) over the six commodities' synthetic continuous series of the demo's span
(``demo_years`` up to 2026-11-30), a 75/25 split, Sharpe on the test window, a seeded TPE
sampler on an Optuna journal in a temporary directory (as the CLI keeps one), the commodities
replayed in two worker processes (``ParallelBook``). Each run times the search twice, without
and with pruning (Optuna's median pruner on the partial book after each round of commodities),
so their ratio is measured in one run.

Prints one JSON object: the search's seconds per run (``BENCH_RUNS``, default 3) and their
median, trials per second and the best test Sharpe, for both; the pruned search's count of
pruned trials. Target: <= 60 s on 2 cores.
Run: ``.venv/bin/python bench/bench_tpe.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from trading_platform.config.searches import Distribution
from trading_platform.config.universe import load_universe
from trading_platform.config.user_strategies import load_user_strategies
from trading_platform.domain.futures.backtest import Costs
from trading_platform.domain.futures.synthetic_curves import universe_series
from trading_platform.domain.market.synthetic import generate_universe_market
from trading_platform.domain.research.folds import ratio_split
from trading_platform.domain.research.parallel_book import ParallelBook
from trading_platform.domain.research.runners import UserStrategyBook
from trading_platform.domain.research.search import run_tpe
from trading_platform.domain.research.trials import single_stage
from trading_platform.resources.experiments import ExperimentStore

TRIALS, LAST_DAY, WORKERS = 200, dt.date(2026, 11, 30), 2
SPACE = {"threshold": [0.4, 0.6, 0.8, 1.0],
         "trail_atr": Distribution(low=1.0, high=5.0, distribution="uniform"),
         "size": Distribution(low=1, high=10, distribution="int")}


def one_run(book: UserStrategyBook, prune: bool) -> tuple[float, float, int]:
    """One search in a fresh pool of two worker processes (they screen afresh, as a new search
    would); the pool's start is inside the timing."""
    with tempfile.TemporaryDirectory() as folder:
        store = ExperimentStore(None, Path(folder))  # type: ignore[arg-type]
        study = store.study("bench_tpe", seed=11, prune=prune)
        began = time.perf_counter()
        with ParallelBook(book, workers=WORKERS) as parallel:
            stages = parallel.stages if prune else single_stage(parallel.equity)
            trials = run_tpe(study, SPACE, TRIALS, stages, book.capital,
                             ratio_split(len(book.dates)), "sharpe")
        seconds = time.perf_counter() - began
    return (seconds, max(t.objective for t in trials if t.status == "done"),
            sum(t.status == "pruned" for t in trials))


def _figures(results: list[tuple[float, float, int]]) -> dict[str, object]:
    seconds = [s for s, _, _ in results]
    return {"seconds": [round(s, 2) for s in seconds],
            "median_s": round(statistics.median(seconds), 2),
            "trials_per_s": round(TRIALS / statistics.median(seconds), 2),
            "best_test_sharpe": round(results[0][1], 3), "pruned": results[0][2]}


def main() -> None:
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    universe = load_universe()
    names = list(universe.commodities)
    first = LAST_DAY.replace(year=LAST_DAY.year - universe.demo_years)
    market = generate_universe_market(universe, first, LAST_DAY, names)
    series, specs = universe_series(universe, market, names)
    spec = load_user_strategies().strategies["fusion"]
    book = UserStrategyBook("fusion", spec, series, specs, Costs(), 10_000_000.0)
    plain, pruned = [], []
    for _ in range(runs):
        plain.append(one_run(book, prune=False))
        pruned.append(one_run(book, prune=True))
    ratios = [p[0] / q[0] for p, q in zip(plain, pruned, strict=True)]
    print(json.dumps({
        "benchmark": "tpe", "trials": TRIALS, "commodities": len(names),
        "days": len(book.dates), "runs": runs, **_figures(plain),
        "with_pruning": _figures(pruned),
        "speedup_from_pruning_median": round(statistics.median(ratios), 2),
        "target": "<= 60 s on 2 cores (issue 19)"}))


if __name__ == "__main__":
    main()
