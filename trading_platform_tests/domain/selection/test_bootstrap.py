"""Block-bootstrap intervals: the resampling scheme, determinism and coverage."""

import numpy as np
import pytest

from trading_platform.domain.inventory.metrics import sharpe_ratio
from trading_platform.domain.selection.bootstrap import (
    block_indices,
    mean_difference_interval,
    resampled_means,
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


def test_resampled_means_given_tiny_series_matches_hand_derived_blocks():
    # 5 days [1, 2, 3, 4, 5], blocks of 2 -> 3 blocks, the last cut to 1 day. Starts drawn by
    # the seed; a start of 4 wraps: days 4, 0 -> 5 + 1.
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    starts = np.random.default_rng(9).integers(0, 5, size=(1, 3))[0]
    expected = sum(values[(s + k) % 5] for s, n in zip(starts, (2, 2, 1), strict=True)
                   for k in range(n)) / 5
    assert resampled_means(values, 2, 1, seed=9)[0] == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(("n", "block"), [(250, 20), (1301, 20), (37, 5), (10, 40), (1, 3)])
def test_resampled_means_given_random_series_equal_the_materialised_resamples(n, block):
    # The fast path and its reference: indices materialised by block_indices, then averaged.
    values = np.random.default_rng(n).normal(0, 1, n)
    reference = values[block_indices(n, block, 400, seed=5)].mean(axis=1)
    np.testing.assert_allclose(resampled_means(values, block, 400, seed=5), reference,
                               rtol=1e-12, atol=1e-12)


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
