"""portfolio_backtests: the futures book's model x optimiser matrix across commodities, with its
guards and charts; trading_book_champion: the matrix cell the book would trade, chosen on the
selection window, proven on the holdout and registered in MLflow."""

import datetime as dt
import json
import random

import dagster as dg
import numpy as np
import polars as pl

from trading_platform.defs.automation import WEEKLY_STEP
from trading_platform.defs.ops.check_results import check_results, png_markdown
from trading_platform.defs.research.forecast_tracking import markdown_table
from trading_platform.defs.teams import RESEARCH_TEAM
from trading_platform.defs.universe import FUTURES_BOOK, FUTURES_STRATEGIES, UNIVERSE, ZOO
from trading_platform.domain.evidence import ERROR, CheckOutcome
from trading_platform.domain.futures.book_selection import decision_words, select_book_champion
from trading_platform.domain.futures.book_validation import (
    SEEDS,
    cell_equity,
    validation_report,
)
from trading_platform.domain.futures.matrix import (
    Matrix,
    research_windows_agree,
    run_matrix,
    signal_sets,
)
from trading_platform.domain.json_values import json_safe
from trading_platform.domain.reporting.futures_charts import (
    contribution_chart,
    matrix_lines_chart,
    sharpe_heatmap,
    weights_chart,
)
from trading_platform.resources.registry import CHAMPION_KEY_TAG, ChampionRegistry
from trading_platform.resources.reports import ReportFolder
from trading_platform.resources.tables import (
    BOOK_CANDIDATES,
    BOOK_CHAMPIONS,
    FUTURES_DAILY,
    FUTURES_SERIES,
    PORTFOLIO_EQUITY,
    PORTFOLIO_TABLES,
)
from trading_platform.resources.tracker import MlflowTracker
from trading_platform.resources.warehouse import Warehouse

PORTFOLIO_KEY = dg.AssetKey("portfolio_backtests")
BOOK_CHAMPION_KEY = dg.AssetKey("trading_book_champion")
MATRIX_CHECKS = ("engine_matches_twin", "futures_accounting_holds", "weights_within_bounds",
                 "no_position_change_without_data")
SCOPE = {"book": "futures"}  # the warehouse rows these assets replace
VALIDATION_TAGS = ("validation_return", "beats_equal_weight", "deterministic")


def _matrix_inputs(warehouse: Warehouse) -> tuple[dict, dict, dict, dict, list[str], dict]:
    daily = warehouse.read_table(FUTURES_DAILY)
    stored = warehouse.read_table(FUTURES_SERIES)
    if daily.is_empty() or stored.is_empty():
        raise dg.Failure("portfolio_backtests: no futures_backtests stored yet; materialize "
                         "futures_series and futures_backtests for every commodity first")
    ends = daily.group_by("commodity").agg(pl.col("date").max())
    series = {c: stored.filter((pl.col("commodity") == c) & (pl.col("date") <= end)).sort(
        "date").drop("commodity", "basis") for c, end in sorted(ends.iter_rows())}
    sets, firsts, incomplete = signal_sets(series, daily)
    specs = {c: UNIVERSE.commodities[c].futures for c in series}
    return series, sets, specs, firsts, incomplete, dict(ends.iter_rows())


def _charts(matrix: Matrix) -> dict[str, bytes]:
    best = matrix.metrics.sort("sharpe", descending=True, nulls_last=True).row(0, named=True)
    cell = matrix.contribution.filter((pl.col("signal_set") == best["signal_set"])
                                      & (pl.col("optimiser") == best["optimiser"]))
    return {
        "sharpe_heatmap": sharpe_heatmap(matrix.metrics, "Sharpe by signal set x optimiser"),
        "equity": matrix_lines_chart(matrix.equity, "equity", "equity of every cell (USD)"),
        "drawdowns": matrix_lines_chart(matrix.equity, "drawdown", "drawdown of every cell"),
        "weights": weights_chart(matrix.weights, "optimiser weights over time"),
        "contribution": contribution_chart(
            cell, f"net P&L per commodity: {best['signal_set']} x {best['optimiser']}"),
    }


@dg.asset(
    group_name="research",
    owners=RESEARCH_TEAM,
    pool="duckdb_write",
    deps=[dg.AssetDep("futures_backtests", partition_mapping=dg.AllPartitionMapping())],
    check_specs=[*(dg.AssetCheckSpec(name, asset=PORTFOLIO_KEY, blocking=True)
                   for name in MATRIX_CHECKS),
                 dg.AssetCheckSpec("commodities_share_research_window", asset=PORTFOLIO_KEY)],
    kinds={"numba", "duckdb"},
    automation_condition=WEEKLY_STEP,
)
def portfolio_backtests(context: dg.AssetExecutionContext, warehouse: Warehouse,
                        reports: ReportFolder) -> dg.MaterializeResult:
    """The futures book's model x optimiser matrix: every signal set across commodities sized by
    every optimiser, with equity, weights, per-commodity contribution and metrics by regime."""
    series, sets, specs, firsts, incomplete, ends = _matrix_inputs(warehouse)
    if incomplete:
        context.log.warning(f"signal sets missing a commodity, left out: {incomplete}")
    try:
        matrix = run_matrix(series, sets, specs, firsts, FUTURES_BOOK)
    except ValueError as error:
        raise dg.Failure(f"portfolio_backtests: {error}") from error
    warehouse.replace_rows(SCOPE, {PORTFOLIO_TABLES[name]: getattr(matrix, name)
                                   for name in PORTFOLIO_TABLES})
    charts = _charts(matrix)
    for name, png in charts.items():
        reports.write(f"futures/matrix/{name}.png", png)
    shown = matrix.metrics.select("signal_set", "optimiser", "sharpe", "cagr", "max_drawdown",
                                  "calmar", "turnover", "costs").sort("sharpe", descending=True,
                                                                      nulls_last=True)
    reports.write("futures/matrix/metrics.csv", matrix.metrics.write_csv())
    return dg.MaterializeResult(
        metadata={"cells": matrix.metrics.height, "signal_sets": len(sets),
                  "optimisers": len(FUTURES_BOOK.portfolio.optimisers),
                  "commodities": list(series), "left_out_sets": incomplete,
                  "window": f"{matrix.equity['date'].min()}..{matrix.equity['date'].max()}",
                  "book_config_hash": FUTURES_BOOK.content_hash,
                  "metrics": dg.MetadataValue.md(markdown_table(shown, digits=3)),
                  "folder": dg.MetadataValue.path(f"{reports.root}/futures/matrix")}
        | {name: png_markdown(png, name) for name, png in charts.items()},
        check_results=list(check_results([*matrix.outcomes, research_windows_agree(ends)],
                                          PORTFOLIO_KEY)))


def _reruns(warehouse: Warehouse, champion: dict) -> dict[int, np.ndarray]:
    """The champion's cell run again under each seed of the validation report, its daily
    values (``domain.futures.book_validation``)."""
    series, sets, specs, firsts, _, _ = _matrix_inputs(warehouse)
    if champion["signal_set"] not in sets:
        return {}
    values = {}
    for seed in SEEDS:
        np.random.seed(seed)  # the global state a hidden draw would read
        random.seed(seed)
        matrix = run_matrix(series, {champion["signal_set"]: sets[champion["signal_set"]]},
                            specs, firsts, FUTURES_BOOK)
        values[seed] = cell_equity(matrix.equity, champion["signal_set"],
                                   champion["optimiser"])["equity"].to_numpy()
    return values


def _synthetic_sets(sets: list[str]) -> set[str]:
    synthetic = {key for key, spec in ZOO.models.items() if spec.synthetic}
    return {name for name in sets if name.split("|")[-1] in synthetic}


def _lineage(champion: dict) -> dict[str, str]:
    strategy, model = champion["signal_set"].split("|")
    spec = FUTURES_STRATEGIES.strategies[strategy]
    return {"signal_set": champion["signal_set"], "strategy": strategy, "model": model,
            "optimiser": champion["optimiser"], "strategy_version": str(spec.version),
            "strategy_hash": spec.content_hash, "book_config_hash": FUTURES_BOOK.content_hash,
            "universe_hash": UNIVERSE.content_hash}


@dg.asset(
    group_name="research",
    owners=RESEARCH_TEAM,
    pool="duckdb_write",
    deps=[PORTFOLIO_KEY],
    check_specs=[dg.AssetCheckSpec("book_champion_is_real", asset=BOOK_CHAMPION_KEY,
                                   blocking=True)],
    kinds={"mlflow", "duckdb"},
    automation_condition=WEEKLY_STEP,
)
def trading_book_champion(warehouse: Warehouse, tracker: MlflowTracker,
                          registry: ChampionRegistry) -> dg.MaterializeResult:
    """The trading book's champion: the (strategy set, model, optimiser) cell chosen on the
    selection window and proven on the holdout, with its candidates and MLflow version."""
    equity = warehouse.read_table(PORTFOLIO_EQUITY)
    if equity.is_empty():
        raise dg.Failure("trading_book_champion: materialize portfolio_backtests first")
    synthetic = _synthetic_sets(equity["signal_set"].unique().to_list())
    try:
        decision = select_book_champion(equity.drop("book"), synthetic,
                                        FUTURES_BOOK.engine.capital, FUTURES_BOOK.selection)
    except ValueError as error:
        raise dg.Failure(f"trading_book_champion: {error}") from error
    champion, words = decision.champion, decision_words(decision)
    lineage = _lineage(champion)
    validation = validation_report(equity, champion, decision.holdout_span,
                                   FUTURES_BOOK.engine.capital, _reruns(warehouse, champion))
    key = "|".join(lineage[k] for k in ("signal_set", "optimiser", "strategy_hash",
                                        "book_config_hash")) + f"|{decision.selection_span}"
    with tracker.run("trading_book", f"{champion['signal_set']} x {champion['optimiser']}",
                     {"book": "futures"}) as run:
        run.log_params(lineage | {"confirmed": decision.confirmed,
                                  "n_trials": champion["n_trials"]})
        run.log_metrics({k: float(champion[k]) for k in ("selection_sharpe", "holdout_sharpe",
                                                         "dsr")})
        run.log_text(json.dumps(lineage | {"decision": words}, indent=2),
                     "champion/champion.json")
        run.log_text(json.dumps(validation, indent=2, default=str),
                     "champion/validation_report.json")
        version = registry.promote_book(
            run.run_id, run.artifact_uri("champion"),
            lineage | {CHAMPION_KEY_TAG: key, "confirmed": str(decision.confirmed)}
            | {k: str(validation[k]) for k in VALIDATION_TAGS}, words)
    chosen = {"chosen_at": dt.datetime.now(dt.UTC).replace(tzinfo=None), "decision": words,
              "confirmed": decision.confirmed, "mlflow_version": version.version,
              "selection_end": decision.selection_span[1]} | lineage
    warehouse.replace_rows(SCOPE, {BOOK_CANDIDATES: decision.candidates})
    warehouse.replace_rows(SCOPE | {"selection_end": str(decision.selection_span[1])},
                           {BOOK_CHAMPIONS: pl.DataFrame([chosen]).drop("selection_end")})
    real = CheckOutcome(
        "book_champion_is_real", champion["signal_set"] not in synthetic, ERROR,
        f"{champion['signal_set']} reads no synthetic-accuracy model ({len(synthetic)} "
        "synthetic signal sets were ineligible)",
        {"observed": champion["signal_set"], "ineligible": sorted(synthetic)})
    return dg.MaterializeResult(
        metadata={"decision": words, "confirmed": decision.confirmed,
                  "mlflow_version": f"{version.name} v{version.version}",
                  "criteria": decision.criteria,
                  "holdout": str(decision.holdout_span),
                  "validation_report": dg.MetadataValue.json(json_safe(validation)),
                  "candidates": dg.MetadataValue.md(markdown_table(
                      decision.candidates.sort("rank"), digits=3))} | lineage,
        check_results=list(check_results([real], BOOK_CHAMPION_KEY)))
