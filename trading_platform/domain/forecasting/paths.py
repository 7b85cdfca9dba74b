"""Residual-bootstrap price paths around point forecasts.

A path for day t is ``close_t * exp(point_t + e)`` where e is one whole 14-horizon residual
vector (realised minus forecast log returns) of a past day, drawn with replacement: drawing
all horizons from the same day keeps their dependence (a path that is high at h=13 is high at
h=14). Pools hold out-of-sample residuals only, from forecast days s with ``s + 14 < t`` (the
whole target realised before t), the last ``residual_window`` such days. A day needs at least
``MIN_OOS_RESIDUALS`` (capped at ``residual_window``) of them: the walk-forward starts its
window late enough (``walk_forward.first_honest_row``), and a pool short of them is an error,
never filled with in-sample residuals (which understate the error of an overfitting model).
Each day draws from its own generator seeded by
``(config.seed, day_key)``, so a day's paths do not depend on which other days are computed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from trading_platform.domain.forecasting.protocol import HORIZONS, WalkForwardConfig

MIN_OOS_RESIDUALS = 63  # about a quarter of trading days


def min_residuals(config: WalkForwardConfig) -> int:
    """The out-of-sample residual vectors a day's pool needs."""
    return min(MIN_OOS_RESIDUALS, config.residual_window)


def residual_pools(
    residuals: np.ndarray,
    rows: np.ndarray,
    anchor: int,
    config: WalkForwardConfig,
) -> list[np.ndarray]:
    """Return each row's ``(m, 14)`` pool; ``residuals`` is ``(n, 14)`` realised - point.

    Raises ValueError naming the first row whose pool holds fewer than ``min_residuals``."""
    needed = min_residuals(config)
    pools = []
    for t in rows:
        lo = max(anchor, t - HORIZONS - config.residual_window)
        window = residuals[lo : max(lo, t - HORIZONS)]
        window = window[np.isfinite(window).all(axis=1)]
        if window.shape[0] < needed:
            raise ValueError(
                f"row {t} has {window.shape[0]} out-of-sample residuals, {needed} needed: "
                "start the forecast window later (no in-sample fallback)")
        pools.append(window)
    return pools


def forecast_paths(
    point: np.ndarray,
    residuals: Sequence[np.ndarray],
    close_today: np.ndarray,
    config: WalkForwardConfig,
    *,
    day_keys: np.ndarray,
) -> np.ndarray:
    """Return ``(n, n_paths, 14)`` float32 closes ``close_t * exp(point_t + drawn residual)``.

    ``residuals[i]`` is day i's ``(m_i, 14)`` pool, ``day_keys`` (n,) int64 seeds each day's
    draw (the walk-forward uses days since 1970). An empty pool gives the point path only.
    """
    n = point.shape[0]
    paths = np.empty((n, config.n_paths, HORIZONS), dtype=np.float32)
    for i in range(n):
        pool = residuals[i]
        if pool.shape[0] == 0:
            draws = np.zeros((config.n_paths, HORIZONS))
        else:
            rng = np.random.default_rng([config.seed, int(day_keys[i]) % (1 << 63)])
            draws = pool[rng.integers(0, pool.shape[0], config.n_paths)]
        paths[i] = close_today[i] * np.exp(point[i] + draws)
    return paths
