"""Block-bootstrap intervals: the resampling scheme, determinism and coverage."""

import numpy as np
import pytest

from trading_platform.domain.inventory.metrics import sharpe_ratio
from trading_platform.domain.selection.bootstrap import (
    block_indices,
    mean_difference_interval,
    sharpe_interval,
)


def test_block_indices_given_block_of_three_draws_consecutive_wrapping_days():
    rows = block_indices(7, 3, 50, seed=1)
    assert rows.shape == (50, 7)
    # Within each block of 3 the days follow one another modulo 7 (6 -> 0 wraps).
    for row in rows:
        for start in range(0, 6, 3):
            block = row[start:start + 3]
            assert list(np.diff(block) % 7) == [1, 1][:len(block) - 1]


def test_sharpe_interval_given_same_seed_is_deterministic_and_brackets_estimate():
    returns = np.random.default_rng(2).normal(0.001, 0.01, 300)
    first, second = sharpe_interval(returns, seed=4), sharpe_interval(returns, seed=4)
    assert first == second
    assert first.estimate == pytest.approx(sharpe_ratio(returns))
    assert first.low < first.estimate < first.high


def test_sharpe_interval_given_too_few_days_is_nan():
    interval = sharpe_interval(np.array([0.01]))
    assert np.isnan(interval.estimate) and np.isnan(interval.low)


def test_mean_difference_interval_given_identical_series_is_zero_width():
    series = np.random.default_rng(3).normal(0, 1, 100)
    interval = mean_difference_interval(series, series)
    assert (interval.estimate, interval.low, interval.high) == (0.0, 0.0, 0.0)


def test_mean_difference_interval_given_known_mean_covers_it_most_of_the_time():
    # 200 independent draws with a true paired difference of 0.5: a 90 % interval should
    # contain 0.5 in roughly 90 % of them (binomial sd ~2 %, so >= 80 % is a loose floor).
    rng = np.random.default_rng(11)
    covered = 0
    for trial in range(200):
        a = rng.normal(0.5, 1.0, 250)
        interval = mean_difference_interval(a, np.zeros(250), block=5, resamples=300,
                                            seed=trial)
        covered += interval.low <= 0.5 <= interval.high
    assert covered >= 160


def test_mean_difference_interval_given_unequal_lengths_refuses():
    with pytest.raises(ValueError, match="differ in length"):
        mean_difference_interval(np.zeros(3), np.zeros(4))
