"""Benchmark ``build_features`` on 100 synthetic commodities x 20 years of weekday rows.

``build_features`` looks up each commodity's harvest window in the universe, so the benchmark
builds a universe with 100 keys (``coffee_000``, ``sugar_001``, ...), each a copy of one of the
default universe's commodity specs taken in turn. Prices are geometric random walks from numpy.
Run: ``.venv/bin/python bench/bench_features.py``; it prints one JSON object.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time

import numpy as np
import polars as pl

from trading_platform.config import Universe, load_universe
from trading_platform.domain.features.build import build_features
from trading_platform.domain.market.schema import conform_market_frame

COMMODITIES = 100
YEARS = 20
RUNS = 5
TARGET_S = 2.0


def benchmark_universe(base: Universe, count: int) -> Universe:
    """Return ``base`` with ``count`` commodities, each a renamed copy of a base spec in turn."""
    keys = base.commodity_keys
    commodities = {
        f"{keys[index % len(keys)]}_{index:03d}": base.commodity(keys[index % len(keys)])
        for index in range(count)
    }
    return base.model_copy(update={"commodities": commodities})


def synthetic_market(commodity_keys: list[str], years: int, seed: int = 7) -> pl.DataFrame:
    """Return a MARKET_SCHEMA frame of random-walk bars on every weekday for ``years`` years."""
    start = dt.date(2000, 1, 3)
    dates = pl.date_range(start, start + dt.timedelta(days=365 * years), eager=True)
    dates = dates.filter(dates.dt.weekday() <= 5)
    rng = np.random.default_rng(seed)
    frames = []
    for key in commodity_keys:
        close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, dates.len())))
        spread = close * rng.uniform(0.0, 0.02, dates.len())
        frames.append(
            pl.DataFrame(
                {
                    "commodity": key,
                    "date": dates,
                    "open": close,
                    "high": close + spread,
                    "low": close - spread,
                    "close": close,
                    "volume": rng.integers(0, 10_000, dates.len()),
                    "flags": "",
                    "origin": "synthetic",
                    "source": "synthetic:bench",
                }
            )
        )
    return conform_market_frame(pl.concat(frames))


def main() -> None:
    universe = benchmark_universe(load_universe(), COMMODITIES)
    market = synthetic_market(universe.commodity_keys, YEARS).sample(fraction=1.0, shuffle=True)
    build_features(market, universe)
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        build_features(market, universe)
        timings.append(time.perf_counter() - started)
    result = {
        "benchmark": "features_domain",
        "commodities": COMMODITIES,
        "years": YEARS,
        "rows": market.height,
        "runs": RUNS,
        "median_s": round(statistics.median(timings), 4),
        "min_s": round(min(timings), 4),
        "max_s": round(max(timings), 4),
        "target_s": TARGET_S,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
