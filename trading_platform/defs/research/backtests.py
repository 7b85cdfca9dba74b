"""backtest_results: every inventory strategy on one model's forecasts, with its checks;
backtest_comparison: all commodities x models side by side."""

import datetime as dt
import time

import dagster as dg

from trading_platform.defs.automation import WEEKLY_STEP
from trading_platform.defs.ops.check_results import check_results
from trading_platform.defs.research.backtest_reports import (
    comparison_outputs,
    partition_charts,
    partition_metadata,
)
from trading_platform.defs.research.forecasts import FEATURES_TO_FORECASTS
from trading_platform.defs.research.staleness import (
    BACKTESTS_CURRENT,
    inputs_current_result,
    inputs_current_spec,
)
from trading_platform.defs.teams import RESEARCH_TEAM
from trading_platform.defs.universe import BACKTEST_PARTITIONS, UNIVERSE, ZOO
from trading_platform.domain.inventory.alignment import UnusableForecastsError
from trading_platform.domain.inventory.backtest import BookSetup
from trading_platform.domain.inventory.comparison import (
    comparison_tables,
    headline_by_kind,
    missing_partitions,
)
from trading_platform.domain.inventory.model_backtest import backtest_model
from trading_platform.domain.partition_keys import commodity_model_key
from trading_platform.resources.experiments import ResearchFolder
from trading_platform.resources.forecast_store import ForecastStore
from trading_platform.resources.reports import ReportFolder
from trading_platform.resources.tables import BACKTEST_METRICS, BACKTEST_SUMMARY, BACKTEST_TABLES
from trading_platform.resources.warehouse import Warehouse

BACKTEST_KEY = dg.AssetKey("backtest_results")
BACKTEST_CHECK_SPECS = [
    dg.AssetCheckSpec("inventory_accounting_holds", asset=BACKTEST_KEY, blocking=True),
    dg.AssetCheckSpec("every_strategy_has_finite_metrics", asset=BACKTEST_KEY, blocking=True),
    dg.AssetCheckSpec("kernel_matches_reference", asset=BACKTEST_KEY, blocking=True),
    inputs_current_spec(BACKTESTS_CURRENT),
]
# The same (commodity, model) of forecasts; market data of the commodity over all dates.
SAME_COMMODITY_AND_MODEL = dg.MultiPartitionMapping({
    "commodity": dg.DimensionPartitionMapping("commodity", dg.IdentityPartitionMapping()),
    "model": dg.DimensionPartitionMapping("model", dg.IdentityPartitionMapping()),
})


def _nominal_accuracies() -> dict[str, float | None]:
    return {key: float(spec.params["accuracy"]) if spec.synthetic else None
            for key, spec in ZOO.models.items()}


def research_end(meta: dict) -> dt.date:
    """The last date of the data a forecast store was built on (its ``data_range`` end);
    ``date.max`` for a store that did not record one."""
    data_range = str(meta.get("metadata", {}).get("data_range", ""))
    return dt.date.fromisoformat(data_range.split("..")[-1]) if ".." in data_range \
        else dt.date.max


@dg.asset(
    partitions_def=BACKTEST_PARTITIONS,
    group_name="research",
    owners=RESEARCH_TEAM,
    pool="duckdb_write",
    deps=[dg.AssetDep("forecasts", partition_mapping=SAME_COMMODITY_AND_MODEL),
          dg.AssetDep("market_data", partition_mapping=FEATURES_TO_FORECASTS)],
    check_specs=BACKTEST_CHECK_SPECS,
    kinds={"numba", "duckdb"},
    automation_condition=WEEKLY_STEP,
)
def backtest_results(
    context: dg.AssetExecutionContext, warehouse: Warehouse, forecast_store: ForecastStore,
    reports: ReportFolder, research: ResearchFolder,
) -> dg.MaterializeResult:
    """Every inventory strategy simulated on one model's out-of-sample forecasts of one
    commodity (the versions the desk trades: configured, or promoted under the kind's name):
    metrics, per-season breakdown, sales and daily book state."""
    began = time.perf_counter()
    keys = context.partition_key.keys_by_dimension
    commodity, model = keys["commodity"], keys["model"]
    try:
        store = forecast_store.open(commodity, model)
        # Research ends where the forecasts' data ended: later market days belong to the desk.
        market = warehouse.read_market([commodity], store.dates[0].astype(object),
                                       research_end(store.meta))
        run = backtest_model(
            market["date"].to_numpy(), market["close"].to_numpy(), store.dates, store.paths,
            store.checks, commodity_model_key(commodity, model),
            BookSetup.for_commodity(UNIVERSE.commodities[commodity],
                                    UNIVERSE.calendar_for(commodity)),
            research.inventory_strategies())
    except (FileNotFoundError, UnusableForecastsError, ValueError) as error:
        key = commodity_model_key(commodity, model)
        raise dg.Failure(f"backtest_results {key}: {error}") from error
    context.log.info(f"{commodity} x {model}: {run.aligned.dates.size} days, "
                     f"{len(run.backtest.results)} strategies in {run.timings['simulate_s']:.3f} s")
    frames = run.frames
    warehouse.replace_rows(
        {"commodity": commodity, "model": model},
        {BACKTEST_TABLES[name]: table for name, table in (
            ("summary", run.summary), ("metrics", frames.metrics), ("seasons", frames.seasons),
            ("forced", frames.forced), ("sales", frames.sales), ("daily", frames.daily))})
    charts = partition_charts(frames, commodity, model, ZOO.models[model].synthetic)
    for name, png in charts.items():
        reports.write(f"backtests/{commodity}/{model}/{name}.png", png)
    timings = run.timings | {"total_s": time.perf_counter() - began}
    return dg.MaterializeResult(
        metadata=partition_metadata(run, charts, timings,
                                    f"{reports.root}/backtests/{commodity}/{model}"),
        check_results=[*check_results(run.outcomes, BACKTEST_KEY), inputs_current_result(
            BACKTESTS_CURRENT, f"{run.aligned.dates[0]}..{run.aligned.dates[-1]}")],
    )


@dg.asset(
    group_name="research",
    owners=RESEARCH_TEAM,
    deps=[dg.AssetDep("backtest_results", partition_mapping=dg.AllPartitionMapping())],
    kinds={"polars"},
    automation_condition=WEEKLY_STEP,
)
def backtest_comparison(warehouse: Warehouse, reports: ReportFolder) -> dg.MaterializeResult:
    """The cross-commodity comparison of backtests: summary and detailed CSVs, the
    prediction-advantage, best-earnings and value-of-accuracy charts."""
    summary, detailed = comparison_tables(warehouse.read_table(BACKTEST_SUMMARY),
                                          warehouse.read_table(BACKTEST_METRICS),
                                          _nominal_accuracies())
    if summary.is_empty():
        raise dg.Failure("no backtest_results stored yet: materialize backtest_results first")
    outputs = comparison_outputs(summary, detailed)
    for name, content in outputs.files.items():
        reports.write(f"backtests/{name}", content)
    missing = missing_partitions(summary, UNIVERSE.harvested_keys, ZOO.keys)
    return dg.MaterializeResult(metadata=outputs.metadata | {
        "partitions": dg.MetadataValue.int(summary.height),
        "missing_partitions": dg.MetadataValue.json(missing),
        "folder": dg.MetadataValue.path(f"{reports.root}/backtests"),
    } | {name: dg.MetadataValue.float(value)
         for name, value in headline_by_kind(summary).items()})
