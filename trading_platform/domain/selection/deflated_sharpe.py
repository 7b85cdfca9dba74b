"""The Deflated Sharpe Ratio: how likely a champion's Sharpe ratio is real, given how many
candidates were compared to find it (Bailey and Lopez de Prado, "The Deflated Sharpe Ratio",
Journal of Portfolio Management, 2014).

Conventions (stated once):
- Sharpe ratios here are **per observation** (daily, not annualised): mean / standard deviation
  (ddof 1) of the returns. ``annualised / sqrt(periods per year)`` converts.
- ``kurtosis`` is the plain fourth standardised moment (3 for a normal distribution, not the
  excess); ``skew`` the third. Both are population moments of the returns.
- The expected maximum Sharpe ratio among ``n_trials`` unskilled candidates whose Sharpe ratios
  vary with ``variance`` is
  ``sqrt(variance) x ((1 - g) x Z(1 - 1/N) + g x Z(1 - 1/(N e)))``, ``g`` the Euler-Mascheroni
  constant and ``Z`` the standard normal quantile; with a single trial it is 0 (nothing was
  picked, the ratio is the Probabilistic Sharpe Ratio against 0).
- DSR = ``Phi((SR - SR0) x sqrt(T - 1) / sqrt(1 - skew x SR + (kurtosis - 1) / 4 x SR^2))``,
  the probability that the true Sharpe ratio exceeds ``SR0``. A desk reads DSR >= 0.95 as
  "the Sharpe ratio survives the number of candidates tried".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

EULER_GAMMA = 0.5772156649015329
_NORMAL = NormalDist()


@dataclass(frozen=True)
class DeflatedSharpe:
    """The champion's per-observation Sharpe ``sharpe``, the benchmark ``expected_max`` that
    ``n_trials`` candidates reach by luck, and the probability ``dsr`` that it beats it."""

    sharpe: float
    expected_max: float
    n_trials: int
    n_obs: int
    skew: float
    kurtosis: float
    dsr: float


def expected_max_sharpe(n_trials: int, variance: float) -> float:
    """Expected maximum per-observation Sharpe of ``n_trials`` unskilled candidates."""
    if n_trials < 1:
        raise ValueError(f"n_trials must be >= 1, got {n_trials}")
    if n_trials == 1 or variance <= 0:
        return 0.0
    first = _NORMAL.inv_cdf(1.0 - 1.0 / n_trials)
    second = _NORMAL.inv_cdf(1.0 - 1.0 / (n_trials * math.e))
    return math.sqrt(variance) * ((1.0 - EULER_GAMMA) * first + EULER_GAMMA * second)


def probabilistic_sharpe(sharpe: float, benchmark: float, n_obs: int, skew: float,
                         kurtosis: float) -> float:
    """Probability that the true per-observation Sharpe exceeds ``benchmark``; NaN when the
    estimate's variance term is not positive or there are fewer than two observations."""
    spread = 1.0 - skew * sharpe + (kurtosis - 1.0) / 4.0 * sharpe * sharpe
    if n_obs < 2 or not spread > 0:
        return math.nan
    return _NORMAL.cdf((sharpe - benchmark) * math.sqrt(n_obs - 1) / math.sqrt(spread))


def return_moments(returns: np.ndarray) -> tuple[float, float, float]:
    """(per-observation Sharpe, skew, kurtosis) of ``returns``; (0, 0, 3) when constant."""
    values = np.asarray(returns, dtype=np.float64)
    if values.size < 2 or np.ptp(values) == 0:
        return 0.0, 0.0, 3.0
    centred = values - values.mean()
    population_sd = math.sqrt(float(np.mean(centred ** 2)))
    skew = float(np.mean(centred ** 3)) / population_sd ** 3
    kurtosis = float(np.mean(centred ** 4)) / population_sd ** 4
    return float(values.mean() / values.std(ddof=1)), skew, kurtosis


def deflated_sharpe(returns: np.ndarray, n_trials: int,
                    trial_sharpe_variance: float) -> DeflatedSharpe:
    """DSR of the candidate whose daily ``returns`` are given, picked among ``n_trials``
    candidates whose per-observation Sharpe ratios have ``trial_sharpe_variance``."""
    sharpe, skew, kurtosis = return_moments(returns)
    benchmark = expected_max_sharpe(n_trials, trial_sharpe_variance)
    n_obs = int(np.size(returns))
    return DeflatedSharpe(sharpe=sharpe, expected_max=benchmark, n_trials=n_trials,
                          n_obs=n_obs, skew=skew, kurtosis=kurtosis,
                          dsr=probabilistic_sharpe(sharpe, benchmark, n_obs, skew, kurtosis))
