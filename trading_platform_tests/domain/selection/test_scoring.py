"""Candidate scoring and thresholds: hand-derived cases."""

import numpy as np
import polars as pl
import pytest

from trading_platform.config.selection import SelectionConfig
from trading_platform.domain.selection.scoring import normalise, score_candidates


def test_normalise_given_values_scales_best_to_one_and_handles_ties_and_nan():
    np.testing.assert_allclose(normalise(np.array([1.0, 2.0, 3.0]), True), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(normalise(np.array([1.0, 2.0, 3.0]), False), [1.0, 0.5, 0.0])
    np.testing.assert_allclose(normalise(np.array([2.0, 2.0]), True), [1.0, 1.0])
    np.testing.assert_allclose(normalise(np.array([np.nan, 1.0, 3.0]), True), [0.0, 0.0, 1.0])


def test_score_candidates_given_two_candidates_weights_and_thresholds_apply():
    # A is better on every metric but turnover: normalised A = (1, 1, 1, 0, 1),
    # B = (0, 0, 0, 1, 0). Score A = 0.30 + 0.25 + 0.20 + 0.10 = 0.85; B = 0.15.
    candidates = pl.DataFrame({
        "model": ["xgboost", "naive_rw"], "strategy": ["consensus", "equal_batch"],
        "sharpe": [1.2, 0.4], "max_drawdown": [-0.10, -0.30], "calmar": [0.9, 0.1],
        "turnover": [0.5, 0.1], "regime_consistency": [1.0, 0.5]})
    scored = score_candidates(candidates, SelectionConfig())
    assert scored["model"].to_list() == ["xgboost", "naive_rw"]
    assert scored["score"].to_list() == pytest.approx([0.85, 0.15])
    # A misses only turnover (0.5 > 0.40); B misses Sharpe, drawdown and Calmar.
    assert scored["failed"].to_list() == [["max_turnover"],
                                          ["min_sharpe", "min_max_drawdown", "min_calmar"]]
    assert scored["passes"].to_list() == [False, False]


def test_score_candidates_given_nan_metric_fails_its_threshold():
    candidates = pl.DataFrame({"sharpe": [float("nan")], "max_drawdown": [-0.05],
                               "calmar": [1.0], "turnover": [0.1], "regime_consistency": [1.0]})
    scored = score_candidates(candidates, SelectionConfig())
    assert scored["failed"].to_list() == [["min_sharpe"]]
    # Sharpe NaN -> 0; every other metric is the only value -> 1: 1 - 0.30 = 0.70.
    assert scored["score"].item() == pytest.approx(0.70)


def test_normalise_given_infinite_values_puts_them_at_their_end():
    # A Calmar without a drawdown is +inf: the best, not (as a NaN would) the worst.
    assert normalise(np.array([np.inf, 1.0, 3.0]), True).tolist() == [1.0, 0.0, 1.0]
    assert normalise(np.array([np.inf, 1.0, 3.0]), False).tolist() == [0.0, 1.0, 0.0]
    assert normalise(np.array([np.inf, 2.0, 2.0]), True).tolist() == [1.0, 0.5, 0.5]
    assert normalise(np.array([np.inf, np.nan]), True).tolist() == [1.0, 0.0]
