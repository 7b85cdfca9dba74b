"""Dagster runs as the CLI starts them: one in-process run per slice or partition, on the
instance in DAGSTER_HOME, with a one-line outcome each and one paragraph for a failure."""

from __future__ import annotations

import datetime as dt
import gc
import sys
import time
from collections.abc import Sequence
from contextlib import nullcontext

import dagster as dg

from trading_platform.cli.errors import failure_paragraph
from trading_platform.defs.partitions import PartitionSlice
from trading_platform.defs.universe import UNIVERSE
from trading_platform.domain.market.scheduling import daily_partition_keys
from trading_platform.settings import paths

_QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
_WARNINGS_ONLY = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
# Step failures are logged with their stack trace; the CLI prints one paragraph instead.
_SILENT_LOGS = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
def run_slice(part: PartitionSlice, market_config: dict, label: str,
              debug: bool = False) -> dg.ExecuteInProcessResult:
    from trading_platform.definitions import platform_definitions

    defs = platform_definitions()
    job = defs.resolve_job_def("market_history")
    run_config = {**(_QUIET_LOGS if debug else _SILENT_LOGS),
                  "ops": {"market_data": {"config": market_config}}}
    with dg.DagsterInstance.get() as instance:
        print(f"{label}: {len(part.commodities)} commodities x {part.start}..{part.end}")
        started = time.perf_counter()
        result = job.execute_in_process(
            instance=instance, tags=part.range_tags, run_config=run_config, raise_on_error=False
        )
        print(f"run {result.run_id} {'succeeded' if result.success else 'FAILED'} "
              f"in {time.perf_counter() - started:.1f} s")
    if not result.success:
        print(failure_paragraph(result, label), file=sys.stderr)
    return result


def run_daily(day: dt.date, as_of: dt.date) -> bool:
    """What the daily schedule's tick for ``day`` requests: one run per commodity that traded.

    False when a run fails or a check fails with ERROR severity (in a vendor directory, a day
    whose file has not arrived), so a scheduler running the command sees the failure."""
    from trading_platform.definitions import platform_definitions
    from trading_platform.resources.warehouse import held_open  # DuckDB: see cli.errors

    defs = platform_definitions()
    keys = daily_partition_keys(day, UNIVERSE)
    if not keys:
        print(f"{day} is not a trading day for any commodity: nothing to run")
        return True
    job = defs.resolve_job_def("daily_market")
    run_config = {**_QUIET_LOGS, "ops": {"market_data": {"config": {"as_of": as_of.isoformat()}}}}
    ok = True
    database = str(paths().warehouse)
    with dg.DagsterInstance.get() as instance:
        for key in keys:
            started = time.perf_counter()
            with held_open(database):  # a short run of many queries
                result = job.execute_in_process(instance=instance, partition_key=key,
                                                run_config=run_config, raise_on_error=False)
            failed = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed]
            print(f"{key}: {'succeeded' if result.success else 'FAILED'} in "
                  f"{time.perf_counter() - started:.1f} s"
                  + (f"; failed checks: {', '.join(failed)}" if failed else ""))
            # An ERROR-severity failure (a vendor file that has not arrived) fails the command.
            errors = [e for e in result.get_asset_check_evaluations()
                      if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
            ok = ok and result.success and not errors
    return ok


def run_partitions(job_name: str, keys: Sequence[str], run_config: dict, label: str,
                   hold_warehouse: bool = False) -> bool:
    """One run per ``commodity|model`` key, as a UI backfill of those partitions would.

    ``hold_warehouse``: keep the warehouse open around each run (``held_open``), for the
    daily path's short runs of many queries; never for research runs of minutes."""
    from trading_platform.definitions import platform_definitions
    from trading_platform.resources.warehouse import held_open  # DuckDB: see cli.errors

    defs = platform_definitions()
    job = defs.resolve_job_def(job_name)
    failed: list[str] = []
    began = time.perf_counter()
    database = str(paths().warehouse)
    with dg.DagsterInstance.get() as instance:
        for number, key in enumerate(keys, start=1):
            started = time.perf_counter()
            with held_open(database) if hold_warehouse else nullcontext():
                result = job.execute_in_process(instance=instance, partition_key=key,
                                                run_config={**_WARNINGS_ONLY, **run_config},
                                                raise_on_error=False)
            bad = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed]
            state = "ok" if result.success and not bad else (
                "FAILED" if not result.success else "warn: " + ", ".join(bad))
            print(f"[{number}/{len(keys)}] {label} {key}: {state} "
                  f"({time.perf_counter() - started:.1f} s)", flush=True)
            if not result.success:
                failed.append(key)
    print(f"{label}: {len(keys) - len(failed)} of {len(keys)} partitions built in "
          f"{time.perf_counter() - began:.0f} s" + (f"; failed: {', '.join(failed)}" if failed
                                                    else ""))
    return not failed


def print_summary(result: dg.ExecuteInProcessResult) -> None:
    checks = result.get_asset_check_evaluations()
    for evaluation in sorted(checks, key=lambda e: (e.asset_key.to_user_string(), e.check_name)):
        state = "passed" if evaluation.passed else f"FAILED ({evaluation.severity.value})"
        print(f"  check {evaluation.asset_key.to_user_string()}.{evaluation.check_name}: {state}")
    per_asset: dict[str, int] = {}
    for event in result.get_asset_materialization_events():
        key = event.asset_key.to_user_string()
        per_asset[key] = per_asset.get(key, 0) + 1
    for key, count in sorted(per_asset.items()):
        print(f"  {key}: {count} partitions materialized by this run")
    where = paths()
    print(f"warehouse: {where.warehouse}\ndagster home: {where.dagster_home}")


def tune_gc_for_batch() -> None:
    """Keep Python's cyclic GC from rescanning a ten-year backfill's heap again and again.

    A demo run creates ~31,000 partition events; the default GC thresholds rescan every object
    (imports included) many times during the run and once more at exit (1.7 s measured there).
    Freezing moves what exists now out of the collector's view; the larger first threshold
    collects less often. Cycles are still collected.
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
