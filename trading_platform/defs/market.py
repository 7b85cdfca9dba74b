"""market_data: validated daily OHLCV per commodity and trading day, with its quality checks."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import dagster as dg
import polars as pl
from pydantic import Field

from trading_platform.defs.check_results import (
    check_results,
    per_commodity_rows,
    png_markdown,
    to_metadata,
)
from trading_platform.defs.partitions import PartitionSlice, run_slice
from trading_platform.defs.universe import MARKET_PARTITIONS, UNIVERSE
from trading_platform.domain.charts import price_chart
from trading_platform.domain.ingest import IngestError, IngestResult, ingest_file
from trading_platform.domain.market_batch import MarketBatch, build_file_batch, refusal_quarantine
from trading_platform.domain.quality import evaluate_freshness, evaluate_market_quality
from trading_platform.domain.synthetic import generate_universe_market
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
        description="Vendor CSV/Parquet files to ingest (upsert). Empty: the synthetic market.",
    )
    as_of: str | None = Field(
        default=None, description="Today's date (YYYY-MM-DD) for future-date and freshness rules."
    )

    def as_of_date(self) -> dt.date:
        return dt.date.fromisoformat(self.as_of) if self.as_of else dt.date.today()


def _ingest(files: list[str], as_of: dt.date, warehouse: Warehouse) -> list[IngestResult]:
    results = []
    for file in files:
        try:
            results.append(ingest_file(Path(file), UNIVERSE, today=as_of))
        except IngestError as error:
            warehouse.replace_quarantine([error.file], refusal_quarantine(error))
            raise dg.Failure(
                description=str(error),
                metadata={"file": error.file, "row": error.row or 0, "rule": error.rule},
            ) from error
    return results


def _load_batch(
    config: MarketDataConfig, part: PartitionSlice, warehouse: Warehouse
) -> MarketBatch:
    if not config.files:
        frame = generate_universe_market(UNIVERSE, part.start, part.end, part.commodities)
        return MarketBatch(frame=frame, stats={"generated": frame.height})
    results = _ingest(config.files, config.as_of_date(), warehouse)
    stored = warehouse.read_market(part.commodities, part.start, part.end)
    batch = build_file_batch(results, stored, part.commodities, part.start, part.end)
    warehouse.replace_quarantine([r.file for r in results], batch.quarantine)
    return batch


@dg.asset(
    partitions_def=MARKET_PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="duckdb_write",
    group_name="market",
    check_specs=MARKET_CHECK_SPECS,
    metadata={"partition_expr": {"commodity": "commodity", "date": "date"}, "schema": "market"},
)
def market_data(
    context: dg.AssetExecutionContext, config: MarketDataConfig, warehouse: Warehouse
) -> Iterator[dg.Output | dg.AssetCheckResult | dg.AssetObservation]:
    """Validated daily OHLCV bars, one row per commodity and trading day."""
    part = run_slice(context.partition_key_range, UNIVERSE.commodity_keys)
    context.log.info(f"loading {part.commodities} {part.start}..{part.end}")
    batch = _load_batch(config, part, warehouse)
    frame = batch.frame
    yield from check_results(evaluate_market_quality(frame, UNIVERSE), MARKET_KEY)
    latest = warehouse.latest_market_dates()
    for commodity, newest in frame.group_by("commodity").agg(pl.col("date").max()).iter_rows():
        latest[commodity] = max(newest, latest.get(commodity, newest))
    freshness = evaluate_freshness(latest, UNIVERSE, as_of=config.as_of_date())
    yield from check_results([replace(freshness, name="is_fresh")], MARKET_KEY)
    # Dagster copies output metadata into every partition's materialization event (15,660 of them
    # in a ten-year backfill), so the run's figures go into one observation instead.
    source = ", ".join(Path(f).name for f in config.files) or "synthetic"
    yield dg.AssetObservation(
        asset_key=MARKET_KEY,
        metadata=to_metadata(
            {
                "run_rows": frame.height,
                "run_rows_per_commodity": per_commodity_rows(frame),
                "run_date_range": f"{part.start}..{part.end}",
                "run_source": source,
                "run_flagged_rows": frame.filter(pl.col("flags") != "").height,
                **{f"run_{name}": value for name, value in batch.stats.items()},
            }
        )
        | {"close_prices": png_markdown(price_chart(frame, f"close, {source}"), "close prices")},
    )
    yield dg.Output(frame, metadata={"source": source})
