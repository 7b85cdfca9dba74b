"""The Deflated Sharpe Ratio against the paper's worked example and hand-derived cases."""

import math

import numpy as np
import pytest

from trading_platform.domain.selection.deflated_sharpe import (
    deflated_sharpe,
    expected_max_sharpe,
    probabilistic_sharpe,
    return_moments,
)

# Bailey and Lopez de Prado (2014), section "A numerical example": annualised SR 2.5 over
# T = 1,250 daily observations (5 years of 250 days), N = 100 trials whose annualised Sharpe
# ratios have variance 0.5, returns with skew -3 and kurtosis 10. The paper reports
# SR0 = 0.1132 (per day) and DSR = 0.9004.
PAPER_DAYS_PER_YEAR = 250


def test_expected_max_sharpe_given_paper_example_matches_published_benchmark():
    variance = 0.5 / PAPER_DAYS_PER_YEAR  # annualised variance -> per day
    assert expected_max_sharpe(100, variance) == pytest.approx(0.1132, abs=5e-5)


def test_probabilistic_sharpe_given_paper_example_matches_published_dsr():
    sharpe = 2.5 / math.sqrt(PAPER_DAYS_PER_YEAR)
    benchmark = expected_max_sharpe(100, 0.5 / PAPER_DAYS_PER_YEAR)
    assert probabilistic_sharpe(sharpe, benchmark, 1250, -3.0, 10.0) == pytest.approx(
        0.9004, abs=5e-4)


def test_expected_max_sharpe_given_one_trial_is_zero_and_grows_with_trials():
    # One candidate was not picked from anything; more candidates make luck likelier.
    assert expected_max_sharpe(1, 0.01) == 0.0
    assert 0 < expected_max_sharpe(10, 0.01) < expected_max_sharpe(100, 0.01)


def test_probabilistic_sharpe_given_normal_returns_hand_derived():
    # SR 0.1 vs benchmark 0, T = 101, skew 0, kurtosis 3: z = 0.1 x 10 / sqrt(1 + 0.5 x 0.01)
    # = 1 / 1.0024969 = 0.997509; Phi(0.997509) = 0.840741.
    assert probabilistic_sharpe(0.1, 0.0, 101, 0.0, 3.0) == pytest.approx(0.840741, abs=1e-6)


def test_return_moments_given_constant_returns_reports_no_sharpe():
    assert return_moments(np.full(10, 0.01)) == (0.0, 0.0, 3.0)


def test_deflated_sharpe_given_more_trials_deflates_more():
    returns = np.random.default_rng(3).normal(0.001, 0.01, 500)
    few, many = deflated_sharpe(returns, 2, 1e-3), deflated_sharpe(returns, 50, 1e-3)
    assert few.n_trials == 2 and many.n_trials == 50 and few.n_obs == 500
    assert many.expected_max > few.expected_max and many.dsr < few.dsr


def test_return_moments_given_random_returns_match_numpy_moments():
    returns = np.random.default_rng(5).standard_t(5, 2000) * 0.01
    sharpe, skew, kurtosis = return_moments(returns)
    centred = returns - returns.mean()
    sd = np.sqrt(np.mean(centred ** 2))
    assert sharpe == pytest.approx(returns.mean() / returns.std(ddof=1))
    assert skew == pytest.approx(np.mean(centred ** 3) / sd ** 3)
    assert kurtosis == pytest.approx(np.mean(centred ** 4) / sd ** 4)
