"""Portfolio optimisers: hand-derived two-asset cases, singular covariances, bounds, HRP on
blocks, optimality against random feasible portfolios, and point-in-time rebalancing."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from trading_platform.domain.futures.optimisers import (
    OPTIMISER_NAMES,
    OPTIMISERS,
    WeightBounds,
    equal_weight,
    fit_to_bounds,
    hierarchical_risk_parity,
    inverse_volatility,
    maximum_sharpe,
    minimum_variance,
    rebalance_weights,
    shrunk_covariance,
)

FREE = WeightBounds(0.0, 1.0)
# Two uncorrelated assets, daily vols 1 % and 2 %: variances 1e-4 and 4e-4.
TWO = np.diag([1e-4, 4e-4])


def test_two_uncorrelated_assets_given_each_optimiser_match_the_hand_derived_weights():
    np.testing.assert_allclose(equal_weight(TWO, FREE), [0.5, 0.5])
    # 1/sigma = (100, 50) -> (2/3, 1/3)
    np.testing.assert_allclose(inverse_volatility(TWO, FREE), [2 / 3, 1 / 3])
    # 1/var = (10,000, 2,500) -> (0.8, 0.2)
    np.testing.assert_allclose(minimum_variance(TWO, FREE), [0.8, 0.2], atol=1e-7)
    # cov^-1 mu = (0.001 / 1e-4, 0.004 / 4e-4) = (10, 10) -> (0.5, 0.5)
    np.testing.assert_allclose(maximum_sharpe(TWO, FREE, np.array([0.001, 0.004])),
                               [0.5, 0.5], atol=1e-6)
    # HRP on two clusters of one: the first gets var2 / (var1 + var2) = 4 / 5
    np.testing.assert_allclose(hierarchical_risk_parity(TWO, FREE), [0.8, 0.2])


def test_identical_assets_given_a_singular_covariance_split_equally():
    singular = np.full((2, 2), 4e-4)
    for name in OPTIMISER_NAMES:
        weights = OPTIMISERS[name](singular, FREE, np.array([0.001, 0.001]))
        np.testing.assert_allclose(weights, [0.5, 0.5], atol=1e-6, err_msg=name)


def test_singular_three_asset_covariance_given_any_optimiser_returns_valid_weights():
    # Asset 3 is the mean of assets 1 and 2: the covariance has rank 2.
    base = np.random.default_rng(3).normal(0, 0.01, (300, 2))
    returns = np.column_stack([base, base.mean(axis=1)])
    cov = np.cov(returns, rowvar=False)
    assert np.linalg.matrix_rank(cov) == 2
    for name in OPTIMISER_NAMES:
        weights = OPTIMISERS[name](cov, WeightBounds(0.0, 0.6), returns.mean(axis=0))
        assert np.isfinite(weights).all() and abs(weights.sum() - 1) < 1e-9, name
        assert (weights >= -1e-9).all() and (weights <= 0.6 + 1e-9).all(), name


def test_fit_to_bounds_given_a_capped_score_spreads_the_excess_in_proportion():
    # (0.6, 0.2, 0.2) capped at 0.4: the other two share 0.6 equally -> (0.4, 0.3, 0.3)
    np.testing.assert_allclose(fit_to_bounds(np.array([0.6, 0.2, 0.2]), WeightBounds(0, 0.4)),
                               [0.4, 0.3, 0.3])
    # (0.9, 0.08, 0.02) with a 5 % floor: 0.02 -> 0.05; 0.95 split 90:8 -> 0.8724, 0.0776
    np.testing.assert_allclose(
        fit_to_bounds(np.array([0.9, 0.08, 0.02]), WeightBounds(0.05, 1.0)),
        [0.95 * 0.9 / 0.98, 0.95 * 0.08 / 0.98, 0.05])


def test_weight_bounds_given_bounds_that_cannot_sum_to_one_raise_naming_them():
    with pytest.raises(ValueError, match=r"\[0.0, 0.2\] cannot sum to 1 over 3 assets"):
        equal_weight(np.eye(3), WeightBounds(0.0, 0.2))
    with pytest.raises(ValueError, match="lower <= upper"):
        WeightBounds(0.5, 0.4)


@pytest.mark.parametrize("bounds", [WeightBounds(0.0, 0.4), WeightBounds(0.05, 0.5),
                                    WeightBounds(-0.3, 0.5)])
@pytest.mark.parametrize("seed", range(5))
def test_every_optimiser_given_random_covariances_sums_to_one_within_bounds(bounds, seed):
    rng = np.random.default_rng(seed)
    returns = rng.normal(0.0003, 0.015, (250, 5)) @ rng.normal(0, 1, (5, 5)) * 0.5
    cov, mu = shrunk_covariance(returns), returns.mean(axis=0)
    for name in OPTIMISER_NAMES:
        weights = OPTIMISERS[name](cov, bounds, mu)
        assert abs(weights.sum() - 1.0) < 1e-9, name
        assert (weights >= bounds.lower - 1e-9).all() and (weights <= bounds.upper + 1e-9).all()


def _feasible(rng: np.random.Generator, bounds: WeightBounds, n: int, count: int):
    for _ in range(count):
        yield fit_to_bounds(rng.dirichlet(np.ones(n)), bounds)


@pytest.mark.parametrize("seed", range(3))
def test_minimum_variance_and_maximum_sharpe_given_random_portfolios_none_does_better(seed):
    rng = np.random.default_rng(10 + seed)
    returns = rng.normal(0.0004, 0.012, (300, 4)) @ rng.normal(0, 1, (4, 4)) * 0.6
    cov, mu = shrunk_covariance(returns), np.abs(returns.mean(axis=0)) + 1e-5
    bounds = WeightBounds(0.0, 0.6)
    best_var = minimum_variance(cov, bounds)
    best_sharpe = maximum_sharpe(cov, bounds, mu)

    def sharpe(w):
        return w @ mu / np.sqrt(w @ cov @ w)

    for w in _feasible(rng, bounds, 4, 2000):
        assert best_var @ cov @ best_var <= w @ cov @ w + 1e-15
        assert sharpe(best_sharpe) >= sharpe(w) - 1e-9


def test_hrp_given_block_diagonal_covariance_splits_by_blocks_not_by_list_halves():
    # Blocks interleaved in the list: A = {0, 2} (vol 1 %, rho 0.9), B = {1, 3} (vol 2 %).
    # Inverse-variance portfolio of a block: 0.25 x (1 + 1 + 2 x 0.9) var = 0.95 var, so
    # A gets 0.95 x 4e-4 / (0.95 x 1e-4 + 0.95 x 4e-4) = 0.8, split equally inside it.
    cov = np.zeros((4, 4))
    for block, var in (([0, 2], 1e-4), ([1, 3], 4e-4)):
        cov[np.ix_(block, block)] = var * np.array([[1.0, 0.9], [0.9, 1.0]])
    np.testing.assert_allclose(hierarchical_risk_parity(cov, FREE), [0.4, 0.1, 0.4, 0.1])


def test_rebalance_weights_given_a_future_shock_earlier_weights_are_unchanged():
    # Planted: a shock after the second rebalance day must not move the first two rows.
    rng = np.random.default_rng(5)
    returns = rng.normal(0, 0.01, (200, 3))
    rows = np.array([99, 139, 179])
    before = rebalance_weights(returns, rows, 60, "minimum_variance", WeightBounds(0, 0.7))
    shocked = returns.copy()
    shocked[140:, 0] *= 8
    after = rebalance_weights(shocked, rows, 60, "minimum_variance", WeightBounds(0, 0.7))
    np.testing.assert_array_equal(after[:2], before[:2])
    assert after[2, 0] < before[2, 0] - 0.05  # the shocked asset is cut once it is known


def test_rebalance_weights_given_unknown_optimiser_names_the_choices():
    with pytest.raises(ValueError, match="unknown optimiser 'risk_magic'; choose one of "
                                         "equal_weight"):
        rebalance_weights(np.zeros((10, 2)), np.array([9]), 5, "risk_magic", FREE)


def test_shrunk_covariance_given_rows_with_a_missing_bar_uses_complete_rows_only():
    returns = np.random.default_rng(6).normal(0, 0.01, (50, 2))
    gappy = returns.copy()
    gappy[10, 1] = np.nan
    np.testing.assert_allclose(shrunk_covariance(gappy),
                               shrunk_covariance(np.delete(returns, 10, axis=0)))


@pytest.mark.parametrize("seed", range(4))
def test_shrunk_covariance_given_random_returns_equals_scikit_learns_ledoit_wolf(seed):
    from sklearn.covariance import LedoitWolf

    rng = np.random.default_rng(seed)
    returns = rng.normal(0.0002, 0.01, (int(rng.integers(20, 300)), int(rng.integers(2, 8))))
    np.testing.assert_allclose(shrunk_covariance(returns),
                               LedoitWolf().fit(returns).covariance_, rtol=1e-10, atol=1e-18)


def _sharpe(weights: np.ndarray, cov: np.ndarray, mu: np.ndarray) -> float:
    return float(weights @ mu / np.sqrt(weights @ cov @ weights))


@pytest.mark.parametrize("seed", range(5))
def test_maximum_sharpe_given_fifty_assets_returns_the_optimum_the_solver_stalled_at(seed):
    # SLSQP at ftol 1e-15 stops with "Positive directional derivative for linesearch" on most
    # of these books; a looser ftol converges: the weights must be the same optimum
    returns = np.random.default_rng(seed).normal(0.0, 0.01, (60, 50))
    cov, mu = shrunk_covariance(returns), returns.mean(axis=0)
    weights = maximum_sharpe(cov, WeightBounds(0.01, 0.4), mu)
    assert weights.sum() == pytest.approx(1.0)
    assert weights.min() >= 0.01 - 1e-9 and weights.max() <= 0.4 + 1e-9
    reference = minimize(lambda w: -_sharpe(w, cov, mu), np.full(50, 0.02), method="SLSQP",
                         bounds=[(0.01, 0.4)] * 50,
                         constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0}],
                         options={"ftol": 1e-12, "maxiter": 1000})
    assert reference.success
    assert _sharpe(weights, cov, mu) == pytest.approx(_sharpe(reference.x, cov, mu), rel=1e-5)
