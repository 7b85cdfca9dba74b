"""The gate on whole searches with known answers: a family of trials whose edge grows with the
parameter passes every criterion; pure noise is refused; failed trials count in the DSR."""

from __future__ import annotations

import numpy as np

from trading_platform.config.searches import GateConfig
from trading_platform.domain.research.assessment import assess, best_trial
from trading_platform.domain.research.folds import Fold, walk_forward_folds
from trading_platform.domain.research.trials import TrialResult, evaluate_trial

DAYS, SPLIT = 2_000, Fold(0, 1_000, 1_000, 2_000)


def _trials(edges: np.ndarray, seed: int) -> list[TrialResult]:
    rng = np.random.default_rng(seed)
    trials = []
    for k, edge in enumerate(edges):
        returns = rng.normal(edge, 0.01, DAYS)
        equity = 1e6 * np.cumprod(1 + returns)
        trials.append(evaluate_trial(k, {"k": k}, lambda p, e=equity: e, 1e6, SPLIT, "sharpe"))
    return trials


def test_assess_given_an_edge_that_grows_with_the_parameter_passes_the_gate():
    # daily Sharpe 0.015 x k: the best (k = 19, 0.285 a day) stands far above what 20 trials
    # reach by luck, keeps its rank out of sample, and its neighbour k = 18 is nearly as good.
    trials = _trials(0.01 * 0.015 * np.arange(20), seed=1)
    chosen = best_trial(trials)
    folds = walk_forward_folds(DAYS, 500, 250, 250)
    result = assess(trials, chosen, True, SPLIT, folds, GateConfig())
    assert chosen >= 17
    assert result.gate.passed, result.gate.describe()
    assert result.pbo.pbo < 0.1 and result.dsr.dsr > 0.99 and result.stability.ratio > 0.8
    assert len(result.fold_sharpes) == 6 and min(result.fold_sharpes) > 0


def test_assess_given_pure_noise_refuses_the_best_run():
    trials = _trials(np.zeros(20), seed=2)
    result = assess(trials, best_trial(trials), True, SPLIT, None, GateConfig())
    assert not result.gate.passed
    assert "deflated_sharpe" in result.gate.failed
    assert result.pbo.pbo > 0.3


def test_assess_given_failed_trials_counts_them_in_the_deflation():
    trials = _trials(0.01 * 0.015 * np.arange(20), seed=1)
    failed = [TrialResult(20 + i, {"k": 20 + i}, "failed", error="ValueError: x")
              for i in range(30)]
    chosen = best_trial(trials + failed)
    fewer = assess(trials, chosen, False, SPLIT, None, GateConfig())
    more = assess(trials + failed, chosen, False, SPLIT, None, GateConfig())
    assert (fewer.trials_run, more.trials_run, more.dsr.n_trials) == (20, 50, 50)
    assert more.dsr.expected_max > fewer.dsr.expected_max  # more tries, a higher luck bar


def test_assess_given_a_run_far_better_in_training_flags_its_gap():
    trials = _trials(np.zeros(10), seed=4)
    rng = np.random.default_rng(9)
    returns = np.concatenate([rng.normal(0.003, 0.01, 1_000), rng.normal(-0.001, 0.01, 1_000)])
    equity = 1e6 * np.cumprod(1 + returns)
    trials.append(evaluate_trial(10, {"k": 10}, lambda p: equity, 1e6, SPLIT, "sharpe"))
    result = assess(trials, 10, True, SPLIT, None, GateConfig())
    assert 10 in result.gap_flagged and "train_test_gap" in result.gate.failed
