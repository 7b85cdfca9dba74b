"""One trial of a search: a parameter set backtested once over the whole series, its metrics
measured separately on the train and the test window, and its objective.

Conventions (stated once): the equity path comes from one replay over every bar, so the test
window starts with the position the train window left (as a desk would have held it). A
window's metrics are ``equity_metrics`` of its equity path started from the equity of the day
before it (the capital for the first window): daily returns, annualised with 252 days. The
objective is one of those metrics on the test window; the train value beside it measures the
gap. ``returns`` holds every day's return (train and test), which PBO and DSR need.

A staged trial (``evaluate_staged_trial``) is built up in stages, a book's commodities a few at
a time; after every stage but the last, the objective of the partial book on the test window is
reported to ``prune``, which may stop the trial there: a **pruned** trial, kept with the stage
and the value that stopped it, and without metrics or returns.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from trading_platform.domain.futures.backtest import equity_metrics
from trading_platform.domain.research.folds import Fold

OBJECTIVES = ("sharpe", "sortino", "cagr", "calmar")

Stages = Generator[tuple[np.ndarray, bool], None, None]
"""Equity paths of a trial built up in stages, each flagged ``True`` when it is the last."""


@dataclass(frozen=True)
class TrialResult:
    """A trial's parameters, status (done or failed with its error), metrics and returns."""

    number: int
    params: dict[str, Any]
    status: str
    train: dict[str, float] = field(default_factory=dict)
    test: dict[str, float] = field(default_factory=dict)
    objective: float = math.nan
    train_objective: float = math.nan
    returns: np.ndarray = field(default_factory=lambda: np.zeros(0))
    seconds: float = 0.0
    error: str = ""


def window_metrics(equity: np.ndarray, capital: float, start: int, end: int
                   ) -> dict[str, float]:
    """``equity_metrics`` of days ``[start, end)``, started from the equity before them."""
    before = capital if start == 0 else float(equity[start - 1])
    return equity_metrics(equity[start:end], before)


def daily_returns(equity: np.ndarray, capital: float) -> np.ndarray:
    path = np.concatenate([[capital], equity])
    return path[1:] / path[:-1] - 1.0


def evaluate_trial(number: int, params: dict[str, Any],
                   equity_of: Callable[[dict[str, Any]], np.ndarray], capital: float,
                   split: Fold, objective: str,
                   clock: Callable[[], float] = time.perf_counter) -> TrialResult:
    """Run ``equity_of(params)`` (the daily equity over every bar) and measure the trial; an
    exception in the strategy makes a failed trial carrying its error, never a lost one."""
    return evaluate_staged_trial(number, params, single_stage(equity_of), capital, split,
                                 objective, None, clock)


def single_stage(equity_of: Callable[[dict[str, Any]], np.ndarray]
                 ) -> Callable[[dict[str, Any]], Stages]:
    """``equity_of`` as stages: one, the whole book (nothing to prune)."""
    def stages_of(params: dict[str, Any]) -> Stages:
        yield equity_of(params), True
    return stages_of


def evaluate_staged_trial(number: int, params: dict[str, Any],
                          stages_of: Callable[[dict[str, Any]], Stages],
                          capital: float, split: Fold, objective: str,
                          prune: Callable[[int, float], bool] | None,
                          clock: Callable[[], float] = time.perf_counter) -> TrialResult:
    """Measure the equity path ``stages_of(params)`` yields last (flagged ``True``); after each
    earlier one, ``prune(stage, partial test objective)`` may stop the trial (module doc)."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective {objective!r}: choose one of {OBJECTIVES}")
    started = clock()
    stages = stages_of(params)
    try:
        for stage, (path, last) in enumerate(stages):
            equity = np.asarray(path, dtype=np.float64)
            if last:
                break
            partial = window_metrics(equity, capital, split.test_start, split.test_end)[objective]
            if prune is not None and prune(stage, partial):
                stages.close()
                return TrialResult(number, params, "pruned", seconds=clock() - started,
                                   error=f"pruned after stage {stage + 1}: partial test "
                                         f"{objective} {partial:.3f}")
    except Exception as exc:  # a trial's failure is a result, recorded with its error
        return TrialResult(number, params, "failed", seconds=clock() - started,
                           error=f"{type(exc).__name__}: {exc}")
    train = window_metrics(equity, capital, split.train_start, split.train_end)
    test = window_metrics(equity, capital, split.test_start, split.test_end)
    return TrialResult(number, params, "done", train, test, test[objective],
                       train[objective], daily_returns(equity, capital), clock() - started)
