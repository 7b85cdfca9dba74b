"""contract_prices: closes per contract; futures_series: the held contract, its raw close and
the back-adjusted close, with rolls, per commodity."""

import datetime as dt
from pathlib import Path

import dagster as dg
import polars as pl
from pydantic import Field

from trading_platform.defs.automation import WEEKLY_STEP
from trading_platform.defs.ops.check_results import check_results, png_markdown
from trading_platform.defs.teams import MARKET_TEAM
from trading_platform.defs.universe import FUTURES_PARTITIONS, UNIVERSE
from trading_platform.domain.evidence import ERROR, CheckOutcome
from trading_platform.domain.futures.continuous import series_from_contracts
from trading_platform.domain.futures.contract_data import (
    ContractDataError,
    check_contract_prices,
    front_month_series,
    merge_contract_prices,
    quarantine_rows,
)
from trading_platform.domain.futures.synthetic_curves import synthetic_contract_prices
from trading_platform.domain.market.schema import QUARANTINE_SCHEMA
from trading_platform.domain.reporting.futures_charts import continuous_chart
from trading_platform.resources.market_sources import read_contract_file
from trading_platform.resources.tables import CONTRACT_PRICES, FUTURES_SERIES
from trading_platform.resources.warehouse import Warehouse

CONTRACTS_KEY = dg.AssetKey("contract_prices")
SERIES_KEY = dg.AssetKey("futures_series")
ALL_DATES_OF_COMMODITY = dg.MultiToSingleDimensionPartitionMapping("commodity")


class ContractPricesConfig(dg.Config):
    """Run-time knobs for per-contract prices."""

    files: list[str] = Field(
        default_factory=list,
        description="Per-contract CSV/Parquet files of this commodity (columns date, contract, "
        "close), added to its stored rows (vendor data directory only). Empty: the synthetic "
        "curves in a synthetic data directory; the stored rows in a vendor one.",
    )


def _from_files(config: ContractPricesConfig, commodity: str,
                warehouse: Warehouse) -> pl.DataFrame:
    spec = UNIVERSE.commodities[commodity]
    stored = warehouse.read_where(CONTRACT_PRICES, commodity=commodity)
    for file in config.files:
        raw, sha256 = read_contract_file(file)
        try:
            rows = check_contract_prices(raw, spec.futures, commodity, Path(file).name,
                                         spec.allow_negative_prices, stored)
        except ContractDataError as error:
            warehouse.replace_quarantine([error.file], pl.DataFrame(
                quarantine_rows(error, sha256, raw), schema=QUARANTINE_SCHEMA))
            raise dg.Failure(description=str(error), metadata={
                "file": error.file, "row": error.refusals[0].row or 0,
                "rule": error.refusals[0].rule}) from error
        stored = merge_contract_prices(stored, rows)
    return stored


@dg.asset(
    partitions_def=FUTURES_PARTITIONS,
    group_name="market",
    owners=MARKET_TEAM,
    pool="duckdb_write",
    deps=[dg.AssetDep("market_data", partition_mapping=ALL_DATES_OF_COMMODITY)],
    check_specs=[dg.AssetCheckSpec("contracts_listed_and_on_tick", asset=CONTRACTS_KEY,
                                   blocking=True)],
    kinds={"duckdb", "polars"},
    automation_condition=WEEKLY_STEP,
)
def contract_prices(context: dg.AssetExecutionContext, config: ContractPricesConfig,
                    warehouse: Warehouse) -> dg.MaterializeResult:
    """Daily closes of every listed contract of one commodity, with their source."""
    commodity = context.partition_key
    spec = UNIVERSE.commodities[commodity]
    mode = warehouse.data_mode()
    if config.files and mode != "vendor":
        raise dg.Failure(f"contract_prices {commodity}: contract files need a vendor data "
                         f"directory (this one is {mode or 'empty'}); real and synthetic prices "
                         "never mix")
    if mode == "vendor":
        rows = _from_files(config, commodity, warehouse)
        source = ", ".join(Path(f).name for f in config.files) or "stored vendor rows"
    else:
        market = warehouse.read_market([commodity], UNIVERSE.partition_start, dt.date.max)
        if market.is_empty():
            raise dg.Failure(f"contract_prices {commodity}: no market_data stored yet; "
                             "materialize market_data first")
        rows = synthetic_contract_prices(market.select("date", "close"), spec.futures,
                                         UNIVERSE.exchange_calendar_for(commodity),
                                         spec.synthetic.base_price, UNIVERSE.seed, commodity)
        source = "synthetic curves from market_data"
    warehouse.replace_rows({"commodity": commodity}, {CONTRACT_PRICES: rows.drop("commodity")})
    return dg.MaterializeResult(
        metadata={"rows": rows.height, "contracts": rows["contract"].n_unique(),
                  "source": source,
                  "date_range": f"{rows['date'].min()}..{rows['date'].max()}" if rows.height
                  else "none: no contract files (the series is front-month only)"},
        check_results=list(check_results([_recheck(rows, commodity)], CONTRACTS_KEY)))


def _recheck(rows: pl.DataFrame, commodity: str) -> CheckOutcome:
    """The stored rows pass the file rules again (contract listed, on the tick, legal, unique)."""
    spec = UNIVERSE.commodities[commodity]
    try:
        check_contract_prices(rows.select("date", "contract", "close"), spec.futures, commodity,
                              CONTRACT_PRICES, spec.allow_negative_prices)
    except ContractDataError as error:
        return CheckOutcome("contracts_listed_and_on_tick", False, ERROR, str(error),
                            {"observed": len(error.refusals), "threshold": 0})
    return CheckOutcome("contracts_listed_and_on_tick", True, ERROR,
                        f"{rows.height} stored rows: listed contracts, closes on the "
                        f"{spec.futures.tick_size} tick, one per date and contract",
                        {"observed": 0, "threshold": 0})


def stored_contract_history(warehouse: Warehouse, commodity: str
                            ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the stored contract prices of ``commodity``, its market closes when it has none: the
    front-month fallback), read once for any number of days."""
    prices = warehouse.read_where(CONTRACT_PRICES, commodity=commodity)
    front = warehouse.read_market([commodity], UNIVERSE.partition_start, dt.date.max) \
        if prices.is_empty() else pl.DataFrame()
    return prices, front


def continuous_from(prices: pl.DataFrame, front: pl.DataFrame, commodity: str,
                    day: dt.date) -> tuple[pl.DataFrame, str]:
    """(the continuous series built from the rows up to ``day``, its basis): as it was known
    that day (back-adjustment reads every later roll, so a series cut after the fact is not
    the one known then). Without contract prices the front-month closes are used as given.
    ValueError names what to materialize when nothing is there up to ``day``."""
    if prices.is_empty():
        front = front.filter(pl.col("date") <= day) if front.height else front
        if front.is_empty():
            raise ValueError("neither contract prices nor market_data stored; materialize "
                             "market_data (and contract_prices where per-contract files "
                             "exist) first")
        return front_month_series(front.select("date", "close")), "front_month_only"
    prices = prices.filter(pl.col("date") <= day)
    if prices.is_empty():
        raise ValueError(f"no contract prices stored up to {day}")
    spec = UNIVERSE.commodities[commodity]
    series = series_from_contracts(prices.select("date", "contract", "close"), spec.futures,
                                   UNIVERSE.exchange_calendar_for(commodity), commodity)
    return series, "contracts"


@dg.asset(
    partitions_def=FUTURES_PARTITIONS,
    group_name="market",
    owners=MARKET_TEAM,
    pool="duckdb_write",
    deps=[dg.AssetDep("contract_prices"),
          dg.AssetDep("market_data", partition_mapping=ALL_DATES_OF_COMMODITY)],
    kinds={"duckdb", "polars"},
    automation_condition=WEEKLY_STEP,
)
def futures_series(context: dg.AssetExecutionContext,
                   warehouse: Warehouse) -> dg.MaterializeResult:
    """One commodity's continuous futures series: the held contract and its raw close for
    execution, the back-adjusted close for signals, and every roll."""
    commodity = context.partition_key
    try:
        series, basis = continuous_from(*stored_contract_history(warehouse, commodity),
                                        commodity, dt.date.max)
    except ValueError as error:
        raise dg.Failure(f"futures_series {commodity}: {error}") from error
    if basis == "front_month_only":
        context.log.warning(f"{commodity}: no per-contract prices, the front-month series is "
                            "used as given (its roll gaps are price moves; flagged)")
    series = series.with_columns(pl.lit(basis).alias("basis"))
    warehouse.replace_rows({"commodity": commodity}, {FUTURES_SERIES: series})
    chart = continuous_chart(series, f"{commodity}: held contract close and back-adjusted close")
    return dg.MaterializeResult(metadata={
        "rows": series.height, "rolls": int(series["roll"].sum()), "basis": basis,
        "date_range": f"{series['date'].min()}..{series['date'].max()}",
        "contracts_held": series["contract"].n_unique(),
        "chart": png_markdown(chart, f"{commodity} continuous series"),
    })
