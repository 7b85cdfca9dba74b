"""features: point-in-time features per commodity and trading day, proven free of look-ahead."""

import datetime as dt
from collections.abc import Iterator

import dagster as dg
import polars as pl

from trading_platform.defs.ops.check_results import per_commodity_rows, to_metadata
from trading_platform.defs.partitions import PartitionSlice, lookback_start, run_slice
from trading_platform.defs.teams import MARKET_TEAM
from trading_platform.defs.universe import MARKET_PARTITIONS, UNIVERSE
from trading_platform.domain.features.build import WARMUP_ROWS, build_features
from trading_platform.domain.features.checks import (
    count_nonfinite_after_warmup,
    find_lookahead,
    find_stale_features,
    lookahead_dates,
)
from trading_platform.resources.warehouse import Warehouse

FEATURES_KEY = dg.AssetKey("features")


def _match_market_data(warehouse: Warehouse, part: PartitionSlice,
                       table: pl.DataFrame) -> dg.AssetCheckResult:
    """Every stored feature row of the run's commodities (this run's rows as written) equals
    what today's market_data gives: a revised close whose later features were not recomputed
    fails it, naming the stale dates."""
    history = warehouse.read_market(part.commodities, UNIVERSE.partition_start, dt.date.max)
    others = warehouse.read_features_of(part.commodities)
    if others.height:
        others = others.filter(~pl.col("date").is_between(part.start, part.end))
    stored = pl.concat([others, table], how="diagonal_relaxed") if others.height else table
    stale = find_stale_features(history, stored, UNIVERSE)
    return dg.AssetCheckResult(
        check_name="features_match_market_data",
        passed=not stale,
        metadata=to_metadata(
            {"rows_checked": stored.height, "stale_rows": len(stale),
             "stale_dates": sorted({row["date"] for row in stale})[:50],
             "first_stale": stale[:10],
             "fix": "" if not stale else "re-materialize features over the stale dates "
             "(or ingest through `ingest` / the drop folder, which recompute them)"}),
    )


@dg.asset(
    partitions_def=MARKET_PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="duckdb_write",
    group_name="market",
    owners=MARKET_TEAM,
    kinds={"duckdb", "polars", "numba"},
    deps=[dg.AssetDep("market_data")],
    check_specs=[
        dg.AssetCheckSpec("features_have_no_lookahead", asset=FEATURES_KEY, blocking=True),
        dg.AssetCheckSpec("features_finite_after_warmup", asset=FEATURES_KEY, blocking=True),
        dg.AssetCheckSpec("features_match_market_data", asset=FEATURES_KEY, blocking=True),
    ],
    metadata={"partition_expr": {"commodity": "commodity", "date": "date"}, "schema": "market"},
)
def features(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> Iterator[dg.Output | dg.AssetCheckResult | dg.AssetObservation]:
    """Point-in-time features (returns, volatility, trend, range, season) per commodity and day."""
    part = run_slice(context.partition_key_range, UNIVERSE.commodity_keys)
    market_data = warehouse.read_market(part.commodities, lookback_start(part.start), part.end)
    in_run = pl.col("date").is_between(part.start, part.end)
    computed = build_features(market_data, UNIVERSE)
    table = computed.filter(in_run)
    before = computed.filter(pl.col("date") < part.start)["date"]
    dates = lookahead_dates(table["date"].to_list(), before.max() if before.len() else None,
                            seed=part.start.toordinal())
    mismatches = find_lookahead(market_data, computed, UNIVERSE, dates)
    yield dg.AssetCheckResult(
        check_name="features_have_no_lookahead",
        passed=not mismatches,
        metadata=to_metadata(
            {"dates_checked": len(dates), "first_dates": [d.isoformat() for d in dates[:20]],
             "mismatches": len(mismatches), "first_mismatches": mismatches[:10]}
        ),
    )
    nonfinite = count_nonfinite_after_warmup(table)
    yield dg.AssetCheckResult(
        check_name="features_finite_after_warmup",
        passed=not nonfinite,
        metadata=to_metadata(
            {"warmup_rows": WARMUP_ROWS,
             "rows_after_warmup": table.filter(~pl.col("warm_up")).height,
             "nonfinite_by_column": nonfinite}
        ),
    )
    yield _match_market_data(warehouse, part, table)
    yield dg.AssetObservation(
        asset_key=FEATURES_KEY,
        metadata=to_metadata(
            {"run_rows": table.height, "run_rows_per_commodity": per_commodity_rows(table),
             "run_history_rows_read": market_data.height,
             "run_warm_up_rows": table.filter(pl.col("warm_up")).height,
             "run_date_range": f"{part.start}..{part.end}"}
        ),
    )
    yield dg.Output(table)
