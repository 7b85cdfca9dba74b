"""Running a search: every point of a grid or random draw, or TPE trials asked of an Optuna
study, each measured by ``trials.evaluate_trial``.

The study is made by the caller (``resources``: it holds the journal file that lets a killed
search resume) and handed in; this module only asks and tells. Optuna's sampler is seeded by
the caller. ``progress(done, total, trial)`` is called after every trial.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import optuna

from trading_platform.config.searches import Distribution, Stepped
from trading_platform.domain.research.folds import Fold
from trading_platform.domain.research.space import stepped_values
from trading_platform.domain.research.trials import TrialResult, evaluate_trial

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
            equity_of: Callable[[dict[str, Any]], Any], capital: float, split: Fold,
            objective: str, progress: Progress | None = None) -> list[TrialResult]:
    """Ask ``study`` for trials until it holds ``n_trials`` finished or failed ones (a resumed
    study continues where it stopped), telling it each test objective; returns this call's
    trials, numbered as the study numbers them."""
    distributions = optuna_distributions(space)
    already = len([t for t in study.trials if t.state.is_finished()])
    trials = []
    for done in range(already, n_trials):
        asked = study.ask(distributions)
        trial = evaluate_trial(asked.number, dict(asked.params), equity_of, capital, split,
                               objective)
        if trial.status == "done" and not math.isnan(trial.objective):
            study.tell(asked, trial.objective)
        else:
            study.tell(asked, state=optuna.trial.TrialState.FAIL)
        trials.append(trial)
        if progress is not None:
            progress(done + 1, n_trials, trial)
    return trials
