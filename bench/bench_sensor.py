"""Benchmark one tick of ``incoming_files_sensor`` over 1,000 already-seen vendor files.

Writes 1,000 small coffee CSVs (five rows each) into a temporary folder, runs one tick that
plans them all (not timed), then times ``RUNS`` further ticks with the returned cursor over the
unchanged folder: each lists and stats the files, compares them with the cursor, hashes and
reads none, and writes the cursor back. The tick runs through ``SensorDefinition.evaluate_tick``
on a test instance, so cursor decoding and encoding are included.
Run: ``.venv/bin/python bench/bench_sensor.py``; it prints one JSON object.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import tempfile
import time
from pathlib import Path

import dagster as dg

from trading_platform.defs.market.file_drop import build_incoming_files_sensor
from trading_platform.resources.warehouse import Warehouse

FILES = 1000
RUNS = 5
TARGET_S = 1.0
TODAY = dt.date(2026, 11, 21)


def write_files(folder: Path, count: int) -> None:
    """``count`` coffee files, each five trading days of a different week from 2004 on."""
    monday = dt.date(2004, 1, 5)
    for index in range(count):
        week = monday + dt.timedelta(weeks=index)
        rows = "".join(f"{week + dt.timedelta(days=d)},100,102,99,{101 + d},{1000 + index}\n"
                       for d in range(5))
        (folder / f"coffee_{index:04d}.csv").write_text("date,open,high,low,close,volume\n" + rows)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, dg.instance_for_test() as instance:
        folder = Path(tmp) / "incoming"
        folder.mkdir()
        write_files(folder, FILES)
        sensor = build_incoming_files_sensor(folder, settle_seconds=0, today=lambda: TODAY,
                                             max_files_per_tick=FILES)
        resources = {"warehouse": Warehouse(database=str(Path(tmp) / "warehouse.duckdb"))}
        first = sensor.evaluate_tick(dg.build_sensor_context(instance=instance,
                                                             resources=resources))
        if len(first.run_requests or []) != FILES:
            raise SystemExit(f"expected {FILES} run requests, got {len(first.run_requests or [])}")
        timings = []
        for _ in range(RUNS):
            context = dg.build_sensor_context(instance=instance, cursor=first.cursor,
                                              resources=resources)
            started = time.perf_counter()
            tick = sensor.evaluate_tick(context)
            timings.append(time.perf_counter() - started)
            if tick.run_requests:
                raise SystemExit("an unchanged folder requested runs")
    print(json.dumps({
        "benchmark": "file_drop_sensor_tick",
        "files": FILES,
        "runs": RUNS,
        "median_s": round(statistics.median(timings), 4),
        "max_s": round(max(timings), 4),
        "target_s": TARGET_S,
    }))


if __name__ == "__main__":
    main()
