"""A trial measures train and test windows of one equity path, and a failing strategy is a
failed trial with its error; a staged trial can be pruned after a stage, and stops its work
there."""

from __future__ import annotations

import numpy as np
import pytest

from trading_platform.domain.futures.backtest import equity_metrics
from trading_platform.domain.research.folds import Fold
from trading_platform.domain.research.trials import (
    evaluate_staged_trial,
    evaluate_trial,
    window_metrics,
)


def test_window_metrics_given_a_later_window_starts_from_the_equity_before_it():
    # Equity 100, 110, 121, 133.1: the test window (days 2..3) starts from 110, so its
    # returns are 10 % and 10 %, as the whole path's are.
    equity = np.array([110.0, 121.0, 133.1])
    test = window_metrics(equity, 100.0, 1, 3)
    assert test == equity_metrics(np.array([121.0, 133.1]), 110.0)
    assert test["cagr"] == pytest.approx(1.1 ** 252 - 1)


def test_evaluate_trial_given_an_equity_path_reports_both_windows_and_the_objective():
    rng = np.random.default_rng(1)
    equity = 1e6 * np.cumprod(1 + rng.normal(0.0005, 0.01, 400))
    result = evaluate_trial(3, {"fast": 10}, lambda p: equity, 1e6, Fold(0, 300, 300, 400),
                            "sharpe", clock=iter([0.0, 2.5]).__next__)
    assert result.status == "done" and result.seconds == 2.5
    assert result.objective == result.test["sharpe"] == window_metrics(equity, 1e6, 300,
                                                                        400)["sharpe"]
    assert result.train_objective == window_metrics(equity, 1e6, 0, 300)["sharpe"]
    np.testing.assert_allclose(result.returns[1:], equity[1:] / equity[:-1] - 1)


def test_evaluate_trial_given_a_strategy_that_raises_is_a_failed_trial_with_its_error():
    def broken(params):
        raise ZeroDivisionError("division by zero")

    result = evaluate_trial(0, {"fast": 0}, broken, 1e6, Fold(0, 10, 10, 20), "sharpe")
    assert result.status == "failed" and result.error == "ZeroDivisionError: division by zero"
    with pytest.raises(ValueError, match="objective 'profit'"):
        evaluate_trial(0, {}, broken, 1e6, Fold(0, 10, 10, 20), "profit")


def _stages(paths, computed):
    """Stages over ``paths`` that record which ones were computed."""
    def stages_of(params):
        for i, path in enumerate(paths):
            computed.append(i)
            yield path, i == len(paths) - 1
    return stages_of


def test_evaluate_staged_trial_given_a_pruner_that_stops_is_pruned_and_skips_later_stages():
    # Stage 1: equity 100 -> 110 -> 99 over a test window of the last two days; its Sharpe
    # is that partial book's. The pruner says stop, so stage 2 is never computed.
    rng = np.random.default_rng(2)
    paths = [1e6 * np.cumprod(1 + rng.normal(0, 0.01, 200)) for _ in range(3)]
    computed, reported = [], []

    def prune(stage, value):
        reported.append((stage, value))
        return True

    result = evaluate_staged_trial(4, {"threshold": 0.8}, _stages(paths, computed), 1e6,
                                   Fold(0, 150, 150, 200), "sharpe", prune)
    assert computed == [0] and result.status == "pruned"
    partial = window_metrics(paths[0], 1e6, 150, 200)["sharpe"]
    assert reported == [(0, partial)]
    assert result.error == f"pruned after stage 1: partial test sharpe {partial:.3f}"
    assert result.returns.size == 0 and result.test == {}


def test_evaluate_staged_trial_given_no_pruning_measures_the_last_stage_only():
    rng = np.random.default_rng(3)
    paths = [1e6 * np.cumprod(1 + rng.normal(0.0003, 0.01, 200)) for _ in range(3)]
    computed, steps = [], []
    kept = evaluate_staged_trial(0, {}, _stages(paths, computed), 1e6, Fold(0, 150, 150, 200),
                                 "sharpe", lambda stage, value: steps.append(stage) or False)
    whole = evaluate_trial(0, {}, lambda p: paths[-1], 1e6, Fold(0, 150, 150, 200), "sharpe")
    assert computed == [0, 1, 2] and steps == [0, 1]  # the last stage is never reported
    assert kept.status == "done" and kept.objective == whole.objective
    np.testing.assert_array_equal(kept.returns, whole.returns)
