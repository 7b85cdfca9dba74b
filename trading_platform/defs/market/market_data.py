"""market_data: validated daily OHLCV per commodity and trading day, with its quality checks."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import dagster as dg
import polars as pl
from pydantic import Field

from trading_platform.defs.automation import MARKET_FRESHNESS
from trading_platform.defs.market.guards import judge_against_store
from trading_platform.defs.ops.check_results import (
    check_results,
    per_commodity_rows,
    png_markdown,
    to_metadata,
)
from trading_platform.defs.partitions import PartitionSlice, run_slice
from trading_platform.defs.research.staleness import flag_stale_research
from trading_platform.defs.teams import MARKET_TEAM
from trading_platform.defs.universe import MARKET_PARTITIONS, UNIVERSE
from trading_platform.domain.evidence import ERROR, WARN
from trading_platform.domain.market.batch import (
    GenerationRefused,
    MarketBatch,
    build_file_batch,
    refusal_quarantine,
    refuse_generation,
    source_mix_rows,
    stamp_provenance,
)
from trading_platform.domain.market.ingest import IngestError, IngestResult
from trading_platform.domain.market.quality import (
    evaluate_freshness,
    evaluate_market_quality,
)
from trading_platform.domain.market.synthetic import generate_universe_market
from trading_platform.domain.reporting.charts import price_chart
from trading_platform.resources.market_sources import ingest_file
from trading_platform.resources.warehouse import Warehouse

MARKET_KEY = dg.AssetKey("market_data")
_BLOCKING = ("schema_valid", "no_duplicate_dates", "prices_legal", "ohlc_consistent",
             "volume_valid")
_ADVISORY = ("no_spikes", "is_fresh")
MARKET_CHECK_SPECS = [
    *(dg.AssetCheckSpec(name, asset=MARKET_KEY, blocking=True) for name in _BLOCKING),
    *(dg.AssetCheckSpec(name, asset=MARKET_KEY) for name in _ADVISORY),
]


class MarketDataConfig(dg.Config):
    """Run-time knobs for loading market data."""

    files: list[str] = Field(
        default_factory=list,
        description="Vendor CSV/Parquet files to ingest (upsert). Empty: the synthetic market in "
        "a synthetic data directory; in a vendor one, the stored rows are re-checked.",
    )
    commodity: str | None = Field(
        default=None, description="The commodity every file holds (as `ingest --commodity` or "
        "the drop folder incoming/<commodity>/); default: from a commodity column or the name.",
    )
    as_of: str | None = Field(
        default=None, description="Today's date (YYYY-MM-DD) for future-date and freshness rules."
    )

    def as_of_date(self) -> dt.date:
        return dt.date.fromisoformat(self.as_of) if self.as_of else dt.date.today()


def _refuse(warehouse: Warehouse, error: IngestError,
            result: IngestResult | None = None) -> dg.Failure:
    """Record a whole-file refusal (and the file's refused rows, if it was read) in
    market.quarantine; the Failure to raise."""
    warehouse.replace_quarantine([error.file], refusal_quarantine(error, result))
    return dg.Failure(description=str(error),
                      metadata={"file": error.file, "row": error.row or 0, "rule": error.rule})


def _ingest(config: MarketDataConfig, warehouse: Warehouse) -> list[IngestResult]:
    """Read and judge every file, alone and against the stored series; any refusal fails the
    run before anything is stored."""
    results, mix = [], warehouse.source_mix()
    for file in config.files:
        path, result = Path(file), None
        try:
            result = ingest_file(path, UNIVERSE, today=config.as_of_date(),
                                 commodity=config.commodity)
            judge_against_store(result, warehouse, mix)
        except IngestError as error:
            raise _refuse(warehouse, error, result) from error
        results.append(result)
    return results


def _generate(part: PartitionSlice, warehouse: Warehouse, batch: str) -> MarketBatch:
    """The synthetic market for the slice; refused in vendor mode and over vendor rows."""
    mode = warehouse.data_mode()
    try:
        refuse_generation(part.commodities, warehouse.source_mix(), mode or "synthetic")
    except GenerationRefused as error:
        raise dg.Failure(description=str(error)) from error
    if mode is None:
        warehouse.declare_mode("synthetic", by=f"market_data run {batch}")
    frame = generate_universe_market(UNIVERSE, part.start, part.end, part.commodities)
    stored = warehouse.read_market(part.commodities, part.start, part.end)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return MarketBatch(frame=stamp_provenance(frame, stored, batch, now),
                       stats={"generated": frame.height})


def _load_batch(
    config: MarketDataConfig, part: PartitionSlice, warehouse: Warehouse, batch: str
) -> MarketBatch:
    if not config.files and warehouse.data_mode() == "vendor":
        stored = warehouse.read_market(part.commodities, part.start, part.end)
        return MarketBatch(frame=stored, stats={"generated": 0, "kept": stored.height})
    if not config.files:
        return _generate(part, warehouse, batch)
    results = _ingest(config, warehouse)
    stored = warehouse.read_market(part.commodities, part.start, part.end)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    loaded = build_file_batch(results, stored, (part.commodities, part.start, part.end), batch,
                              now)
    warehouse.replace_quarantine([r.file for r in results], loaded.quarantine)
    warehouse.record_revisions(loaded.revised, ", ".join(r.file for r in results), batch)
    if warehouse.data_mode() is None:
        warehouse.declare_mode("vendor", by=f"market_data run {batch}")
    return loaded


def _source_mix_after(warehouse: Warehouse, part: PartitionSlice,
                      frame: pl.DataFrame) -> list[dict[str, object]]:
    """Each run commodity's source mix and date range once this run's rows are stored."""
    stored = warehouse.read_market(part.commodities, UNIVERSE.partition_start, dt.date.max)
    outside = stored.filter(~pl.col("date").is_between(part.start, part.end))
    return source_mix_rows(pl.concat([outside, frame]))


@dg.asset(
    partitions_def=MARKET_PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="duckdb_write",
    group_name="market",
    owners=MARKET_TEAM,
    kinds={"duckdb", "polars"},
    check_specs=MARKET_CHECK_SPECS,
    metadata={"partition_expr": {"commodity": "commodity", "date": "date"}, "schema": "market"},
    freshness_policy=MARKET_FRESHNESS,
)
def market_data(
    context: dg.AssetExecutionContext, config: MarketDataConfig, warehouse: Warehouse
) -> Iterator[dg.Output | dg.AssetCheckResult | dg.AssetObservation]:
    """Validated daily OHLCV bars, one row per commodity and trading day."""
    part = run_slice(context.partition_key_range, UNIVERSE.commodity_keys)
    context.log.info(f"loading {part.commodities} {part.start}..{part.end}")
    if upgraded := warehouse.upgrade_tables():
        context.log.warning(f"{upgraded} market rows written before provenance existed got "
                            "its columns (origin from their source; see market.source_changes)")
    batch = _load_batch(config, part, warehouse, context.run.run_id)
    frame = batch.frame
    yield from check_results(evaluate_market_quality(frame, UNIVERSE), MARKET_KEY)
    latest = warehouse.latest_market_dates()
    for commodity, newest in frame.group_by("commodity").agg(pl.col("date").max()).iter_rows():
        latest[commodity] = max(newest, latest.get(commodity, newest))
    severity = ERROR if warehouse.data_mode() == "vendor" else WARN
    freshness = evaluate_freshness(latest, UNIVERSE, as_of=config.as_of_date(),
                                   commodities=part.commodities, severity=severity)
    yield from check_results([replace(freshness, name="is_fresh")], MARKET_KEY)
    # Dagster copies output metadata into every partition's materialization event (15,660 of them
    # in a ten-year backfill), so the run's figures go into one observation instead.
    source = ", ".join(Path(f).name for f in config.files) or (
        "synthetic" if batch.stats.get("generated") else "stored vendor rows (vendor mode)")
    yield dg.AssetObservation(
        asset_key=MARKET_KEY,
        metadata=to_metadata(
            {
                "run_rows": frame.height,
                "run_rows_per_commodity": per_commodity_rows(frame),
                "run_date_range": f"{part.start}..{part.end}",
                "run_source": source,
                "run_flagged_rows": frame.filter(pl.col("flags") != "").height,
                "source_mix": _source_mix_after(warehouse, part, frame),
                **{f"run_{name}": value for name, value in batch.stats.items()},
            }
        )
        | {"close_prices": png_markdown(price_chart(frame, f"close, {source}"), "close prices")},
    )
    if batch.revised.height:
        flagged = flag_stale_research(context.instance, batch.revised, context.run.run_id)
        context.log.warning(f"{batch.revised.height} stored closes revised: {flagged} forecasts "
                            "and backtest partitions flagged stale (*_inputs_current checks)")
    yield dg.Output(frame, metadata={"source": source})
