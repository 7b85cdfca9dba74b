"""The daily-path benchmarks set up a given data dir once, and never measure an empty one."""

import importlib.util
import os
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _cli_runs():
    spec = importlib.util.spec_from_file_location("cli_runs", BENCH / "cli_runs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_set_up_once_given_empty_dir_runs_the_command_then_never_again(tmp_path):
    cli_runs = _cli_runs()
    env = {**os.environ, "TRADING_PLATFORM_DATA_DIR": str(tmp_path)}
    # an empty dir (what a mistyped or fresh BENCH_DATA_DIR is) is set up, not measured
    first = cli_runs.set_up_once(tmp_path, ["--help"], env)
    assert first is not None and "daily" in first[1]
    assert (tmp_path / cli_runs.SET_UP_MARKER).read_text().strip() == "--help"
    # a finished set-up is kept: the timed runs reuse it
    assert cli_runs.set_up_once(tmp_path, ["--help"], env) is None
