"""Nothing the demo produces changes under a restructure: a small demo, summarised, equals the
summary committed from the code before it (``trading_platform_tests/demo_summary.py``).

The committed baseline was made by the same command on the commit before issue 15 moved any
code. A real change of behaviour (a figure, a table, a report file, a check outcome) shows up as
a differing section; regenerate the baseline only with a change that means to alter outputs,
and say so in its commit.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from trading_platform_tests.demo_summary import summarise

REPO = Path(__file__).resolve().parents[2]
BASELINE = Path(__file__).with_name("baselines") / "demo_small_2026-12-01.json"
SMALL_DEMO = ["demo", "--as-of", "2026-12-01", "--years", "5", "--model", "naive_rw",
              "--model", "xgboost", "--trading-days", "3"]


def _differences(expected: dict, actual: dict, where: str = "") -> list[str]:
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for key in sorted(set(expected) | set(actual)):
            found += _differences(expected.get(key), actual.get(key), f"{where}/{key}")
        return found
    return [] if expected == actual else [f"{where}: {expected!r} != {actual!r}"]


@pytest.mark.slow
def test_small_demo_given_this_code_summarises_to_the_committed_baseline(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "TRADING_PLATFORM_DATA_DIR": str(tmp_path), "DAGSTER_HOME": str(home)}
    demo = subprocess.run([sys.executable, "-m", "trading_platform.cli", *SMALL_DEMO], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=900, check=False)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    actual = json.loads(json.dumps(summarise(tmp_path), sort_keys=True))
    expected = json.loads(BASELINE.read_text(encoding="utf-8"))
    assert _differences(expected, actual)[:20] == []
