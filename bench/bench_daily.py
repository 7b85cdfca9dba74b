"""Benchmark: the daily job for one trading day, six commodities, through Dagster.

Set-up (not timed): a fresh data directory with two years of demo history, so the features of
the day read their full lookback. Timed: `python -m trading_platform.cli daily --date D
--market-only`, which runs what the market schedule requests (one run per commodity that traded on
D), in a fresh process each time. Reruns of the same day are idempotent. Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
from pathlib import Path

from cli_runs import run_cli

REPO = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
AS_OF = "2026-11-21"
DAY = "2026-11-20"  # a Friday that every default calendar trades


def main() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="bench_daily_"))
    home = data_dir / "dagster_home"
    home.mkdir(parents=True)
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "TRADING_PLATFORM_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(home)}
    run_cli(["demo", "--years", "2", "--as-of", AS_OF], env)
    walls, rss, output = [], [], ""
    for _ in range(RUNS):
        wall, peak_mb, output = run_cli(["daily", "--date", DAY, "--as-of", AS_OF,
                                      "--market-only"], env)
        walls.append(wall)
        rss.append(peak_mb)
    shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps({
        "benchmark": "daily_job",
        "what": f"daily path for {DAY}: one run per commodity (6), one process",
        "runs": RUNS,
        "median_wall_s": round(statistics.median(walls), 2),
        "wall_s": [round(w, 2) for w in walls],
        "median_peak_rss_mb": round(statistics.median(rss), 1),
        "runs_succeeded": sum("succeeded" in line for line in output.splitlines()),
        "target_wall_s": 15.0,
        "target_peak_rss_mb": 1024,
    }))


if __name__ == "__main__":
    main()
