"""Run the platform's CLI in a fresh process and measure it (shared by the benchmarks)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_cli(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, the process's peak RSS in MB, its output); exits naming a failed run."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "trading_platform.cli", *args], cwd=REPO,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{args} failed:\n{output[-3000:]}")
    return time.perf_counter() - started, usage.ru_maxrss / 1024, output


def bench_data_dir(prefix: str) -> tuple[Path, dict[str, str], bool]:
    """(data dir, CLI environment, whether it was given): BENCH_DATA_DIR, else a fresh temp
    dir; its Dagster home gets the repository's dagster.yaml."""
    given = os.environ.get("BENCH_DATA_DIR")
    data_dir = Path(given) if given else Path(tempfile.mkdtemp(prefix=prefix))
    home = data_dir / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "TRADING_PLATFORM_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(home)}
    return data_dir, env, bool(given)


def repeat_cli(args: list[str], env: dict[str, str],
               runs: int) -> tuple[list[float], list[float], str]:
    """``run_cli`` ``runs`` times: (walls, peak RSS in MB, the last run's output)."""
    walls, rss, output = [], [], ""
    for _ in range(runs):
        wall, peak_mb, output = run_cli(args, env)
        walls.append(wall)
        rss.append(peak_mb)
    return walls, rss, output
