"""SYNTHETIC-accuracy forecasts: research instruments that use the realised future by construction.

These prediction matrices answer "what would a strategy earn with a forecaster that is right on
the 14-day direction X % of the time?". They read ``future_closes``, so they are never eligible
as champion and their numbers are never evidence of skill.

Construction, per day with a complete realised future ``R = ln(future_closes / close_today)``:
1. exactly ``round(accuracy * n_valid)`` valid days, chosen at random, are "correct" and centred on
   ``R``; the others are "wrong" and centred on the mirror image ``-R`` (opposite sign at every
   horizon, in particular at horizon 14);
2. each path adds a Gaussian random walk with daily log-return sd ``vol`` (cumulated over the
   horizons, which keeps the dependence across horizons), and the per-(day, horizon) median of
   that noise across paths is subtracted so the median path's log return equals the centre exactly;
3. closes are ``close_today * exp(centre + noise)`` in float32.
Hence the realised 14-day directional accuracy of the median path equals ``accuracy`` up to
``1 / n_valid`` rounding (and float32 rounding on days whose realised return is ~1e-7).

Days whose realised future is incomplete (any NaN in ``future_closes``, or a non-positive
``close_today``) are not used: their paths are NaN and they do not count towards ``n_valid``.
"""

from __future__ import annotations

import numpy as np

from trading_platform.domain.forecasting.metrics import directional_hits, log_returns
from trading_platform.domain.forecasting.protocol import HORIZONS


def _validate(
    close_today: np.ndarray, future_closes: np.ndarray, accuracy: float, n_paths: int,
    vol: np.ndarray,
) -> None:
    n = close_today.shape[0]
    if close_today.ndim != 1 or future_closes.shape != (n, HORIZONS):
        raise ValueError(
            f"close_today must be (n_days,) and future_closes (n_days, {HORIZONS}); got "
            f"{close_today.shape} and {future_closes.shape}"
        )
    if not 0.0 <= accuracy <= 1.0:
        raise ValueError(f"accuracy must be in [0, 1], got {accuracy}")
    if n_paths < 1:
        raise ValueError(f"n_paths must be >= 1, got {n_paths}")
    if vol.shape != (n,) or np.any(~np.isfinite(vol)) or np.any(vol < 0):
        raise ValueError(f"vol must be a finite non-negative scalar or ({n},) array")


def synthetic_paths(
    close_today: np.ndarray,
    future_closes: np.ndarray,
    accuracy: float,
    n_paths: int,
    vol: float | np.ndarray,
    seed: int,
) -> np.ndarray:
    """``(n_days, n_paths, 14)`` float32 closes whose median path is right ``accuracy`` of days.

    ``vol`` is the daily log-return standard deviation of the paths' noise (scalar or per day).
    NaN rows where the realised future is incomplete; deterministic given ``seed``.
    """
    close_today = np.asarray(close_today, dtype=np.float64)
    future_closes = np.asarray(future_closes, dtype=np.float64)
    vol_by_day = np.broadcast_to(np.asarray(vol, dtype=np.float64), close_today.shape)
    _validate(close_today, future_closes, accuracy, n_paths, vol_by_day)

    # NaN > 0 is False, so this also drops days with any unknown future close.
    valid = (future_closes > 0).all(axis=1) & np.isfinite(future_closes).all(axis=1)
    valid &= (close_today > 0) & np.isfinite(close_today)
    rows = np.flatnonzero(valid)
    rng = np.random.default_rng(seed)

    sign = -np.ones(rows.size)
    sign[rng.permutation(rows.size)[: round(accuracy * rows.size)]] = 1.0
    centre = sign[:, None] * log_returns(future_closes[rows], close_today[rows])

    steps = rng.standard_normal((rows.size, n_paths, HORIZONS), dtype=np.float32)
    noise = np.cumsum(steps, axis=2) * vol_by_day[rows, None, None].astype(np.float32)
    noise -= np.median(noise, axis=1, keepdims=True)

    paths = np.full((close_today.size, n_paths, HORIZONS), np.nan, dtype=np.float32)
    paths[rows] = close_today[rows, None, None] * np.exp(centre[:, None, :] + noise)
    return paths


def realised_direction_accuracy(
    paths: np.ndarray, close_today: np.ndarray, future_closes: np.ndarray
) -> float:
    """Share of days whose median path's 14-day log return has the realised 14-day sign.

    Uses days with a finite realised close at horizon 14 and finite paths there; the median is
    across paths of the log returns; ties follow ``metrics.directional_hits``. NaN if no day.
    """
    paths = np.asarray(paths)
    close_today = np.asarray(close_today, dtype=np.float64)
    future_closes = np.asarray(future_closes, dtype=np.float64)
    if paths.ndim != 3 or paths.shape[2] != HORIZONS or future_closes.shape != (
        paths.shape[0], HORIZONS,
    ) or close_today.shape != (paths.shape[0],):
        raise ValueError(
            f"expected paths (n, p, {HORIZONS}), close_today (n,), future_closes (n, {HORIZONS}); "
            f"got {paths.shape}, {close_today.shape}, {future_closes.shape}"
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        predicted = np.median(log_returns(paths[:, :, -1], close_today), axis=1)
        realised = log_returns(future_closes[:, -1], close_today)
    valid = np.isfinite(predicted) & np.isfinite(realised)
    if not valid.any():
        return float("nan")
    return float(directional_hits(predicted[valid], realised[valid]).mean())
