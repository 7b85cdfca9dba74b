"""Benchmark: the daily trading path of both books and champion selection.

1. The daily path of both books for one date through Dagster, in a fresh process each run:
   market data and features for the six commodities; the inventory desk's trade
   recommendations for the five harvested ones (champion daily forecast, validators, breakers,
   parity); the futures desk: contract prices of the six futures commodities, then its orders
   (`futures_orders`: the trading-book champion's target, planner, validators, parity replay);
   then the report pack: `python -m trading_platform.cli daily --date D`. Issue 20's target:
   <= 45 s median, <= 1.5 GB. The JSON breaks the wall down per stage (the seconds of each
   run line of the CLI, summed per label) and gives the futures desk's run state and the day
   it printed (status, orders). Needs a data directory with a complete demo (forecasts,
   backtests, selection, the futures research and its trading-book champion), built with
   `make demo`'s command (about 8 minutes, not timed) in a temporary dir, or in BENCH_DATA_DIR
   unless a set-up there has already finished (its marker file, ``cli_runs.set_up_once``).
   Reruns of a day are idempotent, so every run does the same work. A run that exits 1
   because Dagster runs it reported failed (a breaker's HALTED day fails its run) is
   measured, and those runs are listed in runs_not_ok.
2. Champion selection over all candidates of one commodity (6 real models x 9 strategies,
   1,300 backtest days; synthetic frames): build_candidates + select_champion, in process
   (``bench_selection.py``, which times its parts).
3. The daily forecast of a day after the research store (what trade_recommendations runs
   then), in process: the ensemble champion with the research walk-forward (monthly refits,
   250-day residual pool, 500 paths) on ten years of synthetic coffee features. "first_day_s"
   starts with an empty fit folder (the first day after a store refresh fits its whole window),
   "next_day_s" is the following trading day with the folder kept (at most one new refit),
   "rerun_s" the same day again (no fit at all).

Prints one JSON object with medians of BENCH_RUNS runs. BENCH_SKIP_DAILY=1 leaves out part 1;
BENCH_DAILY_ONLY=1 runs part 1 alone.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
from bench_selection import selection
from cli_runs import bench_data_dir, daily_path_figures, repeat_cli, runs_not_ok, set_up_once

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
AS_OF = "2026-11-21"
DAY = "2026-11-20"


def daily_path() -> dict[str, object]:
    data_dir, env, given = bench_data_dir("bench_trading_")
    setup = set_up_once(data_dir, ["demo", "--as-of", AS_OF], env)
    walls, rss, outputs = repeat_cli(["daily", "--date", DAY, "--as-of", AS_OF], env, RUNS,
                                     failed_runs_ok=True)
    if not given:
        shutil.rmtree(data_dir, ignore_errors=True)
    return {"what": f"daily path of both books for {DAY}: market runs, inventory "
                    "recommendation runs, contract-price runs, the futures desk run, the report "
                    "run (counts in stage_runs)",
            "setup_s": round(setup[0], 1) if setup else None,
            "setup_runs_failed": runs_not_ok([setup[1]], failed_only=True) if setup else [],
            **daily_path_figures(walls, rss, outputs),
            "target_wall_s": 45.0, "target_peak_rss_mb": 1536}


def daily_forecast() -> dict[str, object]:
    import datetime as dt

    from trading_platform.config import load_universe
    from trading_platform.config.models import load_model_zoo
    from trading_platform.domain.features.build import build_features
    from trading_platform.domain.forecasting.build import daily_prediction_matrix
    from trading_platform.domain.forecasting.protocol import WalkForwardConfig
    from trading_platform.domain.market.synthetic import generate_universe_market
    from trading_platform.resources.forecast_store import ForecastStore, fit_identity

    universe, zoo, walk = load_universe(), load_model_zoo(), WalkForwardConfig()
    end = dt.date.fromisoformat(DAY)
    market = generate_universe_market(universe, end.replace(year=end.year - 10), end, ["coffee"])
    features = build_features(market, universe)
    first, second = features["date"].tail(2).to_list()
    timings: dict[str, list[float]] = {"first_day_s": [], "next_day_s": [], "rerun_s": []}
    new_fits: list[int] = []
    identity = fit_identity(zoo, "ensemble")
    for _ in range(RUNS):
        root = Path(tempfile.mkdtemp(prefix="bench_fits_"))
        fits = ForecastStore(root=str(root)).fits("coffee", "ensemble", identity)
        for name, day in (("first_day_s", first), ("next_day_s", second), ("rerun_s", second)):
            before = len(list(fits.folder.glob("*.pkl"))) if fits.folder.exists() else 0
            started = time.perf_counter()
            daily_prediction_matrix(features.filter(pl.col("date") <= day), "ensemble", zoo,
                                    walk, np.datetime64(day, "D"), fits)
            timings[name].append(time.perf_counter() - started)
            if name == "next_day_s":
                new_fits.append(len(list(fits.folder.glob("*.pkl"))) - before)
        shutil.rmtree(root, ignore_errors=True)
    return {"what": f"ensemble daily forecast for {first} and {second}, research walk-forward",
            **{name: round(statistics.median(t), 2) for name, t in timings.items()},
            "fits_on_next_day": new_fits[0]}


def main() -> None:
    result: dict[str, object] = {"benchmark": "trading"}
    if os.environ.get("BENCH_DAILY_ONLY") != "1":
        result |= {"selection": selection(max(RUNS, 5)), "daily_forecast": daily_forecast()}
    if os.environ.get("BENCH_SKIP_DAILY") != "1":
        result["daily_path"] = daily_path()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
