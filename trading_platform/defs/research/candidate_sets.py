"""candidate_sets: every user strategy of one commodity screened for the bars where it could act,
replayed in full and on those bars only, with the blocking parity check (docs/replay.md).

The replays' trade logs land in the warehouse (``research.replay_trades``, beside the futures
backtests' ``research.futures_trades``) and as JSONL under ``reports/replays/<commodity>/``.
"""

import traceback

import dagster as dg
import polars as pl

from trading_platform.defs.automation import WEEKLY_STEP
from trading_platform.defs.ops.check_results import check_results, png_markdown
from trading_platform.defs.research.forecast_tracking import markdown_table
from trading_platform.defs.research.futures_backtests import book_costs
from trading_platform.defs.teams import RESEARCH_TEAM
from trading_platform.defs.universe import (
    FUTURES_BOOK,
    FUTURES_PARTITIONS,
    UNIVERSE,
    USER_STRATEGIES,
)
from trading_platform.domain.replay.replay import StrategyError
from trading_platform.domain.replay.study import PARITY, StrategyStudy, study_strategies
from trading_platform.domain.reporting.replay_charts import candidates_chart
from trading_platform.resources.reports import ReportFolder
from trading_platform.resources.tables import (
    FUTURES_SERIES,
    REPLAY_CANDIDATES,
    REPLAY_RUNS,
    REPLAY_TRADES,
)
from trading_platform.resources.warehouse import Warehouse

CANDIDATE_SETS_KEY = dg.AssetKey("candidate_sets")
RUN_COLUMNS = ("strategy", "variant", "mode", "candidate_bars", "called_bars", "trades",
               "final_equity", "sharpe", "seconds")


@dg.asset(
    partitions_def=FUTURES_PARTITIONS,
    group_name="research",
    owners=RESEARCH_TEAM,
    pool="duckdb_write",
    deps=[dg.AssetDep("futures_series")],
    check_specs=[dg.AssetCheckSpec(
        PARITY, asset=CANDIDATE_SETS_KEY, blocking=True,
        description="Over the whole stored series, the replay on the candidate bars makes the "
        "same trades as the replay of every bar (timestamp, side, contracts, price to 1e-9) and "
        "ends on the same equity, for every user strategy")],
    kinds={"numba", "duckdb"},
    automation_condition=WEEKLY_STEP,
)
def candidate_sets(context: dg.AssetExecutionContext, warehouse: Warehouse,
                   reports: ReportFolder) -> dg.MaterializeResult:
    """The bars of one commodity's continuous series where each user strategy could act, with
    the windows its replay needs, and the replays that prove the set complete."""
    commodity = context.partition_key
    series = warehouse.read_where(FUTURES_SERIES, commodity=commodity)
    if series.is_empty():
        raise dg.Failure(f"candidate_sets {commodity}: no futures_series stored; materialize "
                         "futures_series first")
    series = series.sort("date").drop("commodity", "basis")
    try:
        study = study_strategies(USER_STRATEGIES, series, UNIVERSE.commodities[commodity].futures,
                                 book_costs(), FUTURES_BOOK.engine.capital,
                                 progress=lambda line: context.log.info(f"{commodity}: {line}"))
    except StrategyError as error:
        context.log.error("".join(traceback.format_exception(error)))
        raise dg.Failure(f"candidate_sets {commodity}: {error}") from error
    except ValueError as error:
        raise dg.Failure(f"candidate_sets {commodity}: {error}") from error
    warehouse.replace_rows({"commodity": commodity}, {
        REPLAY_CANDIDATES: study.candidates, REPLAY_RUNS: study.runs,
        REPLAY_TRADES: study.trades})
    charts = _write_outputs(commodity, series, study, reports)
    return dg.MaterializeResult(
        metadata={"bars": series.height, "strategies": len(USER_STRATEGIES.strategies),
                  "candidate_bars": study.candidates.height,
                  "speed_up": _speed_ups(study.runs),
                  "runs": dg.MetadataValue.md(markdown_table(
                      study.runs.select(RUN_COLUMNS), digits=3)),
                  **charts,
                  "folder": dg.MetadataValue.path(f"{reports.root}/replays/{commodity}")},
        check_results=list(check_results([study.parity], CANDIDATE_SETS_KEY)))


def _write_outputs(commodity: str, series: pl.DataFrame, study: StrategyStudy,
                   reports: ReportFolder) -> dict[str, dg.MetadataValue]:
    """Each replay's trade log as JSONL and each strategy's candidate chart."""
    for (strategy, variant, mode), trades in study.trades.group_by(
            ["strategy", "variant", "mode"]):
        name = f"{strategy}-{variant.replace(',', '_')}-{mode}.jsonl"
        reports.write(f"replays/{commodity}/{name}",
                      trades.drop("strategy", "variant", "mode").write_ndjson())
    charts = {}
    for strategy in USER_STRATEGIES.strategies:
        own = study.trades.filter((pl.col("strategy") == strategy) & (pl.col("variant") == "spec")
                                  & (pl.col("mode") == "focused"))
        png = candidates_chart(series, study.candidates.filter(pl.col("strategy") == strategy),
                               own, "date", f"{commodity}: {strategy}, candidate bars and trades")
        reports.write(f"replays/{commodity}/{strategy}.png", png)
        charts[f"chart_{strategy}"] = png_markdown(png, f"{commodity} {strategy}")
    return charts


def _speed_ups(runs: pl.DataFrame) -> str:
    """Full seconds over focused seconds (screen included) per strategy's own parameters."""
    own = runs.filter(pl.col("variant") == "spec")
    parts = []
    for strategy in own["strategy"].unique(maintain_order=True).to_list():
        rows = own.filter(pl.col("strategy") == strategy)
        full = rows.filter(pl.col("mode") == "full")["seconds"][0]
        focused = rows.filter(pl.col("mode") == "focused")["seconds"][0]
        parts.append(f"{strategy} {full / max(focused, 1e-9):.1f}x")
    return ", ".join(parts)
