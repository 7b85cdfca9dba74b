"""Benchmark: the daily trading path for a 50-commodity synthetic universe through Dagster.

Setup (not timed): a universe YAML with 50 harvested commodities, ten variants of each bundled
harvested one (same calendar, costs and harvest window; base price scaled, so every variant is
its own synthetic market) and partitions from 2021-11-01, pointed at by
TRADING_PLATFORM_UNIVERSE; then `make demo`'s command with four years of history, the
random-walk model only (the whole zoo took 262 s for six commodities in the demo, so about
35 minutes for 50) and one paper-traded day:
`demo --years 4 --model naive_rw --trading-days 1`. Selection therefore crowns a provisional
random-walk champion everywhere, whose day is read from the research store, as in
bench_trading's six-commodity figure (the refit cost of a day beyond the store is bench_trading's
daily_forecast figure).

Timed, in a fresh process each run: `daily --date D` = 50 market runs (market data and
features), 50 recommendation runs and 1 report run, as the schedules launch them. Reruns of a
day are idempotent, so every run does the same work. BENCH_DATA_DIR reuses a set-up directory.

Prints one JSON object with the median of BENCH_RUNS runs (default 3).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
from pathlib import Path

import yaml
from cli_runs import bench_data_dir, repeat_cli, run_cli

REPO = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
VARIANTS = 10
AS_OF = "2026-11-21"
DAY = "2026-11-20"
PARTITION_START = "2021-11-01"


def write_universe(target: Path) -> int:
    """The bundled universe's harvested commodities, ``VARIANTS`` of each; returns the count."""
    bundled = yaml.safe_load((REPO / "trading_platform/config/universe.yaml").read_text())
    harvested = {k: v for k, v in bundled["commodities"].items() if v.get("harvest")}
    commodities = {}
    for key, spec in harvested.items():
        for n in range(VARIANTS):
            variant = json.loads(json.dumps(spec))
            variant.pop("aliases", None)  # an alias names one commodity only: copies would clash
            variant["name"] = f"{spec['name']} variant {n:02d}"
            variant["synthetic"]["base_price"] = round(spec["synthetic"]["base_price"]
                                                       * (0.8 + 0.05 * n), 4)
            commodities[f"{key}_{n:02d}"] = variant
    # 50 commodities x 5 years is ~65,000 partitions per asset, under Dagster's 100,000 guard.
    target.write_text(yaml.safe_dump({**bundled, "partition_start": PARTITION_START,
                                      "commodities": commodities}, sort_keys=False))
    return len(commodities)


def main() -> None:
    data_dir, env, given = bench_data_dir("bench_universe_")
    universe = data_dir / "universe_50.yaml"
    count = write_universe(universe)
    env["TRADING_PLATFORM_UNIVERSE"] = str(universe)
    setup_s = None
    if not (data_dir / "reports" / DAY).exists():
        setup_s, _, _ = run_cli(["demo", "--years", "4", "--as-of", AS_OF, "--model", "naive_rw",
                                 "--trading-days", "1"], env)
    walls, rss, output = repeat_cli(["daily", "--date", DAY, "--as-of", AS_OF], env, RUNS)
    if not given:
        shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps({
        "benchmark": "trading_universe",
        "what": f"daily path for {DAY}: {count} market runs, {count} recommendation runs, "
                "1 report run",
        "commodities": count, "runs": RUNS, "setup_s": round(setup_s, 1) if setup_s else None,
        "median_wall_s": round(statistics.median(walls), 2),
        "wall_s": [round(w, 2) for w in walls],
        "median_peak_rss_mb": round(statistics.median(rss), 1),
        "recommendation_runs_ok": sum(line.startswith("[") and " ok (" in line
                                      and "recommendations" in line
                                      for line in output.splitlines()),
        "target_wall_s": 120.0}))


if __name__ == "__main__":
    main()
