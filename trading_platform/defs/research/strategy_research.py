"""strategy_experiments and promoted_strategies: the configured parameter searches of user
strategies (``config/searches/*.yaml``, one partition each), and the version each promotes
through the overfitting gate (docs/research.md)."""

from dataclasses import asdict

import dagster as dg

from trading_platform.config.searches import Search, default_searches_dir, load_search
from trading_platform.config.user_strategies import UserStrategySpec
from trading_platform.defs.automation import WEEKLY_STEP
from trading_platform.defs.ops.check_results import check_results
from trading_platform.defs.research.experiment_runs import run_experiment
from trading_platform.defs.research.forecast_tracking import markdown_table
from trading_platform.defs.research.promotions import Request, promote, user_parent
from trading_platform.defs.teams import RESEARCH_TEAM
from trading_platform.defs.universe import USER_STRATEGIES
from trading_platform.domain.evidence import ERROR, CheckOutcome
from trading_platform.domain.reporting.experiment_report import experiment_html
from trading_platform.domain.research.experiment import gate_frame
from trading_platform.domain.research.trials import TrialResult
from trading_platform.resources.experiments import ResearchFolder
from trading_platform.resources.reports import ReportFolder
from trading_platform.resources.tracker import MlflowTracker
from trading_platform.resources.warehouse import Warehouse

SEARCHES = {path.stem: load_search(path) for path in sorted(default_searches_dir().glob("*.yaml"))}
EXPERIMENT_PARTITIONS = dg.StaticPartitionsDefinition(sorted(SEARCHES))
EXPERIMENTS_KEY, PROMOTED_KEY = dg.AssetKey("strategy_experiments"), dg.AssetKey(
    "promoted_strategies")


def _spec(context: dg.AssetExecutionContext) -> tuple[str, Search, UserStrategySpec]:
    name = context.partition_key
    definition = SEARCHES[name]
    spec = USER_STRATEGIES.strategies.get(definition.strategy)
    if spec is None:
        raise dg.Failure(f"search {name}: strategy {definition.strategy!r} is not in "
                         f"user_strategies.yaml ({', '.join(USER_STRATEGIES.strategies)})")
    return name, definition, spec


@dg.asset(
    partitions_def=EXPERIMENT_PARTITIONS, group_name="research", owners=RESEARCH_TEAM,
    pool="duckdb_write", kinds={"numba", "duckdb"}, automation_condition=WEEKLY_STEP,
    deps=[dg.AssetDep("futures_series", partition_mapping=dg.AllPartitionMapping())],
    check_specs=[dg.AssetCheckSpec(
        "chosen_run_replays_identically", asset=EXPERIMENTS_KEY, blocking=True,
        description="The search's best run, replayed on every bar, makes the trades its "
        "focused replay made on every commodity")],
)
def strategy_experiments(context: dg.AssetExecutionContext, warehouse: Warehouse,
                         reports: ReportFolder, research: ResearchFolder) -> dg.MaterializeResult:
    """Every trial of one configured parameter search of a user strategy, with the overfitting
    gate's figures for its best run."""
    name, definition, spec = _spec(context)

    def progress(done: int, total: int, trial: TrialResult) -> None:
        context.log.info(f"{name}: trial {done} of {total}: {trial.params} {trial.status}, "
                         f"test {trial.objective:.3f}")

    try:
        run = run_experiment(name, definition.strategy, spec, definition,
                             research.store(warehouse), progress)
    except ValueError as error:
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
                        research: ResearchFolder, tracker: MlflowTracker
                        ) -> dg.MaterializeResult:
    """The strategy version promoted from one configured search's best run, written only when
    the run passes the overfitting gate."""
    name, definition, spec = _spec(context)
    select_by = definition.objective if definition.objective != "calmar" else "sharpe"
    try:
        outcome = promote(research.store(warehouse), research.strategies(), tracker.root,
                          Request(name, definition.strategy, select_by),
                          user_parent(warehouse, definition.strategy, spec))
    except ValueError as error:
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
