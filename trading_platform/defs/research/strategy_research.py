"""strategy_experiments and promoted_strategies: the configured parameter searches
(``config/searches/*.yaml``, one partition each; a user strategy, the futures book's
moving-average cross or an inventory kind), and the version each promotes through the
overfitting gate (docs/research.md)."""

from dataclasses import asdict

import dagster as dg

from trading_platform.config.searches import Search, default_searches_dir, load_search
from trading_platform.defs.automation import WEEKLY_STEP
from trading_platform.defs.ops.check_results import check_results
from trading_platform.defs.research.configured_searches import (
    SearchSources,
    run_configured,
    search_parent,
)
from trading_platform.defs.research.forecast_tracking import markdown_table
from trading_platform.defs.research.promotions import Request, promote
from trading_platform.defs.teams import RESEARCH_TEAM
from trading_platform.domain.evidence import ERROR, CheckOutcome
from trading_platform.domain.reporting.experiment_report import experiment_html
from trading_platform.domain.research.experiment import gate_frame
from trading_platform.domain.research.trials import TrialResult
from trading_platform.resources.experiments import ResearchFolder
from trading_platform.resources.forecast_store import ForecastStore
from trading_platform.resources.reports import ReportFolder
from trading_platform.resources.tracker import MlflowTracker
from trading_platform.resources.warehouse import Warehouse

SEARCHES = {path.stem: load_search(path) for path in sorted(default_searches_dir().glob("*.yaml"))}
EXPERIMENT_PARTITIONS = dg.StaticPartitionsDefinition(sorted(SEARCHES))
EXPERIMENTS_KEY, PROMOTED_KEY = dg.AssetKey("strategy_experiments"), dg.AssetKey(
    "promoted_strategies")


def _search(context: dg.AssetExecutionContext) -> tuple[str, Search]:
    return context.partition_key, SEARCHES[context.partition_key]


def _sources(forecast_store: ForecastStore, research: ResearchFolder) -> SearchSources:
    return SearchSources(forecast_store, research.inventory_strategies())


@dg.asset(
    partitions_def=EXPERIMENT_PARTITIONS, group_name="research", owners=RESEARCH_TEAM,
    pool="duckdb_write", kinds={"numba", "duckdb"}, automation_condition=WEEKLY_STEP,
    deps=[dg.AssetDep(key, partition_mapping=dg.AllPartitionMapping())
          for key in ("futures_series", "forecasts")],
    check_specs=[dg.AssetCheckSpec(
        "chosen_run_replays_identically", asset=EXPERIMENTS_KEY, blocking=True,
        description="The search's best run, re-run independently, gives the figures the "
        "search measured: a user strategy replayed on every bar makes its focused replay's "
        "trades; the futures sweep and the inventory engine agree with their plain-Python "
        "twins")],
)
def strategy_experiments(context: dg.AssetExecutionContext, warehouse: Warehouse,
                         reports: ReportFolder, research: ResearchFolder,
                         forecast_store: ForecastStore) -> dg.MaterializeResult:
    """Every trial of one configured parameter search, with the overfitting gate's figures for
    its best run."""
    name, definition = _search(context)

    def progress(done: int, total: int, trial: TrialResult) -> None:
        context.log.info(f"{name}: trial {done} of {total}: {trial.params} {trial.status}, "
                         f"test {trial.objective:.3f}")

    try:
        run = run_configured(name, definition, research.store(warehouse),
                             _sources(forecast_store, research), progress)
    except (ValueError, FileNotFoundError) as error:
        raise dg.Failure(f"strategy_experiments {name}: {error}") from error
    page = experiment_html(name, asdict(run.info) | {"seconds": run.seconds}, run.trials,
                           run.assessment, definition.objective)
    report = reports.write(f"experiments/{name}/report.html", page)
    best = next(t for t in run.trials if t.number == run.assessment.chosen)
    parity = CheckOutcome(
        "chosen_run_replays_identically", run.reproduced, ERROR,
        "; ".join(o.description for o in run.parity),
        {"observed": sum(not o.passed for o in run.parity), "threshold": 0})
    return dg.MaterializeResult(
        metadata={"trials": len(run.trials),
                  "failed": sum(t.status == "failed" for t in run.trials),
                  "seconds": run.seconds, "best_run": str(best.params),
                  "best_test_objective": best.objective,
                  "gate": dg.MetadataValue.md(markdown_table(gate_frame(run.assessment.gate),
                                                             digits=3)),
                  "gate_passed": run.assessment.gate.passed,
                  "report": dg.MetadataValue.path(str(report))},
        check_results=list(check_results([parity], EXPERIMENTS_KEY)))


@dg.asset(
    partitions_def=EXPERIMENT_PARTITIONS, group_name="research", owners=RESEARCH_TEAM,
    kinds={"mlflow"}, automation_condition=WEEKLY_STEP, deps=[EXPERIMENTS_KEY],
    check_specs=[dg.AssetCheckSpec(
        "overfitting_gate_passed", asset=PROMOTED_KEY, blocking=True,
        description="The best run passes every criterion of the overfitting gate: train/test "
        "gap, DSR for every trial run, PBO by CSCV, neighbourhood stability, walk-forward")],
)
def promoted_strategies(context: dg.AssetExecutionContext, warehouse: Warehouse,
                        research: ResearchFolder, tracker: MlflowTracker,
                        forecast_store: ForecastStore) -> dg.MaterializeResult:
    """The strategy version promoted from one configured search's best run, written only when
    the run passes the overfitting gate."""
    name, definition = _search(context)
    select_by = definition.objective if definition.objective != "calmar" else "sharpe"
    store = research.store(warehouse)
    try:
        parent = search_parent(definition.book, definition.strategy, definition.model, store,
                               _sources(forecast_store, research))
        outcome = promote(store, research.strategies(), tracker.root,
                          Request(name, definition.strategy, select_by), parent)
    except (ValueError, FileNotFoundError) as error:
        raise dg.Failure(f"promoted_strategies {name}: {error}") from error
    gate = outcome.assessment.gate
    verdict = CheckOutcome(
        "overfitting_gate_passed", gate.passed, ERROR,
        f"run #{outcome.chosen.number} {outcome.chosen.params}: {gate.describe()}",
        {"observed": len(gate.failed), "threshold": 0, "failed": gate.failed})
    written = "none: the gate refused the run" if outcome.path is None else \
        f"{outcome.path.name}{'' if outcome.new else ' (already promoted)'}"
    return dg.MaterializeResult(
        metadata={"version": written, "run": str(outcome.chosen.params),
                  "gate": dg.MetadataValue.md(markdown_table(gate_frame(gate), digits=3))},
        check_results=list(check_results([verdict], PROMOTED_KEY)))
