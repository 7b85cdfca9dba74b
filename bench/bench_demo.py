"""Benchmark: the full demo backfill (market_data + features + checks, six commodities x ten
years) through Dagster in one process, as `make demo` runs it first (`demo --market-only`
stops there; bench_demo_full.py measures the rest). Prints one JSON object.

Each run is a fresh subprocess on an empty data directory (new warehouse, new Dagster home), so
nothing is cached between runs; wall time and peak RSS are those of that subprocess.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
AS_OF = "2026-11-21"  # fixed so every run materializes the same partitions


def run_once() -> tuple[float, float, str]:
    data_dir = Path(tempfile.mkdtemp(prefix="bench_demo_"))
    home = data_dir / "dagster_home"
    home.mkdir(parents=True)
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "TRADING_PLATFORM_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(home)}
    command = [sys.executable, "-m", "trading_platform.cli", "demo", "--as-of", AS_OF,
               "--market-only"]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    shutil.rmtree(data_dir, ignore_errors=True)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"demo run failed:\n{output}")
    return wall, usage.ru_maxrss / 1024, output


def main() -> None:
    walls, rss = [], []
    last_output = ""
    for _ in range(RUNS):
        wall, peak_mb, last_output = run_once()
        walls.append(wall)
        rss.append(peak_mb)
    partitions = [line for line in last_output.splitlines() if "partitions materialized" in line]
    print(json.dumps({
        "benchmark": "demo_backfill",
        "what": "market_data + features + checks, 6 commodities x 10 years, one process",
        "runs": RUNS,
        "median_wall_s": round(statistics.median(walls), 2),
        "wall_s": [round(w, 2) for w in walls],
        "median_peak_rss_mb": round(statistics.median(rss), 1),
        "peak_rss_mb": [round(r, 1) for r in rss],
        "materialized": [line.strip() for line in partitions],
        "target_wall_s": 20.0,
        "target_peak_rss_mb": 1024,
    }))


if __name__ == "__main__":
    main()
