"""PBO by CSCV on cases with known answers (a hand-derived reversal, a persistent edge, pure
noise near 0.5) and the stability of the best run among its neighbours."""

from __future__ import annotations

import math

import numpy as np
import pytest

from trading_platform.domain.research.overfitting import (
    block_splits,
    grid_neighbours,
    nearest_neighbours,
    neighbourhood_stability,
    probability_of_backtest_overfitting,
)


def test_block_splits_given_16_blocks_gives_12870_symmetric_halves():
    splits = block_splits(16)
    assert splits.shape == (12_870, 16) and set(splits.sum(axis=1)) == {8.0}
    rows = {tuple(row) for row in splits.astype(int)}
    assert len(rows) == 12_870 and all(tuple(1 - np.array(r)) in rows for r in rows)


def test_pbo_given_trials_that_swap_between_halves_is_one():
    # Two blocks of two days. A earns in the first block and loses in the second, B the
    # reverse: the training winner (A on block 1, B on block 2) is the test loser: rank 1 of
    # 2, w = 1/3, logit log(1/2) < 0 on both splits, so PBO = 1.
    a = [0.02, 0.01, -0.01, -0.02]
    b = [-0.01, -0.02, 0.02, 0.01]
    result = probability_of_backtest_overfitting(np.column_stack([a, b]), blocks=2)
    assert result.pbo == 1.0 and result.splits == 2
    np.testing.assert_allclose(result.logits, [math.log(0.5)] * 2)


def test_pbo_given_one_trial_with_a_persistent_edge_is_zero():
    rng = np.random.default_rng(3)
    returns = rng.normal(0.0, 0.01, (1_600, 40))
    returns[:, 11] += 0.004  # a daily Sharpe of 0.4 on every block
    assert probability_of_backtest_overfitting(returns).pbo == 0.0


def test_pbo_given_pure_noise_comes_out_near_one_half():
    values = [probability_of_backtest_overfitting(
        np.random.default_rng(seed).normal(0.0, 0.01, (800, 50))).pbo for seed in range(8)]
    assert 0.4 <= float(np.mean(values)) <= 0.6


def test_pbo_given_too_few_days_or_one_trial_refuses():
    with pytest.raises(ValueError, match="at least 32 days for 16 blocks"):
        probability_of_backtest_overfitting(np.zeros((20, 3)))
    with pytest.raises(ValueError, match="at least 2 trials"):
        probability_of_backtest_overfitting(np.zeros((100, 1)))


GRID = [{"fast": f, "slow": s} for f in (5, 10, 20) for s in (50, 100, 200)]


def test_grid_neighbours_given_the_centre_are_the_four_one_step_moves():
    centre = GRID.index({"fast": 10, "slow": 100})
    found = {(GRID[i]["fast"], GRID[i]["slow"]) for i in grid_neighbours(GRID, centre)}
    assert found == {(5, 100), (20, 100), (10, 50), (10, 200)}


def test_nearest_neighbours_given_a_corner_takes_the_closest_scaled_runs():
    corner = GRID.index({"fast": 5, "slow": 50})
    # scaled: fast 5 -> 0, 10 -> 1/3, 20 -> 1; slow 50 -> 0, 100 -> 1/3, 200 -> 1
    assert {(GRID[i]["fast"], GRID[i]["slow"]) for i in nearest_neighbours(GRID, corner, 3)} \
        == {(10, 50), (5, 100), (10, 100)}


def test_neighbourhood_stability_given_a_lone_peak_has_a_small_ratio():
    objective = np.array([0.1, 0.2, 0.1, 0.2, 2.0, 0.3, 0.1, 0.2, 0.1])
    centre = GRID.index({"fast": 10, "slow": 100})
    stability = neighbourhood_stability(objective, centre, grid_neighbours(GRID, centre))
    # neighbours 0.2, 0.2, 0.3, 0.2: median 0.2, ratio 0.2 / 2.0 = 0.1
    assert (stability.best, stability.neighbours_median, stability.neighbours) == (2.0, 0.2, 4)
    assert stability.ratio == pytest.approx(0.1)
