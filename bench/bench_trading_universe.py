"""Benchmark: the daily path of both books for a 50-commodity synthetic universe through Dagster.

The universe: a YAML with 50 harvested commodities, ten variants of each bundled harvested one
(same calendar, costs, harvest window and contract spec; base price scaled, so every variant is
its own synthetic market) and partitions from 2021-11-01, pointed at by
TRADING_PLATFORM_UNIVERSE.

The futures book trades all 50. Every variant keeps its contract spec, and the book's own config
is the bundled futures_book.yaml with a lower weight bound of 0.01 (TRADING_PLATFORM_FUTURES_BOOK):
the bundled 0.05 admits at most 20 positions (n x lower <= 1), so a 50-commodity book needs its
own bounds, as a desk running one would configure.

Setup (not timed): `make demo`'s command with four years of history, the random-walk model
only (the whole zoo took 262 s for six commodities in the demo, so about 35 minutes for 50)
and one paper-traded day: `demo --years 4 --model naive_rw --trading-days 1`; a run that fails
in it (a breaker trip, say) is listed in the JSON rather than stopping the bench, with the
futures research's outcome. Selection crowns a provisional
random-walk champion everywhere, whose day is read from the research store, as in
bench_trading's six-commodity figure.

Timed, in a fresh process each run: `daily --date D` = 50 market runs (market data and
features), 50 recommendation runs, 50 contract-price runs, the futures desk run and the report
run, as the schedules launch them. Issue 20's target: <= 150 s median. The JSON breaks the wall
down per stage (the seconds of each run line of the CLI, summed per label). Reruns of a day
are idempotent, so every run does the same work. BENCH_DATA_DIR reuses a directory the bench
has set up (its marker file, ``cli_runs.set_up_once``), and sets up one that it has not.

Prints one JSON object with the median of BENCH_RUNS runs (default 3).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import yaml
from cli_runs import bench_data_dir, daily_path_figures, repeat_cli, runs_not_ok, set_up_once

REPO = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
VARIANTS = 10
AS_OF = "2026-11-21"
DAY = "2026-11-20"
PARTITION_START = "2021-11-01"
MODEL = "naive_rw"
LOWER_BOUND = 0.01  # 50 x 0.01 <= 1


def write_futures_book(target: Path) -> float:
    """The bundled futures book with weight bounds that admit every commodity; its lower one."""
    book = yaml.safe_load((REPO / "trading_platform/config/futures_book.yaml").read_text())
    book["portfolio"]["lower_bound"] = LOWER_BOUND
    target.write_text(yaml.safe_dump(book, sort_keys=False))
    return LOWER_BOUND


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


def set_up(data_dir: Path, env: dict[str, str]) -> dict[str, object]:
    """`demo` for this universe, unless it has run in ``data_dir``: its seconds, failed runs
    and the futures research's line."""
    done = set_up_once(data_dir, ["demo", "--years", "4", "--as-of", AS_OF, "--model", MODEL,
                                  "--trading-days", "1"], env)
    if done is None:
        return {"setup_s": None}
    wall, output = done
    research = next((line for line in output.splitlines()
                     if line.startswith("futures matrix and trading-book champion:")), None)
    return {"setup_s": round(wall, 1),
            "setup_runs_failed": runs_not_ok([output], failed_only=True),
            "setup_futures_research": research}


def main() -> None:
    data_dir, env, given = bench_data_dir("bench_universe_")
    universe = data_dir / "universe_50.yaml"
    count = write_universe(universe)
    env["TRADING_PLATFORM_UNIVERSE"] = str(universe)
    lower = write_futures_book(data_dir / "futures_book_50.yaml")
    env["TRADING_PLATFORM_FUTURES_BOOK"] = str(data_dir / "futures_book_50.yaml")
    setup = set_up(data_dir, env)
    walls, rss, outputs = repeat_cli(["daily", "--date", DAY, "--as-of", AS_OF], env, RUNS,
                                     failed_runs_ok=True)
    if not given:
        shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps({
        "benchmark": "trading_universe",
        "what": f"daily path of both books for {DAY}: {count} market runs, {count} "
                f"recommendation runs, {count} contract-price runs, the futures desk run, "
                "1 report run",
        "commodities": count,
        "futures_book": f"{count} commodities with contract specs, weight bounds from "
                        f"{lower}",
        **setup, **daily_path_figures(walls, rss, outputs),
        "target_wall_s": 150.0}))


if __name__ == "__main__":
    main()
