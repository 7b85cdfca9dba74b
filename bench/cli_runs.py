"""Run the platform's CLI in a fresh process and measure it (shared by the benchmarks)."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_cli(args: list[str], env: dict[str, str],
            failed_runs_ok: bool = False) -> tuple[float, float, str]:
    """(wall seconds, the process's peak RSS in MB, its output); exits naming a failed command.

    With ``failed_runs_ok``, a command that ran to its end and exited 1 because runs it
    reported FAILED is measured instead (a breaker's HALTED day fails its run by design, and
    stays halted until a manual reset); a crash (a Python traceback) still exits."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "trading_platform.cli", *args], cwd=REPO,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    reported = failed_runs_ok and "Traceback (most recent call last)" not in output and any(
        state == "FAILED" for _, _, state, _ in run_lines(output))
    if os.waitstatus_to_exitcode(status) != 0 and not reported:
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


SET_UP_MARKER = ".bench_set_up"  # written in a data dir once its set-up command has run


def set_up_once(data_dir: Path, args: list[str], env: dict[str, str]) -> tuple[float, str] | None:
    """Run the set-up command ``args`` unless ``data_dir`` holds the marker of a finished one:
    a given BENCH_DATA_DIR that is empty or half built is set up, never measured as it is.
    (seconds, output) of the set-up, or None when the marker was there."""
    marker = data_dir / SET_UP_MARKER
    if marker.exists():
        return None
    wall, _, output = run_cli(args, env, failed_runs_ok=True)
    marker.write_text(" ".join(args) + "\n")
    return wall, output


def repeat_cli(args: list[str], env: dict[str, str], runs: int,
               failed_runs_ok: bool = False) -> tuple[list[float], list[float], list[str]]:
    """``run_cli`` ``runs`` times: (walls, peak RSS in MB, each run's output)."""
    walls, rss, outputs = [], [], []
    for _ in range(runs):
        wall, peak_mb, output = run_cli(args, env, failed_runs_ok)
        walls.append(wall)
        rss.append(peak_mb)
        outputs.append(output)
    return walls, rss, outputs


# `cli daily` reports each Dagster run on one line: a market run as "<key>: succeeded in 0.8 s"
# (with "; failed checks: ..." after it), any other as "[i/n] <label> <key>: <ok|FAILED|warn:
# checks> (0.8 s)", where a label may end with the day ("contract prices 2026-11-20"). The
# label is matched lazily because a warn state holds a colon of its own.
_MARKET_RUN = re.compile(r"^(?P<key>\S+): (?P<state>succeeded|FAILED) in (?P<seconds>[\d.]+) s"
                         r"(?:; failed checks: (?P<checks>.+))?$")
_RUN = re.compile(r"^\[\d+/\d+\] (?P<label>.+?) (?P<key>\S+): (?P<state>.+) "
                  r"\((?P<seconds>[\d.]+) s\)$")
_DAY_SUFFIX = re.compile(r" \d{4}-\d{2}-\d{2}$")


def run_lines(output: str) -> list[tuple[str, str, str, float]]:
    """(stage, key, state, seconds) of every run line: stage "market" for the market runs,
    else the run's label without its day ("recommendations", "contract prices", ...)."""
    found = []
    for line in output.splitlines():
        if run := _RUN.match(line):
            stage, state = _DAY_SUFFIX.sub("", run["label"]), run["state"]
        elif run := _MARKET_RUN.match(line):
            stage, state = "market", run["state"]
            if state == "succeeded":
                state = f"warn: {run['checks']}" if run["checks"] else "ok"
        else:
            continue
        found.append((stage, run["key"], state, float(run["seconds"])))
    return found


def runs_not_ok(outputs: list[str], failed_only: bool = False) -> list[str]:
    """Every run line of ``outputs`` whose state is not ok (only FAILED with ``failed_only``;
    else warnings too), as "<stage> <key>: <state>"."""
    return sorted({f"{stage} {key}: {state}" for output in outputs
                   for stage, key, state, _ in run_lines(output)
                   if state == "FAILED" or (state != "ok" and not failed_only)})


def stage_breakdown(walls: list[float], outputs: list[str]) -> dict[str, object]:
    """Per stage, the median over runs of its runs' summed seconds, and its run count;
    ``unattributed_s`` is the median of what the wall holds besides the runs (imports, the
    definitions, the instance, the terminal tables)."""
    per_run = []
    for output in outputs:
        seconds: dict[str, float] = {}
        for stage, _, _, took in run_lines(output):
            seconds[stage] = seconds.get(stage, 0.0) + took
        per_run.append(seconds)
    stages = list(dict.fromkeys(stage for seconds in per_run for stage in seconds))
    return {
        "stage_s": {stage: round(statistics.median(s.get(stage, 0.0) for s in per_run), 2)
                    for stage in stages},
        "stage_runs": {stage: sum(line[0] == stage for line in run_lines(outputs[-1]))
                       for stage in stages},
        "runs_not_ok": runs_not_ok(outputs),
        "unattributed_s": round(statistics.median(
            wall - sum(s.values()) for wall, s in zip(walls, per_run, strict=True)), 2),
    }


def _after_last(lines: list[str], heading: str) -> int:
    """The index after the last line starting with ``heading`` (the end without one)."""
    return max((i + 1 for i, line in enumerate(lines) if line.startswith(heading)),
               default=len(lines))


def step_failure(output: str, job: str) -> str | None:
    """The error of the last failed step of ``job``'s runs: the line after Dagster's
    STEP_FAILURE log line (such as "...Failure: futures desk 2026-11-20: no trading-book
    champion ...")."""
    lines = output.splitlines()
    found = None
    for i, line in enumerate(lines):
        if f" - {job} - " in line and "STEP_FAILURE" in line:
            found = next((after for after in lines[i + 1:] if after.strip()), None)
    return found


def futures_desk_outcome(output: str) -> dict[str, object]:
    """The futures desk's last run state (and its step's error when it failed) and the day it
    printed under "futures book on <day>:" (its summary line, the order and dropped counts, a
    halt, each order line)."""
    states = [state for stage, _, state, _ in run_lines(output) if stage == "futures desk"]
    lines = output.splitlines()
    start = _after_last(lines, "futures book on ")
    block = []
    for line in lines[start:]:
        if line.startswith("report: "):
            break
        block.append(line)
    summary = block[0] if block else ""
    counts = {name: int(found[1]) if (found := re.search(pattern, summary)) else None
              for name, pattern in (("orders", r"(\d+) order\(s\)"),
                                    ("dropped", r"(\d+) dropped"))}
    run = states[-1] if states else "not run"
    return {"run": run, "failure": step_failure(output, "daily_futures") if run == "FAILED"
            else None, "status": summary.split(" ", 1)[0],
            "summary": summary, **counts,
            "halted": next((line[len("HALTED: "):] for line in block
                            if line.startswith("HALTED: ")), None),
            "order_lines": [" ".join(line.split()) for line in block if line.startswith("  ")]}


def recommendation_statuses(output: str) -> dict[str, int]:
    """How many of the inventory desk's recommendations the CLI printed last under
    "recommendations for <day>:" (a header line, then one row each) have each status
    (ACTIONABLE, BLOCKED, HALTED)."""
    lines = output.splitlines()
    counts: dict[str, int] = {}
    for line in lines[_after_last(lines, "recommendations for ") + 1:]:
        if not line.strip():
            break
        status = line.split()[1]
        counts[status] = counts.get(status, 0) + 1
    return counts


def daily_path_figures(walls: list[float], rss: list[float],
                       outputs: list[str]) -> dict[str, object]:
    """What both daily-path benchmarks print of their timed runs: the median wall and peak
    RSS, every run's wall, the per-stage breakdown and both books' outcome on the last run."""
    return {"runs": len(walls), "median_wall_s": round(statistics.median(walls), 2),
            "wall_s": [round(w, 2) for w in walls],
            "median_peak_rss_mb": round(statistics.median(rss), 1),
            **stage_breakdown(walls, outputs),
            "recommendation_statuses": recommendation_statuses(outputs[-1]),
            "futures_desk": futures_desk_outcome(outputs[-1])}
