"""`experiments` searches (dispatched by ``promotion.experiments_command``): parameter searches of
a user strategy or a futures moving-average cross on the stored continuous series, or of an
inventory strategy on a model's stored forecasts, the
overfitting gate on the chosen trial, and reading a search back (docs/research.md).

    experiments grid-search|random-search|tpe --name N --strategy S [--space FILE]
        [--commodity C ...] [--train-start D --train-end D --test-start D --test-end D]
        [--trials N] [--objective sharpe|sortino|cagr|calmar] [--seed N] [--prune (tpe)]
        [--book user|futures|inventory] [--model M (inventory)]
    experiments show ID

``--space`` is a YAML search definition (``config.searches.Search``) or a bare mapping of
parameter spaces; options given on the command line win over the file.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from trading_platform.cli.errors import CommandError
from trading_platform.cli.replay import resolve_spec
from trading_platform.config.searches import Search
from trading_platform.defs.research.configured_searches import SearchSources, run_configured
from trading_platform.defs.research.experiment_runs import stored_assessment
from trading_platform.domain.reporting.experiment_report import experiment_html
from trading_platform.domain.research.assessment import Assessment, best_trial
from trading_platform.domain.research.experiment import (
    trials_from_frames,
)
from trading_platform.domain.research.trials import TrialResult
from trading_platform.resources.experiments import ExperimentStore, ResearchFolder
from trading_platform.resources.forecast_store import ForecastStore
from trading_platform.resources.reports import ReportFolder
from trading_platform.settings import paths

METHODS = {"grid-search": "grid", "random-search": "random", "tpe": "tpe"}


def search(store: ExperimentStore, args: argparse.Namespace) -> int:
    definition = _definition(args)
    try:
        run = run_configured(args.name, definition, store, sources(),
                             _Progress(time.perf_counter()))
    except (ValueError, FileNotFoundError) as error:
        raise CommandError(f"experiment {args.name}: {error}") from error
    print(_summary(args.name, run.trials, run.assessment, run.seconds, definition.objective))
    if definition.book == "futures":
        print(("chosen run confirmed: " if run.reproduced else "chosen run NOT confirmed: ")
              + run.parity[0].description)
    elif definition.book == "inventory":
        print("chosen run on the engine's plain-Python reference: " + "; ".join(
            o.description for o in run.parity))
    else:
        print("chosen run replayed on every bar: "
              + ("the same trades on every commodity" if run.reproduced else
                 "DIFFERENT trades: " + "; ".join(o.description for o in run.parity
                                                  if not o.passed)))
    return 0


def sources() -> SearchSources:
    """The data directory's forecasts and inventory versions in force (configured, or promoted
    under the kind's name); user strategies by configured name or spec file."""
    return SearchSources(ForecastStore(root=str(paths().forecasts)),
                         ResearchFolder(root=str(paths().data_dir)).inventory_strategies(),
                         resolve_spec)


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
                 "commodities": args.commodity, "method": METHODS[args.experiments_command],
                 "trials": args.trials, "prune": getattr(args, "prune", False),
                 "model": args.model, "book": args.book}
    body |= {k: v for k, v in overrides.items() if v}
    if args.train_start:
        body["split"] = {"train_start": args.train_start, "train_end": args.train_end,
                         "test_start": args.test_start, "test_end": args.test_end}
    try:
        return Search.model_validate(body)
    except ValidationError as error:
        raise CommandError(f"search definition {args.space}: {error}") from error


class _Progress:
    """One line per trial with the count, the trial's figures and an ETA."""

    def __init__(self, started: float) -> None:
        self.started = started

    def __call__(self, done: int, total: int, trial: TrialResult) -> None:
        spent = time.perf_counter() - self.started
        eta = spent / done * (total - done)
        figure = {"done": f"test {trial.objective:.3f} (train {trial.train_objective:.3f})",
                  "pruned": trial.error}.get(trial.status, f"FAILED: {trial.error}")
        print(f"[{done}/{total}] {trial.params}: {figure}, {trial.seconds:.2f} s; "
              f"ETA {eta:.0f} s", flush=True)


def _top(trials: list[TrialResult], objective: str, n: int = 10) -> str:
    done = sorted((t for t in trials if t.status == "done"), key=lambda t: -t.objective)[:n]
    lines = [f"top {len(done)} by test {objective}:"]
    lines += [f"  #{t.number} {t.params}: test {t.objective:.3f}, train "
              f"{t.train_objective:.3f}, test Sharpe {t.test['sharpe']:.2f}"
              + _drawdown(t.test['max_drawdown']) for t in done]
    return "\n".join(lines)


def _drawdown(value: float) -> str:
    # the futures sweep measures Sharpe only: its other metrics are NaN and left out
    return "" if value != value else f", max drawdown {100 * value:.1f} %"


def _summary(experiment: str, trials: list[TrialResult], result: Assessment, seconds: float,
             objective: str) -> str:
    failed, pruned = (sum(1 for t in trials if t.status == s) for s in ("failed", "pruned"))
    verdict = "PASSES the gate" if result.gate.passed else \
        f"is REFUSED by the gate ({', '.join(result.gate.failed)})"
    return "\n".join([
        f"experiment {experiment}: {len(trials)} trials ({failed} failed, {pruned} pruned) in "
        f"{seconds:.1f} s",
        _top(trials, objective, 5),
        f"chosen #{result.chosen} {verdict}: {result.gate.describe()}",
        f"runs flagged for a train/test gap > 1: {len(result.gap_flagged)}",
        f"stored in the warehouse (research.experiments, trials, trial_returns, "
        f"experiment_gate); `experiments show {experiment}`"])
