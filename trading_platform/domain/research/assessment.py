"""The overfitting gate applied to a finished search: every figure the gate needs, worked out
from the trials themselves.

- Trials counted for the DSR: every trial run, pruned and failed included (the raw count).
- The variance of the trials' Sharpe ratios: per-observation test-window Sharpe of every trial
  that finished (its annualised test Sharpe / sqrt(252)).
- DSR: of the chosen run's test-window daily returns (``domain.selection.deflated_sharpe``).
- PBO: CSCV over the daily returns of every finished trial that carries them on every day
  (``overfitting``): all trials of a replayed search, a seeded sample (with the chosen run) of
  a vectorised sweep's.
- Stability: the chosen run's grid neighbours (a grid search) or nearest runs (random, TPE),
  on the test objective.
- Walk-forward, when folds are defined: on each fold the trial with the best Sharpe on the
  fold's train days is picked, and its Sharpe on the fold's test days is the fold's result.
- Gap warnings: every finished trial whose train Sharpe exceeds its test Sharpe by more than the
  gate's gap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from trading_platform.config.searches import GateConfig
from trading_platform.domain.research.folds import Fold
from trading_platform.domain.research.gate import GateReport, GateThresholds, evaluate_gate
from trading_platform.domain.research.overfitting import (
    Pbo,
    Stability,
    grid_neighbours,
    nearest_neighbours,
    neighbourhood_stability,
    probability_of_backtest_overfitting,
)
from trading_platform.domain.research.trials import TrialResult
from trading_platform.domain.selection.deflated_sharpe import DeflatedSharpe, deflated_sharpe

TRADING_DAYS = 252


@dataclass(frozen=True)
class Assessment:
    """Everything the gate looked at for the chosen trial, and its verdict."""

    chosen: int
    trials_run: int
    dsr: DeflatedSharpe
    pbo: Pbo | None
    stability: Stability
    fold_sharpes: list[float]
    gap_flagged: list[int]
    gate: GateReport


def best_trial(trials: list[TrialResult]) -> int:
    """The finished trial with the highest test objective (the first on ties)."""
    done = [t for t in trials if t.status == "done" and not math.isnan(t.objective)]
    if not done:
        raise ValueError(f"none of the {len(trials)} trials finished with a number: nothing to "
                         "choose")
    return max(done, key=lambda t: (t.objective, -t.number)).number


def assess(trials: list[TrialResult], chosen: int, grid: bool, split: Fold,
           folds: list[Fold] | None, config: GateConfig) -> Assessment:
    """The gate's figures and verdict for trial number ``chosen`` (module doc)."""
    done = [t for t in trials if t.status == "done"]
    by_number = {t.number: t for t in trials}
    pick = by_number[chosen]
    test_slice = slice(split.test_start, split.test_end)
    sharpes = [t.test.get("sharpe", math.nan) / math.sqrt(TRADING_DAYS) for t in done]
    variance = float(np.nanvar(sharpes, ddof=1)) if len(done) > 1 else 0.0
    dsr = deflated_sharpe(pick.returns[test_slice], len(trials), variance)
    days = max((t.returns.size for t in done), default=0)
    kept = [t.returns for t in done if t.returns.size == days]
    matrix = np.column_stack(kept) if len(kept) > 1 else None
    pbo = probability_of_backtest_overfitting(matrix, config.pbo_blocks) \
        if matrix is not None and matrix.shape[0] >= 2 * config.pbo_blocks else None
    params = [t.params for t in done]
    index = [t.number for t in done].index(chosen)
    around = grid_neighbours(params, index) if grid else nearest_neighbours(params, index)
    stability = neighbourhood_stability(np.array([t.objective for t in done]), index, around)
    fold_sharpes = _walk_forward(matrix, folds) if folds and matrix is not None else []
    gate = evaluate_gate(pick.train.get("sharpe", math.nan), pick.test.get("sharpe", math.nan),
                         dsr.dsr, pbo.pbo if pbo else math.nan, stability.ratio,
                         fold_sharpes or None, _thresholds(config))
    flagged = [t.number for t in done
               if t.train.get("sharpe", math.nan) - t.test.get("sharpe", math.nan)
               > config.max_gap]
    return Assessment(chosen, len(trials), dsr, pbo, stability, fold_sharpes, flagged, gate)


def _walk_forward(matrix: np.ndarray, folds: list[Fold]) -> list[float]:
    results = []
    for fold in folds:
        train = [_per_day_sharpe(matrix[fold.train_start:fold.train_end, j])
                 for j in range(matrix.shape[1])]
        best = int(np.nanargmax(np.where(np.isnan(train), -np.inf, train)))
        results.append(_per_day_sharpe(matrix[fold.test_start:fold.test_end, best])
                       * math.sqrt(TRADING_DAYS))
    return results


def _per_day_sharpe(returns: np.ndarray) -> float:
    values = np.asarray(returns, dtype=np.float64)
    if values.size < 2:
        return math.nan
    sd = float(np.std(values, ddof=1))
    return float(np.mean(values)) / sd if sd > 0 else math.nan


def _thresholds(config: GateConfig) -> GateThresholds:
    return GateThresholds(config.max_gap, config.min_dsr, config.max_pbo, config.min_stability,
                          config.min_fold_share)
