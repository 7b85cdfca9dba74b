"""Benchmark the walk-forward on synthetic coffee: 12 years of data, 5 years out of sample.

Features come from ``build_features``; monthly refits (21 rows) and 500 paths, the zoo's params.
Run: ``.venv/bin/python bench/bench_forecast.py [MODEL ...]`` (default: the three tree models);
prints one JSON object per model. Targets on 2 cores: a tree model median <= 15 s, the Optuna
tuned model (``xgboost_tuned``) <= 90 s, peak RSS <= 2 GB, <= 40 MB stored per matrix set.
``BENCH_RUNS`` sets the runs per model (default 3).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from trading_platform.config import load_universe
from trading_platform.config.models import load_model_zoo
from trading_platform.domain.features.build import build_features
from trading_platform.domain.forecasting.build import model_factory
from trading_platform.domain.forecasting.protocol import WalkForwardConfig
from trading_platform.domain.forecasting.targets import feature_matrix
from trading_platform.domain.forecasting.walk_forward import walk_forward
from trading_platform.domain.market.synthetic import generate_universe_market
from trading_platform.resources.forecast_files import write_matrices

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
TREE_MODELS = ("xgboost", "lightgbm", "random_forest")


def main() -> None:
    universe = load_universe()
    market = generate_universe_market(universe, dt.date(2012, 1, 2), dt.date(2023, 12, 29),
                                      ["coffee"])
    features = build_features(market, universe)
    dates, X = feature_matrix(features)
    close = features.filter(~features["warm_up"]).sort("date")["close"].to_numpy()
    zoo = load_model_zoo()
    config = WalkForwardConfig(refit_every=21, oos_years=5.0, n_paths=500)
    for model in sys.argv[1:] or TREE_MODELS:
        seconds = []
        for _ in range(RUNS):
            began = time.perf_counter()
            result = walk_forward(dates, X, close, model_factory(zoo.models[model], zoo), config)
            seconds.append(time.perf_counter() - began)
        with tempfile.TemporaryDirectory() as folder:
            write_matrices(folder, result.dates, result.paths, result.fit_start, result.fit_end, {})
            stored = sum(f.stat().st_size for f in Path(folder).iterdir())
        print(json.dumps({
            "benchmark": "walk_forward", "model": model, "oos_days": int(result.dates.shape[0]),
            "refits": int(result.schedule.shape[0]), "n_paths": config.n_paths, "runs": RUNS,
            "seconds": [round(s, 2) for s in seconds],
            "median_s": round(statistics.median(seconds), 3),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "stored_mb": round(stored / 1e6, 1),
        }), flush=True)


if __name__ == "__main__":
    main()
