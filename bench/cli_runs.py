"""Run the platform's CLI in a fresh process and measure it (shared by the benchmarks)."""

from __future__ import annotations

import os
import subprocess
import sys
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
