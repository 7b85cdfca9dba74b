"""Promoting a stored search's run to a new strategy version, shared by the
``promoted_strategies`` asset and ``experiments promote``: the gate decides (an override reason
is recorded), the version's file and log entry are written, and MLflow gets the spec under the
alias ``challenger`` (docs/research.md). Promoting the same run again writes nothing new."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from trading_platform.config.futures_strategies import MovingAverageCross
from trading_platform.config.user_strategies import PromotedStrategy, UserStrategySpec
from trading_platform.defs.research.experiment_runs import (
    stored_assessment,
    stored_split,
    user_book,
)
from trading_platform.defs.research.futures_experiments import FUTURES_CODE, futures_test_sharpe
from trading_platform.domain.research.assessment import Assessment
from trading_platform.domain.research.experiment import trials_from_frames
from trading_platform.domain.research.promotion import log_entry, next_version, promoted_strategy
from trading_platform.domain.research.runners import UserStrategyBook
from trading_platform.domain.research.trials import TrialResult, window_metrics
from trading_platform.resources.experiments import ExperimentStore
from trading_platform.resources.registry import ChampionRegistry
from trading_platform.resources.strategy_folder import StrategyFolder
from trading_platform.resources.tracker import MlflowTracker
from trading_platform.resources.warehouse import Warehouse


@dataclass(frozen=True)
class Request:
    experiment: str
    output_name: str
    select_by: str = "sharpe"
    expected_impact: str = ""
    override: str | None = None


SHOWN = ("sharpe", "sortino", "cagr", "max_drawdown", "calmar", "volatility")


@dataclass(frozen=True)
class Outcome:
    """The run chosen, the gate's figures, the version written (None when refused) and its
    comparison with the parent (written beside it as ``<version>_vs_parent.md``)."""

    chosen: TrialResult
    assessment: Assessment
    info: dict[str, Any]
    dates: list[dt.date]
    path: Path | None
    new: bool
    comparison: str = ""



@dataclass(frozen=True)
class Parent:
    """What a search tuned, as a promotion needs it: its name, its spec in the version file's
    shape (code, version, parameters), the hash the experiment recorded for it, how to compare
    a parameter set with it on identical data, and (when the traded spec's identity is not the
    file's) the content hash of the spec a promoted version trades."""

    name: str
    spec: UserStrategySpec
    lineage_hash: str
    compare: Callable[[PromotedStrategy, dt.date, dt.date], str]
    identity: Callable[[dict[str, Any], int], str] | None = None


def user_parent(warehouse: Warehouse, name: str, spec: UserStrategySpec) -> Parent:
    def compare(promoted: PromotedStrategy, start: dt.date, end: dt.date) -> str:
        return comparison(warehouse, (name, spec), (promoted.name, promoted.spec),
                          promoted.commodities, start, end, full=False)
    return Parent(name, spec, spec.content_hash, compare)


def futures_parent(warehouse: Warehouse, name: str, cross: MovingAverageCross,
                   params: dict[str, Any]) -> Parent:
    """A futures search's moving-average spec (code ``futures_sweep``, the four parameters)."""
    spec = UserStrategySpec(code=FUTURES_CODE, version=cross.version, params=params)

    def compare(promoted: PromotedStrategy, start: dt.date, end: dt.date) -> str:
        return _futures_comparison(warehouse, name, params, promoted.name, promoted.params,
                                   promoted.commodities, start, end)
    return Parent(name, spec, cross.content_hash, compare)


def promote(store: ExperimentStore, folder: StrategyFolder, mlflow_root: str,
            request: Request, parent: Parent) -> Outcome:
    """Choose the run by ``select_by`` on the test window, apply the gate, write the version
    (ValueError when the experiment is missing or the parent spec changed since it ran)."""
    row, trials_df, returns_df, _ = store.load(request.experiment)
    if row.is_empty():
        raise ValueError(f"no experiment {request.experiment!r} (stored: "
                         f"{', '.join(store.names()) or 'none'})")
    info = row.row(0, named=True)
    if parent.lineage_hash != info["spec_hash"]:
        raise ValueError(f"{parent.name} changed since experiment {request.experiment} ran "
                         f"(spec {info['spec_hash']} then, {parent.lineage_hash} now): rerun "
                         "the search on the current spec")
    trials = trials_from_frames(trials_df, returns_df)
    dates = returns_df["date"].unique().sort().to_list()
    chosen = select(trials, request.select_by)
    result = stored_assessment(info, trials, dates, chosen.number)
    if not result.gate.passed and not request.override:
        return Outcome(chosen, result, info, dates, None, False)
    version = _version(folder, request.output_name, parent.name, parent.spec)
    promoted = promoted_strategy(
        request.output_name, version, parent.name, parent.spec, chosen.params,
        _lineage(request, info, chosen, result, dates), dt.date.today())
    promoted = promoted.model_copy(update={"parent_hash": parent.lineage_hash} | (
        {"content_hash": parent.identity(promoted.params, version)} if parent.identity else {}))
    existing = _same_version(folder, request.output_name, promoted.params, request.experiment)
    if existing is not None:
        return Outcome(chosen, result, info, dates, existing, False)
    path = folder.write(promoted, log_entry(promoted, parent.spec.params))
    table = parent.compare(promoted, *_window(info, dates))
    folder.write_text(f"{path.stem}_vs_parent.md", f"# {path.stem} against {promoted.parent}\n"
                      f"\n```\n{table}\n```\n")
    tags = {"experiment": request.experiment, "trial": str(chosen.number),
            "parent": promoted.parent, "content_hash": promoted.content_hash,
            "gate_passed": str(result.gate.passed), "override_reason": request.override or ""}
    with MlflowTracker(root=mlflow_root).run("strategy_promotions", path.stem, tags) as run:
        run.log_params(promoted.params)
        run.log_metrics({f"test_{k}": v for k, v in promoted.metrics["test"].items()
                         if v is not None})
        run.log_text(yaml.safe_dump(promoted.model_dump(), sort_keys=False), f"spec/{path.name}")
        ChampionRegistry(root=mlflow_root).register_challenger(
            request.output_name, run.run_id, run.artifact_uri("spec"), tags,
            f"{path.stem} from experiment {request.experiment}")
    return Outcome(chosen, result, info, dates, path, True, table)


def comparison(warehouse: Warehouse, base: tuple[str, UserStrategySpec],
               candidate: tuple[str, UserStrategySpec], commodities: list[str],
               start: dt.date, end: dt.date, full: bool) -> str:
    """Both specs' metrics on the same commodities and days, side by side; ``full`` replays
    every bar, else the candidate bars (the same trades, by the replay's parity)."""
    figures = [window_figures(user_book(warehouse, name, spec, commodities), start, end, full)
               for name, spec in (base, candidate)]
    labels = (f"{base[0]} v{base[1].version}", f"{candidate[0]} v{candidate[1].version}")
    how = "every bar replayed" if full else "candidate bars replayed"
    return figures_table(f"on {', '.join(commodities)}, {start}..{end}, {how}", labels,
                         figures)


def figures_table(title: str, labels: tuple[str, str], figures: list[dict[str, float]]) -> str:
    """Two columns of ``SHOWN`` metrics and their difference, under ``title``."""
    lines = [f"{title}:",
             f"  {'metric':<14}{labels[0]:>20}{labels[1]:>20}{'difference':>14}"]
    lines += [f"  {m:<14}{figures[0][m]:>20.4f}{figures[1][m]:>20.4f}"
              f"{figures[1][m] - figures[0][m]:>14.4f}" for m in SHOWN]
    return "\n".join(lines)


def _futures_comparison(warehouse: Warehouse, base_name: str, base: dict[str, Any],
                        name: str, params: dict[str, Any], commodities: list[str],
                        start: dt.date, end: dt.date) -> str:
    one, two = (futures_test_sharpe(warehouse, p, commodities, start, end)
                for p in (base, params))
    return (f"on {', '.join(commodities)}, {start}..{end}, the vectorised sweep:\n"
            f"  {'metric':<14}{base_name:>20}{name:>20}{'difference':>14}\n"
            f"  {'sharpe':<14}{one:>20.4f}{two:>20.4f}{two - one:>14.4f}")


def window_figures(book: UserStrategyBook, start: dt.date, end: dt.date,
                   full: bool) -> dict[str, float]:
    """The book's metrics on days ``start`` .. ``end`` (its spec's own parameters)."""
    equity = book.equity_full({}) if full else book.equity({})
    index = pl.Series(book.dates)
    return window_metrics(equity, book.capital, int(index.search_sorted(start)),
                          int(index.search_sorted(end, side="right")))


def _window(info: dict[str, Any], dates: list[dt.date]) -> tuple[dt.date, dt.date]:
    split = stored_split(json.loads(info["split"]), dates)
    return dates[split.test_start], dates[split.test_end - 1]


def select(trials: list[TrialResult], metric: str) -> TrialResult:
    """The finished trial with the best test ``metric`` (the first on ties)."""
    done = [t for t in trials if t.status == "done" and t.test.get(metric) == t.test.get(metric)]
    if not done:
        raise ValueError("no finished trial has a number to select by")
    return max(done, key=lambda t: (t.test[metric], -t.number))


def _version(folder: StrategyFolder, name: str, parent_name: str,
             parent: UserStrategySpec) -> int:
    """The next file version; above the configured spec's when the name is the parent's."""
    version = next_version(name, folder.files())
    return max(version, parent.version + 1) if name == parent_name else version


def _same_version(folder: StrategyFolder, name: str, params: dict[str, Any],
                  experiment: str) -> Path | None:
    """A version of ``name`` already promoted from ``experiment`` with these parameters."""
    for file in folder.files():
        promoted = folder.load(folder.root / file)
        if (promoted.name, promoted.params, promoted.experiment) == (name, params, experiment):
            return folder.root / file
    return None


def _lineage(request: Request, info: dict[str, Any], chosen: TrialResult, result: Assessment,
             dates: list[dt.date]) -> dict[str, Any]:
    split = stored_split(json.loads(info["split"]), dates)
    return {
        "experiment": request.experiment, "commodities": info["commodities"].split(","),
        "data_range": {"train": f"{dates[split.train_start]}..{dates[split.train_end - 1]}",
                       "test": f"{dates[split.test_start]}..{dates[split.test_end - 1]}"},
        "data_version": info["data_version"], "code_version": info["code_version"],
        "model": info.get("model") or "",
        "metrics": {"train": _clean(chosen.train), "test": _clean(chosen.test)},
        "gate": [{"criterion": c.name, "value": _number(c.value), "threshold": c.threshold,
                  "rule": c.rule, "passed": c.passed} for c in result.gate.criteria],
        "gate_passed": result.gate.passed, "override_reason": request.override,
        "expected_impact": request.expected_impact}


def _clean(values: dict[str, float]) -> dict[str, float | None]:
    return {k: _number(v) for k, v in values.items()}


def _number(value: float) -> float | None:
    return None if value != value or value in (float("inf"), float("-inf")) else float(value)
