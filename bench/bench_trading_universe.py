"""Benchmark: the daily path of both books for a 50-commodity synthetic universe through Dagster.

The universe: a YAML with 50 harvested commodities, ten variants of each bundled harvested one
(same calendar, costs, harvest window and contract spec; base price scaled, so every variant is
its own synthetic market) and partitions from 2021-11-01, pointed at by
TRADING_PLATFORM_UNIVERSE.

The futures book does not trade here. Every variant keeps its contract spec, so the futures
research prices all 50 commodities' contracts, builds their series and strategy backtests, but
the model x optimiser matrix refuses 50 positions: the book's weight bounds
(trading_platform/config/futures_book.yaml, lower 0.05) need n x lower <= 1, so at most 20.
No trading-book champion is chosen, and the futures desk's daily run fails for want of one
(the JSON's futures_desk gives its state and the failure). A smaller futures book inside the
50 is not possible either: when only some commodities have a contract spec, contract_prices
cannot read market_data (its commodity partition mapping needs the futures partitions to be
the universe's commodity dimension: a Dagster CheckError on every run), and `demo` runs the
futures research on every commodity key. What is timed of the futures book is therefore its
50 contract-price runs and the refused desk run, not a desk day.

Setup (not timed): `make demo`'s command with four years of history, the random-walk model
only (the whole zoo took 262 s for six commodities in the demo, so about 35 minutes for 50)
and one paper-traded day: `demo --years 4 --model naive_rw --trading-days 1`; it exits 1
because the matrix and the desk fail as above, which the setup accepts (the JSON lists the
setup's failed runs and the futures research's outcome). Selection crowns a provisional
random-walk champion everywhere, whose day is read from the research store, as in
bench_trading's six-commodity figure.

Timed, in a fresh process each run: `daily --date D` = 50 market runs (market data and
features), 50 recommendation runs, 50 contract-price runs, the futures desk run and the report
run, as the schedules launch them. Issue 20's target: <= 150 s median. The JSON breaks the wall
down per stage (the seconds of each run line of the CLI, summed per label). Reruns of a day
are idempotent, so every run does the same work. BENCH_DATA_DIR reuses a set-up directory.

Prints one JSON object with the median of BENCH_RUNS runs (default 3).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
from pathlib import Path

import yaml
from cli_runs import (
    bench_data_dir,
    futures_desk_outcome,
    recommendation_statuses,
    repeat_cli,
    run_cli,
    runs_not_ok,
    stage_breakdown,
)

REPO = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
VARIANTS = 10
AS_OF = "2026-11-21"
DAY = "2026-11-20"
PARTITION_START = "2021-11-01"
MODEL = "naive_rw"


def futures_book_limit() -> int:
    """The most positions the futures book's weight bounds admit: n x lower <= 1."""
    book = yaml.safe_load((REPO / "trading_platform/config/futures_book.yaml").read_text())
    return int(1 / float(book["portfolio"]["lower_bound"]) + 1e-9)


def futures_book_note(count: int, desk: dict[str, object]) -> str:
    """What the futures book trades here, from the desk's outcome."""
    if desk["run"] == "ok":
        return f"traded: {count} commodities with contract specs"
    limit = futures_book_limit()
    why = f"the book's weight bounds admit at most {limit} positions, so no trading-book " \
          "champion" if limit < count else "see futures_desk"
    return f"not traded: {count} commodities with contract specs; {why}"


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


def set_up(env: dict[str, str]) -> dict[str, object]:
    """`demo` for this universe: its seconds, failed runs and the futures research's line."""
    wall, _, output = run_cli(["demo", "--years", "4", "--as-of", AS_OF, "--model", MODEL,
                               "--trading-days", "1"], env, failed_runs_ok=True)
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
    setup = {"setup_s": None} if (data_dir / "reports" / DAY).exists() else set_up(env)
    walls, rss, outputs = repeat_cli(["daily", "--date", DAY, "--as-of", AS_OF], env, RUNS,
                                     failed_runs_ok=True)
    if not given:
        shutil.rmtree(data_dir, ignore_errors=True)
    desk = futures_desk_outcome(outputs[-1])
    print(json.dumps({
        "benchmark": "trading_universe",
        "what": f"daily path of both books for {DAY}: {count} market runs, {count} "
                f"recommendation runs, {count} contract-price runs, the futures desk run, "
                "1 report run",
        "commodities": count,
        "futures_book": futures_book_note(count, desk),
        "runs": RUNS, **setup,
        "median_wall_s": round(statistics.median(walls), 2),
        "wall_s": [round(w, 2) for w in walls],
        "median_peak_rss_mb": round(statistics.median(rss), 1),
        **stage_breakdown(walls, outputs),
        "recommendation_statuses": recommendation_statuses(outputs[-1]),
        "futures_desk": desk,
        "target_wall_s": 150.0}))


if __name__ == "__main__":
    main()
