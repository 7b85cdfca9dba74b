"""Benchmark the complete `make demo` run: market history, features, the whole forecast zoo,
the backtests of every commodity x model and their comparison, champion selection, the futures
book (series, strategies, the model x optimiser matrix, its champion), and five
paper-traded days with their recommendations and report packs.

Runs ``python -m trading_platform.cli demo`` (what `make demo` runs after the install) in a fresh
data directory ``BENCH_RUNS`` times (default 3) and prints one JSON object: wall seconds per run,
their median, and the peak RSS of the demo process. Target: the complete demo <= 10 minutes on
2 cores. Run: ``.venv/bin/python bench/bench_demo_full.py``.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "3"))


def one_run() -> tuple[float, str]:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        (data / "dagster_home").mkdir()
        shutil.copy(REPO / "dagster.yaml", data / "dagster_home" / "dagster.yaml")
        env = {**os.environ, "TRADING_PLATFORM_DATA_DIR": str(data),
               "DAGSTER_HOME": str(data / "dagster_home")}
        began = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "trading_platform.cli", "demo"], cwd=REPO,
                              env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - began
        if done.returncode != 0:
            raise SystemExit(f"demo failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return seconds, done.stdout


def main() -> None:
    seconds, summaries = [], []
    for _ in range(RUNS):
        wall, output = one_run()
        seconds.append(wall)
        for label in ("forecasts", "backtests", "futures"):
            found = re.search(label + r": (\d+) of (\d+) partitions built in (\d+) s", output)
            summaries.append(found.group(0) if found else f"no {label} summary")
    print(json.dumps({
        "benchmark": "demo_full", "runs": RUNS, "seconds": [round(s, 1) for s in seconds],
        "median_s": round(statistics.median(seconds), 1),
        "peak_rss_mb_child": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "stage_summaries": summaries,
    }))


if __name__ == "__main__":
    main()
