"""model_candidates and champion_model: research results become one champion per commodity."""

import datetime as dt

import dagster as dg
import polars as pl

from trading_platform.config.selection import load_selection
from trading_platform.defs.automation import WEEKLY_STEP
from trading_platform.defs.ops.check_results import check_results, png_markdown, to_metadata
from trading_platform.defs.research.forecast_tracking import markdown_table
from trading_platform.defs.research.selection_support import (
    WINDOW_COLUMNS,
    champion_outcomes,
    champion_record,
    last_confirmed,
    shared_dates_outcome,
    window_columns,
)
from trading_platform.defs.teams import RESEARCH_TEAM
from trading_platform.defs.universe import HARVESTED_PARTITIONS, UNIVERSE, ZOO
from trading_platform.domain.evidence import CheckOutcome
from trading_platform.domain.reporting.selection_report import equity_curves_chart, selection_report
from trading_platform.domain.selection.candidates import build_candidates
from trading_platform.domain.selection.champion import select_champion
from trading_platform.domain.selection.trading_choice import trading_choice
from trading_platform.resources.forecast_store import ForecastStore
from trading_platform.resources.registry import ChampionRegistry
from trading_platform.resources.reports import ReportFolder
from trading_platform.resources.tables import (
    BACKTEST_DAILY,
    BACKTEST_METRICS,
    CANDIDATE_REGIMES,
    CHAMPION_HISTORY,
    CHAMPIONS,
    MODEL_CANDIDATES,
)
from trading_platform.resources.warehouse import Warehouse

CANDIDATES_KEY = dg.AssetKey("model_candidates")
CHAMPION_KEY = dg.AssetKey("champion_model")
BY_COMMODITY = dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="commodity")
SELECTION = load_selection()


@dg.asset(
    partitions_def=HARVESTED_PARTITIONS,
    group_name="research",
    owners=RESEARCH_TEAM,
    pool="duckdb_write",
    deps=[dg.AssetDep("backtest_results", partition_mapping=BY_COMMODITY)],
    check_specs=[dg.AssetCheckSpec("synthetic_models_ineligible", asset=CANDIDATES_KEY,
                                   blocking=True),
                 dg.AssetCheckSpec("candidates_share_dates", asset=CANDIDATES_KEY,
                                   blocking=True)],
    kinds={"polars", "duckdb"},
    automation_condition=WEEKLY_STEP,
)
def model_candidates(context: dg.AssetExecutionContext, warehouse: Warehouse,
                     forecast_store: ForecastStore) -> dg.MaterializeResult:
    """Every (real model, strategy) of one commodity's backtests, measured on the selection
    window and on the holdout, with its regime breakdown, Deflated Sharpe Ratio and weighted
    score against the selection thresholds."""
    commodity = context.partition_key
    metrics = warehouse.read_where(BACKTEST_METRICS, commodity=commodity)
    if metrics.is_empty():
        raise dg.Failure(f"no backtest_results stored for {commodity}: materialize its "
                         "backtest_results partitions first")
    daily = warehouse.read_where(BACKTEST_DAILY, commodity=commodity)
    market = warehouse.read_market([commodity], dt.date.min, dt.date.max)
    marked = future_readers(forecast_store, commodity, metrics["model"].unique().to_list())
    synthetic = {key for key, spec in ZOO.models.items() if spec.synthetic} | set(marked)
    harvest = UNIVERSE.commodities[commodity].harvest
    try:
        built = build_candidates(metrics, daily, market["date"].to_numpy(),
                                 market["close"].to_numpy(), synthetic, SELECTION,
                                 harvest.annual_volume if harvest else 1.0)
    except ValueError as error:
        raise dg.Failure(f"model_candidates {commodity}: {error}") from error
    table = built.table.drop("commodity", strict=False).with_columns(
        **window_columns(built.windows))
    warehouse.replace_rows({"commodity": commodity}, {
        MODEL_CANDIDATES: table.with_columns(selection_hash=pl.lit(
            SELECTION.content_hash)),
        CANDIDATE_REGIMES: built.regimes})
    leaked = sorted(set(table["model"]) & synthetic)
    outcome = CheckOutcome(
        "synthetic_models_ineligible", not leaked, "ERROR",
        "no synthetic model among the candidates" if not leaked else
        f"synthetic models {leaked} reached the candidates: they are built from the realised "
        "future and must never be eligible",
        {"observed": leaked, "excluded": built.excluded_models,
         "marked_uses_future_by_store": marked})
    top = table.head(10).select("model", "strategy", "score", "passes", "sharpe", "max_drawdown",
                                "calmar", "turnover", "regime_consistency", "value_added",
                                "dsr", "holdout_sharpe")
    return dg.MaterializeResult(
        metadata=to_metadata({"candidates": table.height, "passing": int(table["passes"].sum()),
                              "excluded_models": built.excluded_models,
                              "selection_hash": SELECTION.content_hash,
                              **table.select(WINDOW_COLUMNS).row(0, named=True)})
        | {"top_candidates": dg.MetadataValue.md(markdown_table(top, digits=3))},
        check_results=list(check_results([outcome, shared_dates_outcome(built)],
                                         CANDIDATES_KEY)))


def future_readers(forecast_store: ForecastStore, commodity: str,
                   models: list[str]) -> list[str]:
    """Models whose stored forecasts are marked as built from the future (by the build that
    made them), whatever the zoo calls them."""
    marked = []
    for model in sorted(models):
        try:
            if forecast_store.open(commodity, model).uses_future:
                marked.append(model)
        except FileNotFoundError:
            continue  # no store: its backtest could not have run either
    return marked


@dg.asset(
    partitions_def=HARVESTED_PARTITIONS,
    group_name="research",
    owners=RESEARCH_TEAM,
    pool="duckdb_write",
    deps=[CANDIDATES_KEY],
    check_specs=[
        dg.AssetCheckSpec("champion_meets_thresholds_and_benchmarks", asset=CHAMPION_KEY),
        dg.AssetCheckSpec("champion_provenance_complete", asset=CHAMPION_KEY, blocking=True),
    ],
    kinds={"mlflow", "duckdb"},
    automation_condition=WEEKLY_STEP,
)
def champion_model(
    context: dg.AssetExecutionContext, warehouse: Warehouse, registry: ChampionRegistry,
    forecast_store: ForecastStore, reports: ReportFolder,
) -> dg.MaterializeResult:
    """The commodity's champion (model, strategy), confirmed or provisional on its holdout and
    Deflated Sharpe Ratio, registered in MLflow under the alias `champion`, with what the desk
    trades (never a provisional forecast champion) and the selection report that explains it."""
    commodity = context.partition_key
    candidates = warehouse.read_where(MODEL_CANDIDATES, commodity=commodity)
    if candidates.is_empty():
        raise dg.Failure(f"no model_candidates stored for {commodity}: materialize them first")
    decision = select_champion(candidates, SELECTION, ZOO.complexity())
    windows = candidates.select(WINDOW_COLUMNS).row(0, named=True)
    history = warehouse.read_where(CHAMPION_HISTORY, commodity=commodity)
    choice = trading_choice(decision, last_confirmed(history, windows["holdout_end"]),
                            SELECTION.thresholds.max_turnover)
    record, tags = champion_record(context, commodity, decision, choice, windows, forecast_store,
                                   SELECTION)
    # Idempotent by champion key: an unchanged champion keeps its version; a champion whose
    # forecasts were rebuilt registers its refitted model as a new version.
    version = registry.promote(
        commodity, tags["forecast_run"], tags,
        f"{commodity} champion: {decision.model} x {decision.strategy} ({decision.status})")
    record = record | {"version": version.version}
    # a promoted strategy version the desk now trades becomes its strategy's MLflow champion
    crowned = registry.crown_strategy(choice.spec_hash)
    warehouse.replace_rows({"commodity": commodity},
                           {CHAMPIONS: pl.DataFrame([record])})
    warehouse.replace_rows({"commodity": commodity, "selected_through": record["selected_through"]},
                           {CHAMPION_HISTORY: pl.DataFrame([record]).drop("selected_through")})
    daily = warehouse.read_where(BACKTEST_DAILY, commodity=commodity)
    picks = [(r["model"], r["strategy"]) for r in decision.evaluated.filter(
        pl.col("family") == "forecast").head(5).iter_rows(named=True)]
    champion = (decision.model, decision.strategy)
    picks = [champion, *[p for p in picks if p != champion][:4]]
    baseline = (str(decision.best_baseline["model"]), str(decision.best_baseline["strategy"]))
    chart = equity_curves_chart(daily, picks, baseline, f"{commodity}: top candidates' equity")
    markdown = selection_report(commodity, decision, windows=windows,
                                trading=f"{choice.model} x {choice.strategy}: {choice.reason}")
    reports.write(f"selection/{commodity}/selection_report.md", markdown)
    reports.write(f"selection/{commodity}/equity_curves.png", chart)
    outcomes = champion_outcomes(decision, record)
    return dg.MaterializeResult(
        metadata=to_metadata({k: v for k, v in record.items() if k != "selected_at"})
        | {"selection_report": dg.MetadataValue.md(markdown),
           "strategy_champion": "configured version" if crowned is None else
           f"{crowned.name} version {crowned.version}",
           "equity_curves": png_markdown(chart, "equity curves of the top candidates")},
        check_results=list(check_results(outcomes, CHAMPION_KEY)))
