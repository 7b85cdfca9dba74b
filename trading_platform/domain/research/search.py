"""Running a search: every point of a grid or random draw, or TPE trials asked of an Optuna
study, each measured by ``trials.evaluate_trial``.

The study is made by the caller (``resources``: it holds the journal file that lets a killed
search resume) and handed in; this module only asks and tells. Optuna's sampler is seeded by
the caller. ``progress(done, total, trial)`` is called after every trial.

Pruning (TPE only, when the study has a pruner): a trial is evaluated in stages (a book's
commodities a few at a time, ``trials.evaluate_staged_trial``); after each stage but the last
the partial book's test objective is reported to the study as that step's intermediate value,
and the study's pruner may stop the trial (Optuna's ``MedianPruner``: below the median of the
earlier trials at the same step). A book of one commodity has one stage: nothing to prune.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import optuna

from trading_platform.config.searches import Distribution, Stepped
from trading_platform.domain.research.folds import Fold
from trading_platform.domain.research.space import stepped_values
from trading_platform.domain.research.trials import (
    Stages,
    TrialResult,
    evaluate_staged_trial,
    evaluate_trial,
)

Progress = Callable[[int, int, TrialResult], None]


def run_points(points: list[dict[str, Any]], equity_of: Callable[[dict[str, Any]], Any],
               capital: float, split: Fold, objective: str,
               progress: Progress | None = None) -> list[TrialResult]:
    """One trial per point, numbered in order."""
    trials = []
    for number, params in enumerate(points):
        trial = evaluate_trial(number, params, equity_of, capital, split, objective)
        trials.append(trial)
        if progress is not None:
            progress(number + 1, len(points), trial)
    return trials


def optuna_distributions(space: dict[str, Any]) -> dict[str, optuna.distributions.BaseDistribution]:
    """The space as Optuna distributions: lists and stepped ranges become categorical choices,
    distributions their float, log-float or int counterparts."""
    out: dict[str, optuna.distributions.BaseDistribution] = {}
    for name, values in space.items():
        if isinstance(values, Distribution):
            if values.distribution == "int":
                out[name] = optuna.distributions.IntDistribution(int(values.low),
                                                                 int(values.high))
            else:
                out[name] = optuna.distributions.FloatDistribution(
                    values.low, values.high, log=values.distribution == "log_uniform")
        else:
            choices = stepped_values(values) if isinstance(values, Stepped) else list(values)
            out[name] = optuna.distributions.CategoricalDistribution(choices)
    return out


def run_tpe(study: optuna.Study, space: dict[str, Any], n_trials: int,
            stages_of: Callable[[dict[str, Any]], Stages], capital: float, split: Fold,
            objective: str, progress: Progress | None = None) -> list[TrialResult]:
    """Ask ``study`` for trials until it holds ``n_trials`` finished, pruned or failed ones (a
    resumed study continues where it stopped), telling it each test objective; returns this
    call's trials, numbered as the study numbers them."""
    distributions = optuna_distributions(space)
    already = len([t for t in study.trials if t.state.is_finished()])
    pruning = not isinstance(study.pruner, optuna.pruners.NopPruner)
    trials = []
    for done in range(already, n_trials):
        asked = study.ask(distributions)
        trial = evaluate_staged_trial(asked.number, dict(asked.params), stages_of, capital,
                                      split, objective, _reporter(asked) if pruning else None)
        if trial.status == "done" and not math.isnan(trial.objective):
            study.tell(asked, trial.objective)
        elif trial.status == "pruned":
            study.tell(asked, state=optuna.trial.TrialState.PRUNED)
        else:
            study.tell(asked, state=optuna.trial.TrialState.FAIL)
        trials.append(trial)
        if progress is not None:
            progress(done + 1, n_trials, trial)
    return trials


def _reporter(asked: optuna.Trial) -> Callable[[int, float], bool]:
    """Report a stage's partial objective to the study and ask its pruner (a NaN is not
    reported and prunes nothing)."""
    def prune(stage: int, value: float) -> bool:
        if math.isnan(value):
            return False
        asked.report(value, stage)
        return asked.should_prune()
    return prune
