"""Benchmark the walk-forward on synthetic coffee: 12 years, xgboost, 5 years out of sample.

Features come from ``build_features``; monthly refits (21 rows) and 500 paths. The model uses
the zoo's xgboost params. Run: ``.venv/bin/python bench/bench_forecast.py``; prints one JSON
object. Target: median <= 15 s on 2 cores.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import statistics
import time

from trading_platform.config import load_universe
from trading_platform.config.models import load_model_zoo
from trading_platform.domain.features import build_features
from trading_platform.domain.forecasting.models import build_model
from trading_platform.domain.forecasting.protocol import WalkForwardConfig
from trading_platform.domain.forecasting.targets import feature_matrix
from trading_platform.domain.forecasting.walk_forward import walk_forward
from trading_platform.domain.synthetic import generate_universe_market

RUNS = 3
MODEL = "xgboost"


def main() -> None:
    universe = load_universe()
    market = generate_universe_market(universe, dt.date(2012, 1, 2), dt.date(2023, 12, 29),
                                      ["coffee"])
    features = build_features(market, universe)
    dates, X = feature_matrix(features)
    close = features.filter(~features["warm_up"]).sort("date")["close"].to_numpy()
    zoo = load_model_zoo()
    config = WalkForwardConfig(refit_every=21, oos_years=5.0, n_paths=500)
    seconds = []
    for _ in range(RUNS):
        began = time.perf_counter()
        result = walk_forward(dates, X, close, lambda: build_model(zoo.models[MODEL], zoo), config)
        seconds.append(time.perf_counter() - began)
    print(json.dumps({
        "benchmark": "walk_forward", "model": MODEL, "oos_days": int(result.dates.shape[0]),
        "refits": int(result.schedule.shape[0]), "n_paths": config.n_paths, "runs": RUNS,
        "median_s": round(statistics.median(seconds), 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "matrix_mb_float32": round(result.paths.nbytes / 2**20, 1),
    }))


if __name__ == "__main__":
    main()
