"""incoming_files_sensor: vendor files dropped into data/incoming/ become market_history runs.

The decision lives in ``trading_platform.resources.incoming.process_incoming``; this sensor loads
the cursor, calls it, and turns each accepted file into one run over exactly the partitions its
accepted rows cover. Run keys are ``<name>:<sha256[:16]>``: Dagster launches a run key once per
sensor, so a restart, or a lost or corrupt cursor (the sensor then logs a warning and starts
over), never ingests a file twice. The sensor records a file when it requests its run; a run that
fails is re-executed from the UI, not retried by the sensor.

``incoming_files_sensor`` reads the folder from ``settings.paths().incoming`` at each tick;
``build_incoming_files_sensor(folder=...)`` points a sensor elsewhere (tests use ``tmp_path``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from trading_platform.defs.market.guards import judge_against_store
from trading_platform.defs.ops.jobs import MARKET_HISTORY_JOB
from trading_platform.defs.partitions import PartitionSlice, extend_for_revisions
from trading_platform.defs.universe import UNIVERSE
from trading_platform.domain.market.ingest import IngestResult
from trading_platform.resources.incoming import (
    REJECTED_DIR,
    FilePlan,
    Fingerprint,
    Judge,
    Record,
    Tick,
    dump_cursor,
    load_cursor,
    process_incoming,
)
from trading_platform.resources.warehouse import Warehouse
from trading_platform.settings import paths

FILE_TAG = "trading_platform/file"
SENSOR_NAME = "incoming_files_sensor"
# An upload still being written under its final name keeps moving its mtime; a file is taken
# once it has been quiet this long (the next tick, 30 s later, picks it up at the latest).
DEFAULT_SETTLE_SECONDS = 10.0
# Files planned (each ingested in full) per tick: a first drop of thousands of files is spread
# over several ticks instead of outlasting the sensor's 60 s evaluation timeout.
DEFAULT_MAX_FILES_PER_TICK = 100


def file_run_request(plan: FilePlan, today: dt.date,
                     latest: Mapping[str, dt.date] | None = None) -> dg.RunRequest:
    """One market_history run that ingests the file of ``plan`` into the slice it covers,
    extended over the later stored days whose features it feeds (``latest``: the latest stored
    date per commodity)."""
    if plan.start is None or plan.end is None:
        raise ValueError(f"{plan.name} is rejected ({plan.rule}); it has no run")
    part = extend_for_revisions(PartitionSlice(plan.commodities, plan.start, plan.end),
                                latest or {})
    config: dict[str, object] = {"files": [str(plan.path)], "as_of": today.isoformat()}
    if plan.commodity is not None:
        config["commodity"] = plan.commodity
    return dg.RunRequest(
        run_key=plan.run_key,
        run_config={"ops": {"market_data": {"config": config}}},
        tags=part.range_tags | {FILE_TAG: plan.name},
    )


def _load(context: dg.SensorEvaluationContext) -> dict[str, Fingerprint]:
    try:
        return load_cursor(context.cursor)
    except ValueError as error:
        context.log.warning(f"{error}. Starting over: Dagster skips run keys it already "
                            "launched, so no file is ingested twice")
        return {}


def _skip_message(folder: Path, tick: Tick) -> str:
    return (f"no new or changed vendor files in {folder}: {tick.unchanged} already handled, "
            f"{len(tick.rejected)} rejected into {REJECTED_DIR}/ this tick, "
            f"{len(tick.waiting)} waiting (data files end in .csv .tsv .txt .parquet .pq, "
            "optionally .gz or in a .zip)")


# A sensor tick must finish within Dagster's 60 s: it waits this long for the warehouse lock,
# then lets a file wait for the next tick.
SENSOR_LOCK_WAIT_S = 10.0


def _store_guards(warehouse: Warehouse) -> tuple[Judge, Record]:
    """The judge (stored-series guards) and the quarantine recorder, for one tick."""
    quick = Warehouse(database=warehouse.database, lock_wait_s=SENSOR_LOCK_WAIT_S)

    def judge(result: IngestResult) -> None:
        try:
            judge_against_store(result, quick)
        except duckdb.Error as error:  # busy: the file waits (OSError) for the next tick
            raise OSError(f"warehouse busy ({error})") from error

    def record(rows: pl.DataFrame) -> bool:
        try:
            quick.replace_quarantine(rows["file"].unique().to_list(), rows)
        except duckdb.Error:
            return False
        return True

    return judge, record


def _latest_or_wait(context: dg.SensorEvaluationContext, warehouse: Warehouse,
                    tick: Tick) -> dict[str, dt.date]:
    """The latest stored date per commodity, which a run's extension needs; when the warehouse
    stays busy, the accepted files wait for the next tick instead (left out of the cursor)."""
    if not tick.accepted:
        return {}
    try:
        return Warehouse(database=warehouse.database,
                         lock_wait_s=SENSOR_LOCK_WAIT_S).latest_market_dates()
    except duckdb.Error as error:
        for plan in tick.accepted:
            tick.cursor.pop(plan.name, None)
            tick.waiting[plan.name] = f"warehouse busy ({error}); planned again next tick"
            context.log.info(f"{plan.name} waits: warehouse busy")
        tick.accepted.clear()
        return {}


def build_incoming_files_sensor(
    folder: Path | None = None,
    *,
    name: str = SENSOR_NAME,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    max_files_per_tick: int = DEFAULT_MAX_FILES_PER_TICK,
    today: Callable[[], dt.date] = dt.date.today,
) -> dg.SensorDefinition:
    """A file-drop sensor on ``folder`` (None: ``paths().incoming``, read at each tick)."""

    @dg.sensor(job_name=MARKET_HISTORY_JOB, name=name, minimum_interval_seconds=30,
               default_status=dg.DefaultSensorStatus.RUNNING,
               description="Ingests new or changed vendor files dropped into data/incoming/.")
    def _sensor(context: dg.SensorEvaluationContext,
                warehouse: Warehouse) -> dg.SensorResult | dg.SkipReason:
        incoming = folder or paths().incoming
        incoming.mkdir(parents=True, exist_ok=True)
        day = today()
        judge, record = _store_guards(warehouse)
        tick = process_incoming(incoming, _load(context), UNIVERSE, day,
                                settle_ns=int(settle_seconds * 1e9), max_files=max_files_per_tick,
                                judge=judge, record=record)
        for file_name, what in tick.rejected.items():
            context.log.warning(f"{file_name} rejected ({what})")
        for file_name, why in tick.waiting.items():
            context.log.info(f"{file_name} waits: {why}")
        latest = _latest_or_wait(context, warehouse, tick)
        for plan in tick.accepted:
            context.log.info(f"requesting run {plan.run_key}: {plan.reason}")
        cursor = dump_cursor(tick.cursor)
        if tick.accepted:
            requests = [file_run_request(plan, day, latest) for plan in tick.accepted]
            return dg.SensorResult(run_requests=requests, cursor=cursor)
        message = _skip_message(incoming, tick)
        if cursor == (context.cursor or dump_cursor({})):
            return dg.SkipReason(message)
        return dg.SensorResult(skip_reason=message, cursor=cursor)

    return _sensor


incoming_files_sensor = build_incoming_files_sensor()
