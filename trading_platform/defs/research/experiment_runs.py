"""Running and storing a parameter search of a user strategy, shared by the
``strategy_experiments`` asset and the ``experiments`` command: the stored continuous series
in, every trial, the gate's figures on the chosen trial and a full replay confirming its trades
out, all saved under the experiment's id (docs/research.md)."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import polars as pl
from pydantic import BaseModel

from trading_platform.config.searches import Search, load_research_config
from trading_platform.config.user_strategies import UserStrategySpec
from trading_platform.defs.research.futures_backtests import book_costs
from trading_platform.defs.universe import FUTURES_BOOK, FUTURES_PARTITIONS, UNIVERSE
from trading_platform.domain.evidence import CheckOutcome
from trading_platform.domain.replay.specs import strategy_class
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
from trading_platform.domain.research.parallel_book import ParallelBook
from trading_platform.domain.research.runners import UserStrategyBook
from trading_platform.domain.research.search import Progress, run_points, run_tpe
from trading_platform.domain.research.space import grid_points, random_points
from trading_platform.domain.research.trials import Stages, TrialResult, single_stage
from trading_platform.resources.experiments import ExperimentStore
from trading_platform.resources.tables import FUTURES_SERIES
from trading_platform.resources.warehouse import Warehouse


@dataclass(frozen=True)
class ExperimentRun:
    """A finished search: its trials, the gate's figures, the full-replay check and timing."""

    info: ExperimentInfo
    trials: list
    assessment: Assessment
    parity: list[CheckOutcome]
    seconds: float

    @property
    def reproduced(self) -> bool:
        return all(o.passed for o in self.parity)


def stored_series(warehouse: Warehouse, commodity: str) -> pl.DataFrame:
    """One commodity's stored continuous series (ValueError naming the step when missing)."""
    series = warehouse.read_where(FUTURES_SERIES, commodity=commodity)
    if series.is_empty():
        raise ValueError(f"no futures_series stored for {commodity}; run `trading-platform "
                         f"futures --commodity {commodity}` (or materialize futures_series) "
                         "first")
    return series.sort("date").drop("commodity", "basis")


def user_book(warehouse: Warehouse, name: str, spec: UserStrategySpec,
              commodities: list[str]) -> UserStrategyBook:
    return UserStrategyBook(name, spec, {c: stored_series(warehouse, c) for c in commodities},
                            {c: UNIVERSE.commodities[c].futures for c in commodities},
                            book_costs(), FUTURES_BOOK.engine.capital)


def run_experiment(experiment: str, name: str, spec: UserStrategySpec, definition: Search,
                   store: ExperimentStore, progress: Progress | None = None) -> ExperimentRun:
    """Run ``definition`` on strategy ``name`` and save everything under ``experiment``
    (a TPE search of an existing id resumes its study)."""
    commodities = definition.commodities or FUTURES_PARTITIONS.get_partition_keys()
    book = user_book(store.warehouse, name, spec, commodities)

    def describe(split: Fold) -> ExperimentInfo:
        return ExperimentInfo(experiment, definition.method, name, "user", spec.content_hash,
                              plain_space(definition.space), split_info(split, book.dates),
                              definition.folds.model_dump() if definition.folds else None,
                              definition.objective, definition.seed, list(commodities),
                              data_version(book.series), code_version(strategy_class(spec.code)))

    with _evaluator(book) as evaluator:
        return run_search(experiment, evaluator, definition, store, describe,
                          book.confirm_with_full_replay, progress)


class SearchBook(Protocol):
    """What a search runs on: the trial's days and capital, its equity in one go or stages."""

    dates: list[dt.date]
    capital: float

    def equity(self, params: dict[str, Any]) -> Any: ...

    def stages(self, params: dict[str, Any]) -> Stages: ...


def run_search(experiment: str, book: SearchBook, definition: Search, store: ExperimentStore,
               describe: Callable[[Fold], ExperimentInfo],
               confirm: Callable[[dict[str, Any]], list[CheckOutcome]],
               progress: Progress | None = None) -> ExperimentRun:
    """Every trial of ``definition`` on ``book``, the gate on the best, ``confirm`` of its
    parameters (an independent re-run), all saved under ``experiment``."""
    dates = book.dates
    split = split_for(definition, dates)
    started = time.perf_counter()
    if definition.method == "tpe":
        _, stored, stored_returns, _ = store.load(experiment)
        previous = trials_from_frames(stored, stored_returns) if stored.height else []
        study = store.study(experiment, definition.seed, definition.prune)
        # without pruning, the book in one go (its workers are not held at stage barriers)
        stages = book.stages if definition.prune else single_stage(book.equity)
        trials = previous + run_tpe(study, definition.space, definition.trials, stages,
                                    book.capital, split, definition.objective, progress)
    else:
        points = grid_points(definition.space) if definition.method == "grid" else \
            random_points(definition.space, definition.trials, definition.seed)
        trials = run_points(points, book.equity, book.capital, split, definition.objective,
                            progress)
    seconds = time.perf_counter() - started
    folds = walk_forward_folds(len(dates), **definition.folds.model_dump()) \
        if definition.folds else None
    chosen = best_trial(trials)
    result = assess(trials, chosen, definition.method == "grid", split, folds,
                    load_research_config().gate)
    parity = confirm(next(t for t in trials if t.number == chosen).params)
    return save_experiment(store, ExperimentRun(describe(split), trials, result, parity,
                                                seconds), dates)


def save_experiment(store: ExperimentStore, run: ExperimentRun,
                    dates: list[dt.date]) -> ExperimentRun:
    """Store a finished search under its id: the experiment row, its trials, their returns,
    and the gate's criteria with the best run's confirmation (``focused_equals_full``)."""
    confirmed = pl.DataFrame([{"criterion": "focused_equals_full",
                               "value": float(sum(not o.passed for o in run.parity)),
                               "threshold": 0.0, "rule": "<=", "passed": run.reproduced}])
    store.save(run.info.id,
               experiment_row(run.info, run.trials, run.seconds, dt.datetime.now(dt.UTC)),
               trials_frame(run.trials), returns_frame(run.trials, dates),
               pl.concat([gate_frame(run.assessment.gate), confirmed]))
    return run


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


@contextmanager
def _evaluator(book: UserStrategyBook) -> Iterator[UserStrategyBook | ParallelBook]:
    """The book's trial evaluator: its commodities over the machine's cores when it has more
    than one (the same equity bit for bit, ``ParallelBook``), in process otherwise."""
    workers = min(len(book.series), os.cpu_count() or 1)
    if workers < 2:
        yield book
        return
    with ParallelBook(book, workers) as parallel:
        yield parallel


def split_for(definition: Search, dates: list[dt.date]) -> Fold:
    """The definition's split as day positions: its dates, or its ratio of the days."""
    s = definition.split
    if s.train_start is None:
        return ratio_split(len(dates), s.ratio)
    first, last = dates[0], dates[-1]
    if s.train_start < first or s.test_end > last:  # type: ignore[operator]
        raise ValueError(f"split {s.train_start}..{s.test_end} is outside the stored series "
                         f"({first}..{last})")
    index = pl.Series(dates)
    return Fold(int(index.search_sorted(s.train_start)),
                int(index.search_sorted(s.train_end, side="right")),
                int(index.search_sorted(s.test_start)),
                int(index.search_sorted(s.test_end, side="right")))


def split_info(split: Fold, dates: list[dt.date]) -> dict[str, str]:
    return {"train": f"{dates[split.train_start]}..{dates[split.train_end - 1]}",
            "test": f"{dates[split.test_start]}..{dates[split.test_end - 1]}"}


def plain_space(space: dict[str, Any]) -> dict[str, Any]:
    return {k: v.model_dump() if isinstance(v, BaseModel) else v for k, v in space.items()}
