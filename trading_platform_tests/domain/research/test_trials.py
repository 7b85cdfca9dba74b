"""A trial measures train and test windows of one equity path, and a failing strategy is a
failed trial with its error."""

from __future__ import annotations

import numpy as np
import pytest

from trading_platform.domain.futures.backtest import equity_metrics
from trading_platform.domain.research.folds import Fold
from trading_platform.domain.research.trials import evaluate_trial, window_metrics


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
