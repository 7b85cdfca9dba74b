"""Portfolio optimisers for the futures book: weights across commodities, point in time.

Array conventions (stated once): ``returns`` is ``(n_days, n_assets)`` float64 daily simple
returns of each commodity's back-adjusted series, oldest first, NaN where a commodity has no
bar; a covariance is ``(n_assets, n_assets)`` of daily returns; ``mu`` is ``(n_assets,)``
expected daily returns. Weights are ``(n_assets,)`` shares of the book's risk capital that sum
to 1 and lie within ``WeightBounds`` (for long/short books a weight may be negative; the sum is
still 1). Annualisation is never applied here: ratios of daily figures order portfolios the same
way as annual ones.

Every optimiser sees only the rows it is given: ``rebalance_weights`` hands each rebalance day
the trailing window that ends at that day's close, never a later row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import linkage, to_tree
from scipy.optimize import OptimizeResult, minimize

OPTIMISER_NAMES = ("equal_weight", "inverse_volatility", "minimum_variance", "maximum_sharpe",
                   "hierarchical_risk_parity")
_RIDGE = 1e-10  # relative ridge keeping a singular covariance invertible for the solvers
_TOLERANCE = 1e-12
_FEASIBLE = 1e-9  # how far a stalled solver's weights may sit off the bounds and the sum
_LINE_SEARCH_STALL = 8  # SLSQP: "Positive directional derivative for linesearch"


@dataclass(frozen=True)
class WeightBounds:
    """Per-position bounds: ``lower <= w_i <= upper`` for every asset.

    A long-only book has ``lower >= 0``; a long/short book a negative ``lower``. With ``n``
    assets the bounds must admit weights summing to 1: ``n * lower <= 1 <= n * upper``.
    """

    lower: float = 0.0
    upper: float = 1.0

    def __post_init__(self) -> None:
        if not -1.0 <= self.lower <= self.upper <= 1.0:
            raise ValueError(f"weight bounds need -1 <= lower <= upper <= 1, got lower "
                             f"{self.lower}, upper {self.upper}")

    @property
    def long_only(self) -> bool:
        return self.lower >= 0.0

    def check_feasible(self, n_assets: int) -> None:
        if not n_assets * self.lower - _TOLERANCE <= 1.0 <= n_assets * self.upper + _TOLERANCE:
            raise ValueError(f"weight bounds [{self.lower}, {self.upper}] cannot sum to 1 over "
                             f"{n_assets} assets: need {n_assets} x lower <= 1 <= {n_assets} x "
                             "upper")


def shrunk_covariance(returns: np.ndarray) -> np.ndarray:
    """Ledoit-Wolf shrinkage covariance of the rows with a return for every asset: the sample
    covariance (centred, divided by n) shrunk toward ``mean variance x I`` by the
    Ledoit-Wolf (2004) intensity. Equal to scikit-learn's ``LedoitWolf`` (tested), without its
    per-call validation, which cost more than the estimate on these small windows."""
    X = returns[np.isfinite(returns).all(axis=1)]
    n, p = X.shape
    if n < 2:
        raise ValueError(f"covariance needs at least 2 days with every asset's return, got {n}")
    X = X - X.mean(axis=0)
    sample = X.T @ X / n
    mu = float(np.trace(sample)) / p
    squared = X ** 2
    beta = float(np.sum(squared.T @ squared)) / n
    delta = float(np.sum((X.T @ X) ** 2)) / n ** 2
    beta = (beta - delta) / (p * n)
    delta = (delta - 2.0 * mu * float(squared.sum()) / n + p * mu ** 2) / p
    shrinkage = 0.0 if beta == 0 else min(beta, delta) / delta
    return (1.0 - shrinkage) * sample + shrinkage * mu * np.eye(p)


def fit_to_bounds(raw: np.ndarray, bounds: WeightBounds) -> np.ndarray:
    """The weights closest in shape to ``raw`` (non-negative scores) that sum to 1 within
    ``bounds``: scale, clip what leaves the bounds, spread the remainder over the others in
    proportion to their scores, and repeat (at most ``n`` rounds)."""
    n = raw.shape[0]
    bounds.check_feasible(n)
    scores = np.where(np.isfinite(raw) & (raw > 0), raw, 0.0)
    if scores.sum() <= 0:
        scores = np.ones(n)
    weights = np.zeros(n)
    free = np.ones(n, dtype=bool)
    for _ in range(n + 1):
        left = 1.0 - weights[~free].sum()
        share = scores[free].sum()
        weights[free] = left * scores[free] / share if share > 0 else left / free.sum()
        low, high = weights < bounds.lower - _TOLERANCE, weights > bounds.upper + _TOLERANCE
        if not (low | high).any():
            break
        weights = np.clip(weights, bounds.lower, bounds.upper)
        free &= ~(low | high)
        if not free.any():
            break
    return weights


def equal_weight(cov: np.ndarray, bounds: WeightBounds) -> np.ndarray:
    """1 / n each."""
    return fit_to_bounds(np.ones(cov.shape[0]), bounds)


def inverse_volatility(cov: np.ndarray, bounds: WeightBounds) -> np.ndarray:
    """Weights proportional to 1 / sigma_i: each position carries about the same risk alone."""
    return fit_to_bounds(1.0 / np.sqrt(np.maximum(np.diag(cov), _TOLERANCE)), bounds)


def minimum_variance(cov: np.ndarray, bounds: WeightBounds) -> np.ndarray:
    """The weights of least portfolio variance ``w' cov w`` within the bounds."""
    return _solve(lambda w: w @ _ridged(cov) @ w, lambda w: 2 * _ridged(cov) @ w, cov, bounds)


def maximum_sharpe(cov: np.ndarray, bounds: WeightBounds, mu: np.ndarray) -> np.ndarray:
    """The weights of the highest ``w' mu / sqrt(w' cov w)`` within the bounds.

    When no asset is expected to earn (every ``mu <= 0`` in a long-only book) there is no
    positive Sharpe to seek: the minimum-variance weights are returned.
    """
    if bounds.long_only and not (mu > 0).any():
        return minimum_variance(cov, bounds)
    ridged = _ridged(cov)

    def negative_sharpe(w: np.ndarray) -> float:
        return -float(w @ mu) / np.sqrt(max(float(w @ ridged @ w), _TOLERANCE))

    def gradient(w: np.ndarray) -> np.ndarray:
        variance = max(float(w @ ridged @ w), _TOLERANCE)
        return -(mu * variance - float(w @ mu) * (ridged @ w)) / variance ** 1.5

    start = fit_to_bounds(np.maximum(np.linalg.solve(ridged, mu), 0.0), bounds)
    return _solve(negative_sharpe, gradient, cov, bounds, start)


def hierarchical_risk_parity(cov: np.ndarray, bounds: WeightBounds) -> np.ndarray:
    """Hierarchical risk parity (Lopez de Prado 2016): cluster the assets by correlation
    distance ``sqrt((1 - rho) / 2)`` (single linkage), then split the capital top-down at
    every branch of the tree in inverse proportion to the two clusters' inverse-variance
    portfolio variances. Splitting at the tree's branches (not at halves of the ordered list)
    keeps blocks of correlated assets together."""
    n = cov.shape[0]
    if n == 1:
        return fit_to_bounds(np.ones(1), bounds)
    vol = np.sqrt(np.maximum(np.diag(cov), _TOLERANCE))
    corr = np.clip(cov / np.outer(vol, vol), -1.0, 1.0)
    distance = np.sqrt(np.clip((1.0 - corr) / 2.0, 0.0, None))
    condensed = distance[np.triu_indices(n, k=1)]
    tree = to_tree(linkage(condensed, method="single"))
    raw = np.ones(n)
    stack = [tree]
    while stack:
        node = stack.pop()
        if node.is_leaf():
            continue
        left, right = node.get_left(), node.get_right()
        left_var = _cluster_variance(cov, left.pre_order())
        right_var = _cluster_variance(cov, right.pre_order())
        alpha = right_var / (left_var + right_var) if left_var + right_var > 0 else 0.5
        raw[left.pre_order()] *= alpha
        raw[right.pre_order()] *= 1.0 - alpha
        stack += [left, right]
    return fit_to_bounds(raw, bounds)


Optimiser = Callable[[np.ndarray, WeightBounds, np.ndarray], np.ndarray]
OPTIMISERS: dict[str, Optimiser] = {
    "equal_weight": lambda cov, bounds, mu: equal_weight(cov, bounds),
    "inverse_volatility": lambda cov, bounds, mu: inverse_volatility(cov, bounds),
    "minimum_variance": lambda cov, bounds, mu: minimum_variance(cov, bounds),
    "maximum_sharpe": maximum_sharpe,
    "hierarchical_risk_parity": lambda cov, bounds, mu: hierarchical_risk_parity(cov, bounds),
}


def rebalance_weights(returns: np.ndarray, rebalance_rows: np.ndarray, window: int,
                      optimiser: str, bounds: WeightBounds,
                      expected: np.ndarray | None = None) -> np.ndarray:
    """``(len(rebalance_rows), n_assets)`` weights, row k from the ``window`` returns that end
    at ``rebalance_rows[k]`` (inclusive: that day's close is known when the book rebalances
    after it) and, for ``maximum_sharpe``, ``expected[rebalance_rows[k]]`` (the expected daily
    returns known at that close; the trailing mean return when None)."""
    if optimiser not in OPTIMISERS:
        raise ValueError(f"unknown optimiser {optimiser!r}; choose one of "
                         f"{', '.join(OPTIMISER_NAMES)}")
    if window < 2:
        raise ValueError(f"the covariance window needs at least 2 days, got {window}")
    weights = np.full((rebalance_rows.shape[0], returns.shape[1]), np.nan)
    for k, row in enumerate(rebalance_rows):
        trailing = returns[max(row + 1 - window, 0): row + 1]
        cov = shrunk_covariance(trailing)
        mu = expected[row] if expected is not None else np.nanmean(trailing, axis=0)
        weights[k] = OPTIMISERS[optimiser](cov, bounds, np.nan_to_num(mu))
    return weights


def _cluster_variance(cov: np.ndarray, members: list[int]) -> float:
    """Variance of the inverse-variance portfolio of ``members``."""
    sub = cov[np.ix_(members, members)]
    inverse = 1.0 / np.maximum(np.diag(sub), _TOLERANCE)
    w = inverse / inverse.sum()
    return float(w @ sub @ w)


def _ridged(cov: np.ndarray) -> np.ndarray:
    scale = float(np.trace(cov)) / cov.shape[0] if cov.shape[0] else 1.0
    return cov + np.eye(cov.shape[0]) * _RIDGE * max(scale, _TOLERANCE)


def _solve(objective: Callable[[np.ndarray], float], gradient: Callable[[np.ndarray], np.ndarray],
           cov: np.ndarray, bounds: WeightBounds, start: np.ndarray | None = None) -> np.ndarray:
    """Minimise ``objective`` over weights summing to 1 within ``bounds`` (SLSQP), from
    ``start`` (equal weights by default); the result is clipped to the bounds it met within
    the solver's tolerance and renormalised onto them."""
    n = cov.shape[0]
    bounds.check_feasible(n)
    first = start if start is not None else equal_weight(cov, bounds)
    found = minimize(objective, first, jac=gradient, method="SLSQP",
                     bounds=[(bounds.lower, bounds.upper)] * n,
                     constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0,
                                   "jac": lambda w: np.ones_like(w)}],
                     options={"ftol": 1e-15, "maxiter": 500})
    if not found.success and not _stalled_at_precision(found, objective, first, bounds):
        raise ValueError(f"portfolio optimiser did not converge: {found.message}")
    weights = np.clip(found.x, bounds.lower, bounds.upper)
    return weights + (1.0 - weights.sum()) / n


def _stalled_at_precision(found: OptimizeResult, objective: Callable[[np.ndarray], float],
                          start: np.ndarray, bounds: WeightBounds) -> bool:
    """SLSQP's exit 8 (a line search that finds no descent) at a feasible point no worse than
    the start: the solver stopped at the precision asked of it (``ftol`` 1e-15), not away from
    the optimum. It happens on books of many assets (50 here), where a looser ``ftol``
    converges to the same weights; any other failure still raises."""
    if found.status != _LINE_SEARCH_STALL:
        return False
    x = found.x
    feasible = (abs(float(x.sum()) - 1.0) <= _FEASIBLE
                and bool(np.all(x >= bounds.lower - _FEASIBLE))
                and bool(np.all(x <= bounds.upper + _FEASIBLE)))
    return feasible and objective(x) <= objective(start) + _TOLERANCE
