"""Overfitting statistics of a parameter search: the probability of backtest overfitting by
combinatorially symmetric cross-validation (CSCV), and the stability of the best run among its
neighbours in parameter space.

PBO (Bailey, Borwein, Lopez de Prado and Zhu, "The Probability of Backtest Overfitting", 2014),
conventions stated once:

- ``returns`` is ``(T, N)``: the daily returns of the N trials on the same T days. The days are
  cut into ``blocks`` (S, default 16) consecutive blocks of equal length; the ``T mod S``
  earliest days are dropped so that every block has the same length.
- Every choice of S/2 blocks is a training set, the other half its test set: C(16, 8) = 12,870
  splits. On each split the trial with the best training Sharpe ratio (mean / std, ddof 1, per
  day) is found, and its test Sharpe is ranked among all N trials' test Sharpe ratios (average
  rank of ties, 1 the worst, N the best).
- ``w = rank / (N + 1)``, the logit ``log(w / (1 - w))``; PBO is the share of splits whose logit
  is <= 0, i.e. where the in-sample best fell to the median or below out of sample. Pure noise
  gives about 0.5; a real edge that persists gives about 0.

Stability: the best run's neighbours are the runs one grid step away in exactly one parameter
(``grid_neighbours``), or its ``k`` nearest runs in parameters scaled to [0, 1] when the runs
are not a grid (random or Bayesian search). The criterion compares their median objective with
the best run's own.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

SPLIT_CHUNK = 512  # splits evaluated per matrix product (bounds memory at N trials x 512)


@dataclass(frozen=True)
class Pbo:
    """PBO, the logit of every split, and the split count."""

    pbo: float
    logits: np.ndarray
    splits: int
    blocks: int
    trials: int


def block_splits(blocks: int) -> np.ndarray:
    """``(C(S, S/2), S)`` 0/1 rows: each training half of the ``blocks`` blocks."""
    if blocks < 2 or blocks % 2:
        raise ValueError(f"CSCV needs an even number of blocks >= 2, got {blocks}")
    rows = list(itertools.combinations(range(blocks), blocks // 2))
    out = np.zeros((len(rows), blocks))
    for i, chosen in enumerate(rows):
        out[i, list(chosen)] = 1.0
    return out


def probability_of_backtest_overfitting(returns: np.ndarray, blocks: int = 16) -> Pbo:
    """PBO of the trials whose daily ``returns`` are the columns (module doc)."""
    matrix = np.asarray(returns, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] < 2:
        raise ValueError(f"PBO needs (days, trials) returns of at least 2 trials, got shape "
                         f"{matrix.shape}")
    days = matrix.shape[0] - matrix.shape[0] % blocks
    if days < 2 * blocks:
        raise ValueError(f"PBO needs at least {2 * blocks} days for {blocks} blocks, got "
                         f"{matrix.shape[0]}")
    cut = matrix[matrix.shape[0] - days:].reshape(blocks, days // blocks, -1)
    sums, squares = cut.sum(axis=1), (cut ** 2).sum(axis=1)  # (blocks, trials)
    splits = block_splits(blocks)
    half = days / 2
    logits = np.empty(splits.shape[0])
    for start in range(0, splits.shape[0], SPLIT_CHUNK):
        chosen = splits[start:start + SPLIT_CHUNK]
        train = _sharpe(chosen @ sums, chosen @ squares, half)
        test = _sharpe((1 - chosen) @ sums, (1 - chosen) @ squares, half)
        best = np.nanargmax(np.where(np.isnan(train), -np.inf, train), axis=1)
        picked = test[np.arange(chosen.shape[0]), best][:, None]
        below = np.sum(test < picked, axis=1)
        ties = np.sum(test == picked, axis=1)  # includes the picked trial itself
        rank = below + (ties + 1) / 2.0
        relative = rank / (matrix.shape[1] + 1)
        logits[start:start + chosen.shape[0]] = np.log(relative / (1 - relative))
    return Pbo(float(np.mean(logits <= 0)), logits, splits.shape[0], blocks, matrix.shape[1])


def _sharpe(sums: np.ndarray, squares: np.ndarray, n: float) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = (squares - sums * sums / n) / (n - 1)
        return np.where(variance > 0, (sums / n) / np.sqrt(variance), np.nan)


@dataclass(frozen=True)
class Stability:
    """The best run's objective, its neighbours' median and the ratio of the two."""

    best: float
    neighbours_median: float
    neighbours: int
    ratio: float


def grid_neighbours(params: list[dict[str, object]], best: int) -> list[int]:
    """Runs one step away from run ``best`` in exactly one parameter's sorted values."""
    names = list(params[best])
    values = {n: sorted({p[n] for p in params}, key=_order) for n in names}
    found = []
    for i, run in enumerate(params):
        moved = [n for n in names if run[n] != params[best][n]]
        if len(moved) == 1:
            name = moved[0]
            step = values[name].index(run[name]) - values[name].index(params[best][name])
            if abs(step) == 1:
                found.append(i)
    return found


def nearest_neighbours(params: list[dict[str, object]], best: int, k: int = 8) -> list[int]:
    """The ``k`` runs nearest run ``best``, numeric parameters scaled to [0, 1] (a differing
    categorical one counts as distance 1)."""
    names = list(params[best])
    distances = np.zeros(len(params))
    for name in names:
        column = [p[name] for p in params]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in column):
            values = np.array(column, dtype=np.float64)
            span = float(np.ptp(values)) or 1.0
            distances += ((values - values[best]) / span) ** 2
        else:
            distances += np.array([0.0 if v == column[best] else 1.0 for v in column])
    order = [i for i in np.argsort(distances, kind="stable") if i != best]
    return [int(i) for i in order[:k]]


def neighbourhood_stability(objective: np.ndarray, best: int, neighbours: list[int]
                            ) -> Stability:
    """The median objective of ``neighbours`` against run ``best``'s (ratio NaN without
    neighbours or when the best is not positive)."""
    own = float(objective[best])
    around = np.asarray(objective, dtype=np.float64)[neighbours]
    around = around[~np.isnan(around)]
    median = float(np.median(around)) if around.size else math.nan
    ratio = median / own if around.size and own > 0 else math.nan
    return Stability(own, median, int(around.size), ratio)


def _order(value: object) -> tuple[int, object]:
    return (0, value) if isinstance(value, int | float) else (1, str(value))
