"""futures_backtests: every futures signal strategy of one commodity (technical ones once, the
forecast-driven one on each model's forecasts), with its guards.

The inventory book's ``backtest_results`` is partitioned by harvested commodity x model; the
futures book also trades crude, and its technical strategies read no forecast, so its
backtests are one partition per commodity holding every (model, strategy) pair, technical
ones under the model ``none`` (docs/futures-book.md).
"""

import datetime as dt

import dagster as dg
import numpy as np
import polars as pl

from trading_platform.defs.automation import WEEKLY_STEP
from trading_platform.defs.ops.check_results import check_results, png_markdown
from trading_platform.defs.research.backtests import research_end
from trading_platform.defs.research.forecast_tracking import markdown_table
from trading_platform.defs.teams import RESEARCH_TEAM
from trading_platform.defs.universe import (
    FUTURES_BOOK,
    FUTURES_PARTITIONS,
    FUTURES_STRATEGIES,
    UNIVERSE,
    ZOO,
)
from trading_platform.domain.evidence import WARN, CheckOutcome
from trading_platform.domain.futures.backtest import Costs
from trading_platform.domain.futures.commodity_backtests import ModelForecasts, backtest_commodity
from trading_platform.domain.futures.engine import EngineConfig
from trading_platform.domain.inventory.alignment import (
    UnusableForecastsError,
    require_passed_checks,
)
from trading_platform.domain.partition_keys import commodity_model_key
from trading_platform.domain.reporting.futures_charts import strategies_chart
from trading_platform.resources.forecast_store import ForecastStore
from trading_platform.resources.reports import ReportFolder
from trading_platform.resources.tables import (
    FUTURES_DAILY,
    FUTURES_METRICS,
    FUTURES_SERIES,
    FUTURES_TRADES,
)
from trading_platform.resources.warehouse import Warehouse

FUTURES_BACKTESTS_KEY = dg.AssetKey("futures_backtests")
FUTURES_CHECK_SPECS = [
    dg.AssetCheckSpec("futures_accounting_holds", asset=FUTURES_BACKTESTS_KEY, blocking=True),
    dg.AssetCheckSpec("engine_matches_twin", asset=FUTURES_BACKTESTS_KEY, blocking=True),
    dg.AssetCheckSpec("every_model_backtested", asset=FUTURES_BACKTESTS_KEY),
]


def engine_config() -> EngineConfig:
    return EngineConfig(**FUTURES_BOOK.engine.model_dump())


def book_costs() -> Costs:
    return Costs(**FUTURES_BOOK.costs.model_dump())


def _forecasts(commodity: str, forecast_store: ForecastStore, warehouse: Warehouse
               ) -> tuple[dict[str, ModelForecasts], dict[str, str], dt.date]:
    """Every usable model's forecast stats, the models skipped (and why), and the earliest
    end of their data (the research cut: later days belong to the desk)."""
    market = warehouse.read_market([commodity], UNIVERSE.partition_start, dt.date.max)
    close_on = dict(zip(market["date"].to_list(), market["close"].to_list(), strict=True))
    usable, skipped, ends = {}, {}, []
    for model in ZOO.keys:
        key = commodity_model_key(commodity, model)
        try:
            store = forecast_store.open(commodity, model)
            require_passed_checks(store.checks, key)
        except (FileNotFoundError, UnusableForecastsError) as error:
            skipped[model] = str(error)
            continue
        days = store.dates.astype("datetime64[D]")
        front = np.array([close_on.get(day, np.nan) for day in days.astype(object)])
        usable[model] = ModelForecasts.from_paths(days, front, np.asarray(store.paths))
        ends.append(research_end(store.meta))
    return usable, skipped, min(ends, default=dt.date.max)


@dg.asset(
    partitions_def=FUTURES_PARTITIONS,
    group_name="research",
    owners=RESEARCH_TEAM,
    pool="duckdb_write",
    deps=[dg.AssetDep("futures_series"),
          dg.AssetDep("forecasts",
                      partition_mapping=dg.MultiToSingleDimensionPartitionMapping("commodity"))],
    check_specs=FUTURES_CHECK_SPECS,
    kinds={"numba", "duckdb"},
    automation_condition=WEEKLY_STEP,
)
def futures_backtests(context: dg.AssetExecutionContext, warehouse: Warehouse,
                      forecast_store: ForecastStore,
                      reports: ReportFolder) -> dg.MaterializeResult:
    """Every futures signal strategy on one commodity's continuous series over the days every
    model forecast: metrics, daily books and trades."""
    commodity = context.partition_key
    series = warehouse.read_where(FUTURES_SERIES, commodity=commodity)
    if series.is_empty():
        raise dg.Failure(f"futures_backtests {commodity}: no futures_series stored; "
                         "materialize futures_series first")
    forecasts, skipped, cut = _forecasts(commodity, forecast_store, warehouse)
    series = series.filter(pl.col("date") <= cut).sort("date")
    try:
        run = backtest_commodity(series.drop("commodity", "basis"),
                                 UNIVERSE.commodities[commodity].futures, FUTURES_STRATEGIES,
                                 forecasts, engine_config(), book_costs())
    except ValueError as error:
        raise dg.Failure(f"futures_backtests {commodity}: {error}") from error
    synthetic = pl.col("model").is_in([k for k, spec in ZOO.models.items() if spec.synthetic])
    metrics = run.metrics.with_columns(synthetic.alias("synthetic"),
                                       pl.lit(series["basis"][0]).alias("basis"))
    warehouse.replace_rows({"commodity": commodity}, {
        FUTURES_METRICS: metrics, FUTURES_DAILY: run.daily, FUTURES_TRADES: run.trades})
    chart = strategies_chart(run.daily, f"{commodity}: every futures strategy, equity (USD)")
    reports.write(f"futures/{commodity}/strategies.png", chart)
    shown = metrics.select("model", "strategy", "sharpe", "cagr", "max_drawdown", "turnover",
                           "hit_rate", "costs", "roll_costs").sort("sharpe", descending=True,
                                                                   nulls_last=True)
    coverage = CheckOutcome(
        "every_model_backtested", not skipped, WARN,
        f"the forecast strategy ran on all {len(forecasts)} models" if not skipped else
        f"{len(skipped)} models skipped: " + "; ".join(f"{m}: {why}" for m, why in
                                                        skipped.items()),
        {"observed": len(skipped), "threshold": 0, "skipped": sorted(skipped)})
    return dg.MaterializeResult(
        metadata={"window": f"{run.window[0]}..{run.window[1]}", "runs": metrics.height,
                  "basis": series["basis"][0], "models": len(forecasts),
                  "metrics": dg.MetadataValue.md(markdown_table(shown, digits=3)),
                  "equity": png_markdown(chart, f"{commodity} strategies"),
                  "folder": dg.MetadataValue.path(f"{reports.root}/futures/{commodity}")},
        check_results=list(check_results([*run.outcomes, coverage], FUTURES_BACKTESTS_KEY)))
