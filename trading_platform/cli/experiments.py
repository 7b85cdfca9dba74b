"""`experiments` searches (dispatched by ``promotion.experiments_command``): parameter searches of
a user strategy on the stored continuous series, the
overfitting gate on the chosen trial, and reading a search back (docs/research.md).

    experiments grid-search|random-search|tpe --name N --strategy S [--space FILE]
        [--commodity C ...] [--train-start D --train-end D --test-start D --test-end D]
        [--trials N] [--objective sharpe|sortino|cagr|calmar] [--seed N]
    experiments show ID

``--space`` is a YAML search definition (``config.searches.Search``) or a bare mapping of
parameter spaces; options given on the command line win over the file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from pydantic import BaseModel, ValidationError

from trading_platform.cli.errors import CommandError
from trading_platform.cli.replay import resolve_spec, stored_series
from trading_platform.config.searches import Search, load_research_config
from trading_platform.defs.research.futures_backtests import book_costs
from trading_platform.defs.universe import FUTURES_BOOK, FUTURES_PARTITIONS, UNIVERSE
from trading_platform.domain.replay.specs import strategy_class
from trading_platform.domain.reporting.experiment_report import experiment_html
from trading_platform.domain.research.assessment import Assessment, assess, best_trial
from trading_platform.domain.research.experiment import (
    ExperimentInfo,
    code_version,
    data_version,
    experiment_row,
    gate_frame,
    returns_frame,
    trials_frame,
    trials_from_frames,
)
from trading_platform.domain.research.folds import Fold, ratio_split, walk_forward_folds
from trading_platform.domain.research.runners import UserStrategyBook
from trading_platform.domain.research.search import run_points, run_tpe
from trading_platform.domain.research.space import grid_points, random_points
from trading_platform.domain.research.trials import TrialResult
from trading_platform.resources.experiments import ExperimentStore
from trading_platform.resources.reports import ReportFolder
from trading_platform.settings import paths

METHODS = {"grid-search": "grid", "random-search": "random", "tpe": "tpe"}


def search(store: ExperimentStore, args: argparse.Namespace) -> int:
    definition = _definition(args)
    name, spec = resolve_spec(definition.strategy)
    commodities = definition.commodities or FUTURES_PARTITIONS.get_partition_keys()
    warehouse = store.warehouse
    series = {c: stored_series(warehouse, c) for c in commodities}
    book = UserStrategyBook(name, spec, series,
                            {c: UNIVERSE.commodities[c].futures for c in commodities},
                            book_costs(), FUTURES_BOOK.engine.capital)
    dates = book.dates
    split = _split(definition, dates)
    method = METHODS[args.experiments_command]
    started = time.perf_counter()
    progress = _Progress(started)
    previous: list[TrialResult] = []
    if method == "tpe":
        study = store.study(args.name, definition.seed)
        _, stored, stored_returns, _ = store.load(args.name)
        previous = trials_from_frames(stored, stored_returns) if stored.height else []
        trials = previous + run_tpe(study, definition.space, args.trials, book.equity,
                                    book.capital, split, definition.objective, progress)
    else:
        points = grid_points(definition.space) if method == "grid" else \
            random_points(definition.space, args.trials, definition.seed)
        trials = run_points(points, book.equity, book.capital, split, definition.objective,
                            progress)
    seconds = time.perf_counter() - started
    folds = walk_forward_folds(len(dates), **definition.folds.model_dump()) \
        if definition.folds else None
    chosen = best_trial(trials)
    result = assess(trials, chosen, method == "grid", split, folds,
                    load_research_config().gate)
    info = ExperimentInfo(args.name, method, name, "user", spec.content_hash,
                          _plain(definition.space), _split_info(split, dates),
                          definition.folds.model_dump() if definition.folds else None,
                          definition.objective, definition.seed, list(commodities),
                          data_version(series), code_version(strategy_class(spec.code)))
    parity = book.confirm_with_full_replay(next(t for t in trials if t.number == chosen).params)
    confirmed = pl.DataFrame([{"criterion": "focused_equals_full",
                               "value": float(sum(not o.passed for o in parity)),
                               "threshold": 0.0, "rule": "<=",
                               "passed": all(o.passed for o in parity)}])
    store.save(args.name, experiment_row(info, trials, seconds, dt.datetime.now(dt.UTC)),
               trials_frame(trials), returns_frame(trials, dates),
               pl.concat([gate_frame(result.gate), confirmed]))
    print(_summary(args.name, trials, result, seconds, definition.objective))
    print("chosen run replayed on every bar: "
          + ("the same trades on every commodity" if all(o.passed for o in parity) else
             "DIFFERENT trades: " + "; ".join(o.description for o in parity if not o.passed)))
    return 0


def show(store: ExperimentStore, experiment: str, export: str | None = None) -> int:
    row, trials, returns, gate = store.load(experiment)
    if row.is_empty():
        known = ", ".join(store.names()) or "none yet"
        raise CommandError(f"no experiment {experiment!r} (stored: {known})")
    results = trials_from_frames(trials, returns)
    info = row.row(0, named=True)
    if export == "html":
        dates = returns["date"].unique().sort().to_list()
        chosen = best_trial(results)
        page = experiment_html(experiment, info, results,
                               stored_assessment(info, results, dates, chosen),
                               info["objective"])
        out = ReportFolder(root=str(paths().reports)).write(
            f"experiments/{experiment}/report.html", page)
        print(f"report: {out}")
    print(f"experiment {experiment}: {info['method']} search of {info['strategy']} "
          f"[{info['spec_hash']}] on {info['commodities']}, objective {info['objective']}, "
          f"seed {info['seed']}, data {info['data_version']}, code {info['code_version']}")
    print(_top(results, info["objective"]))
    print("gate: " + "; ".join(
        f"{r['criterion']} {'pass' if r['passed'] else 'FAIL'} {r['value']:.3g} "
        f"({r['rule']} {r['threshold']:g})" for r in gate.iter_rows(named=True)))
    return 0


def stored_assessment(info: dict[str, Any], trials: list[TrialResult], dates: list[dt.date],
                      chosen: int) -> Assessment:
    """The gate's figures for trial ``chosen`` of a stored experiment, from its stored split
    and folds."""
    split = stored_split(json.loads(info["split"]), dates)
    folds_info = json.loads(info["folds"])
    folds = walk_forward_folds(len(dates), **folds_info) if folds_info else None
    return assess(trials, chosen, info["method"] == "grid", split, folds,
                  load_research_config().gate)


def stored_split(split: dict[str, str], dates: list[dt.date]) -> Fold:
    """The stored ``{"train": "a..b", "test": "c..d"}`` as day positions over ``dates``."""
    index = pl.Series(dates)
    edges = [dt.date.fromisoformat(d) for part in ("train", "test")
             for d in split[part].split("..")]
    return Fold(int(index.search_sorted(edges[0])),
                int(index.search_sorted(edges[1], side="right")),
                int(index.search_sorted(edges[2])),
                int(index.search_sorted(edges[3], side="right")))


def _definition(args: argparse.Namespace) -> Search:
    if not args.space:
        raise CommandError("--space FILE is needed: a YAML search definition (strategy, space, "
                           "split, folds, objective, seed) or a mapping of parameter spaces "
                           "(docs/research.md)")
    try:
        loaded = yaml.safe_load(Path(args.space).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CommandError(f"--space {args.space}: {error}") from error
    body: dict[str, Any] = loaded if isinstance(loaded, dict) and "space" in loaded \
        else {"space": loaded}
    body.setdefault("strategy", args.strategy)
    overrides = {"strategy": args.strategy, "objective": args.objective, "seed": args.seed,
                 "commodities": args.commodity}
    body |= {k: v for k, v in overrides.items() if v}
    if args.train_start:
        body["split"] = {"train_start": args.train_start, "train_end": args.train_end,
                         "test_start": args.test_start, "test_end": args.test_end}
    try:
        return Search.model_validate(body)
    except ValidationError as error:
        raise CommandError(f"search definition {args.space}: {error}") from error


def _split(definition: Search, dates: list[dt.date]) -> Fold:
    s = definition.split
    if s.train_start is None:
        return ratio_split(len(dates), s.ratio)
    index = pl.Series(dates)
    first, last = dates[0], dates[-1]
    if s.train_start < first or s.test_end > last:  # type: ignore[operator]
        raise CommandError(f"split {s.train_start}..{s.test_end} is outside the stored series "
                           f"({first}..{last})")
    return Fold(int(index.search_sorted(s.train_start)),
                int(index.search_sorted(s.train_end, side="right")),
                int(index.search_sorted(s.test_start)),
                int(index.search_sorted(s.test_end, side="right")))


def _split_info(split: Fold, dates: list[dt.date]) -> dict[str, str]:
    return {"train": f"{dates[split.train_start]}..{dates[split.train_end - 1]}",
            "test": f"{dates[split.test_start]}..{dates[split.test_end - 1]}"}


def _plain(space: dict[str, Any]) -> dict[str, Any]:
    return {k: v.model_dump() if isinstance(v, BaseModel) else v for k, v in space.items()}


class _Progress:
    """One line per trial with the count, the trial's figures and an ETA."""

    def __init__(self, started: float) -> None:
        self.started = started

    def __call__(self, done: int, total: int, trial: TrialResult) -> None:
        spent = time.perf_counter() - self.started
        eta = spent / done * (total - done)
        figure = f"test {trial.objective:.3f} (train {trial.train_objective:.3f})" \
            if trial.status == "done" else f"FAILED: {trial.error}"
        print(f"[{done}/{total}] {trial.params}: {figure}, {trial.seconds:.2f} s; "
              f"ETA {eta:.0f} s", flush=True)


def _top(trials: list[TrialResult], objective: str, n: int = 10) -> str:
    done = sorted((t for t in trials if t.status == "done"), key=lambda t: -t.objective)[:n]
    lines = [f"top {len(done)} by test {objective}:"]
    lines += [f"  #{t.number} {t.params}: test {t.objective:.3f}, train "
              f"{t.train_objective:.3f}, test Sharpe {t.test['sharpe']:.2f}, max drawdown "
              f"{100 * t.test['max_drawdown']:.1f} %" for t in done]
    return "\n".join(lines)


def _summary(experiment: str, trials: list[TrialResult], result: Assessment, seconds: float,
             objective: str) -> str:
    failed = sum(1 for t in trials if t.status == "failed")
    verdict = "PASSES the gate" if result.gate.passed else \
        f"is REFUSED by the gate ({', '.join(result.gate.failed)})"
    return "\n".join([
        f"experiment {experiment}: {len(trials)} trials ({failed} failed) in {seconds:.1f} s",
        _top(trials, objective, 5),
        f"chosen #{result.chosen} {verdict}: {result.gate.describe()}",
        f"runs flagged for a train/test gap > 1: {len(result.gap_flagged)}",
        f"stored in the warehouse (research.experiments, trials, trial_returns, "
        f"experiment_gate); `experiments show {experiment}`"])
