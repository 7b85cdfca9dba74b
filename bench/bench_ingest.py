"""Benchmark: ingesting 20 commodities x 10 years of daily vendor files through the CLI.

Set-up (not timed): a universe YAML of 20 commodities, variants of the bundled six taken in
turn (same calendar, costs and limits; own name and scaled synthetic base price, so every
variant is its own synthetic market; only the spec fields every version of the config has are
copied, SPEC_FIELDS), with partition_start 2015-01-01: 20 x the weekdays from then through
today stays under the platform's 100,000 partitions per asset (checked here). Keys look like
``coffeev00``, ``sugarv01``, ... and each file is ``<key>.csv``, which resolves by its whole
key (aliases are not copied: two variants may not share one). Then 20 vendor CSVs
(``date,open,high,low,close,volume``, ten years of trading weekdays before AS_OF, about 2,600
rows each) from the platform's synthetic generator, written with polars; the universe is
pointed at by TRADING_PLATFORM_UNIVERSE.

Timed, in a fresh process on a fresh data directory each run (re-ingesting the same files into
the same warehouse is a no-op upsert): `ingest F1 ... F20 --as-of AS_OF`, one Dagster run of
market_data and features with every check. BENCH_RUNS runs (default 3); BENCH_KEEP=1 keeps the
temp dirs. Targets on 2 cores: median wall <= 20 s, peak RSS <= 1 GB. Prints one JSON object.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml
from cli_runs import bench_data_dir, run_cli

from trading_platform.config import load_universe
from trading_platform.domain.market.synthetic import generate_universe_market

REPO = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
KEEP = os.environ.get("BENCH_KEEP") == "1"
COMMODITIES = 20
YEARS = 10
AS_OF = dt.date(2026, 11, 21)  # fixed, so every run ingests the same rows
PARTITION_START = dt.date(2015, 1, 1)
MAX_PARTITIONS = 100_000  # trading_platform.defs.partitions.MAX_PARTITIONS_PER_ASSET
VENDOR_COLUMNS = ["date", "open", "high", "low", "close", "volume"]
TARGETS = {"median_wall_s": 20.0, "max_peak_rss_mb": 1024.0}
# The spec fields a variant copies. Optional fields added since (aliases, exchange, quote unit,
# plausible price range) are left out: an alias names one commodity only, so copies would clash.
SPEC_FIELDS = ("name", "units", "allow_negative_prices", "calendar", "harvest",
               "storage_cost_pct_per_day", "transaction_cost_pct", "spike_threshold",
               "max_price", "synthetic")


def partitions_per_asset(start: dt.date, commodities: int) -> int:
    """Commodities x weekdays from ``start`` through today, as the platform counts them."""
    today = dt.date.today() + dt.timedelta(days=1)
    return commodities * int(np.busday_count(start, today))


def variant_commodities(bundled: dict) -> dict[str, dict]:
    """``COMMODITIES`` variants of the bundled commodities taken in turn, keyed ``<base>vNN``."""
    bases = list(bundled)
    commodities = {}
    for n in range(COMMODITIES):
        base = bases[n % len(bases)]
        variant = json.loads(json.dumps({field: value for field, value in bundled[base].items()
                                         if field in SPEC_FIELDS}))
        variant["name"] = f"{bundled[base]['name']} variant {n:02d}"
        variant["synthetic"]["base_price"] = round(
            bundled[base]["synthetic"]["base_price"] * (0.8 + 0.025 * n), 4)
        commodities[f"{base}v{n:02d}"] = variant
    return commodities


def write_universe(target: Path) -> int:
    """Write the variant universe to ``target``; return its partitions per asset."""
    count = partitions_per_asset(PARTITION_START, COMMODITIES)
    if count >= MAX_PARTITIONS:
        raise SystemExit(f"{count:,} partitions per asset from {PARTITION_START}: move it later")
    bundled = yaml.safe_load((REPO / "trading_platform/config/universe.yaml").read_text())
    universe = {"partition_start": PARTITION_START.isoformat(), "demo_years": YEARS,
                "seed": bundled["seed"], "calendars": bundled["calendars"],
                "commodities": variant_commodities(bundled["commodities"])}
    target.write_text(yaml.safe_dump(universe, sort_keys=False))
    return count


def write_vendor_files(universe_path: Path, folder: Path) -> dict[Path, int]:
    """One ``<key>.csv`` per commodity: the synthetic trading days of the ``YEARS`` before
    AS_OF; returns each file's row count."""
    end = AS_OF - dt.timedelta(days=1)
    start = end.replace(year=end.year - YEARS) + dt.timedelta(days=1)
    market = generate_universe_market(load_universe(universe_path), start, end)
    rows = {}
    for (key,), frame in market.partition_by("commodity", as_dict=True,
                                             maintain_order=True).items():
        path = folder / f"{key}.csv"
        frame.select(VENDOR_COLUMNS).write_csv(path)
        rows[path] = frame.height
    return rows


def timed_run(files: list[Path], universe: Path, dirs: list[Path]) -> tuple[float, float, str]:
    """One ingest of ``files`` on a fresh data directory (appended to ``dirs``)."""
    data_dir, env, _ = bench_data_dir("bench_ingest_run_")
    dirs.append(data_dir)
    env["TRADING_PLATFORM_UNIVERSE"] = str(universe)
    return run_cli(["ingest", *map(str, files), "--as-of", AS_OF.isoformat()], env)


def run_facts(output: str) -> dict[str, object]:
    """Accepted rows, failed checks and materialized partitions, read from the CLI output."""
    lines = [line.strip() for line in output.splitlines()]
    accepted = sum(int(line.split(" accepted")[0].rsplit(", ", 1)[1])
                   for line in lines if ".csv: " in line and " accepted" in line)
    return {"accepted_rows": accepted,
            "checks": sum(line.startswith("check ") for line in lines),
            "failed_checks": [line for line in lines if line.startswith("check ")
                              and "FAILED" in line],
            "materialized": [line for line in lines if "partitions materialized" in line]}


def report(rows: dict[Path, int], partitions: int, setup_s: float, walls: list[float],
           rss: list[float], output: str) -> dict[str, object]:
    """The benchmark's JSON object."""
    figures = {"median_wall_s": round(statistics.median(walls), 2),
               "max_peak_rss_mb": round(max(rss), 1)}
    return {
        "benchmark": "ingest_files",
        "what": f"cli ingest of {len(rows)} vendor CSVs ({COMMODITIES} commodities x {YEARS} "
                "years): market_data + features + every check, one Dagster run",
        "commodities": COMMODITIES, "years": YEARS, "as_of": AS_OF.isoformat(),
        "files": len(rows), "rows_per_file": round(statistics.median(rows.values())),
        "rows_total": sum(rows.values()), "partitions_per_asset": partitions,
        "runs": len(walls), "setup_s": round(setup_s, 1), **figures,
        "wall_s": [round(w, 2) for w in walls],
        "median_peak_rss_mb": round(statistics.median(rss), 1),
        "peak_rss_mb": [round(r, 1) for r in rss],
        **run_facts(output),
        "targets": TARGETS,
        "meets": {key: figures[key] <= target for key, target in TARGETS.items()},
    }


def main() -> None:
    if os.environ.get("BENCH_DATA_DIR"):
        raise SystemExit("BENCH_DATA_DIR is not used here: every run needs a fresh directory")
    started = time.perf_counter()
    inputs = Path(tempfile.mkdtemp(prefix="bench_ingest_inputs_"))
    dirs = [inputs]
    try:
        universe = inputs / "universe_20.yaml"
        partitions = write_universe(universe)
        rows = write_vendor_files(universe, inputs)
        setup_s = time.perf_counter() - started
        walls, rss, output = [], [], ""
        for _ in range(RUNS):
            wall, peak_mb, output = timed_run(sorted(rows), universe, dirs)
            walls.append(wall)
            rss.append(peak_mb)
    finally:
        for folder in dirs:
            if KEEP:
                print(f"kept {folder}", file=sys.stderr)
            else:
                shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(report(rows, partitions, setup_s, walls, rss, output)))


if __name__ == "__main__":
    main()
