"""Per-horizon accuracy of prediction matrices against the realised future.

Conventions (stated once):
- Inputs: ``paths`` ``(n_days, n_paths, HORIZONS)`` simulated closes, ``close_today`` ``(n_days,)``
  and ``future_closes`` ``(n_days, HORIZONS)`` realised closes at t+1 .. t+14 (NaN where unknown).
- Every metric except coverage is computed on cumulative log returns
  ``r = ln(close[t+h] / close[t])`` (unit-free, comparable across commodities); coverage is on
  closes, as a share of realised closes inside the band.
- A (day, horizon) cell is used only when the realised close and all of that day's path values at
  that horizon are finite; every other cell is skipped, so ``n_days`` may differ by horizon.
- The median forecast is the per-horizon median across paths of the path log returns.
- Quantiles of the paths use linear interpolation between order statistics (numpy's default).
- Directional hit: ``sign(median forecast) == sign(realised)`` with ``np.sign``; a flat forecast
  (exactly 0) is therefore a miss unless the realised return is exactly 0 as well.
- Information coefficient: Spearman rank correlation across days of median forecast vs realised,
  per horizon, ties taking average ranks; NaN with fewer than 3 days or a constant side.
- Pinball loss at quantile q: ``mean(max(q (y - f), (q - 1) (y - f)))``, f the q-quantile of paths.
- CRPS (energy / sample form): ``mean_i |x_i - y| - 0.5 mean_ij |x_i - x_j|`` over the paths,
  the pair term taken over all p^2 ordered pairs and computed in O(p log p) from sorted paths.
"""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl

from trading_platform.domain.forecasting.protocol import HORIZONS

PINBALL_QUANTILES = (0.1, 0.5, 0.9)
BAND = (0.1, 0.9)  # central 80 % band
HEADLINE_HORIZONS = (1, 5, 14)
METRIC_COLUMNS = (
    "rmse", "mae", "directional_accuracy", "ic",
    "pinball_10", "pinball_50", "pinball_90", "crps", "coverage_80",
)


def log_returns(closes: np.ndarray, close_today: np.ndarray) -> np.ndarray:
    """``ln(closes / close_today)`` in float64, broadcasting ``close_today`` over trailing axes."""
    today = np.asarray(close_today, dtype=np.float64)
    values = np.asarray(closes, dtype=np.float64)
    return np.log(values / today.reshape(today.shape + (1,) * (values.ndim - 1)))


def directional_hits(predicted: np.ndarray, realised: np.ndarray) -> np.ndarray:
    """Boolean hits ``sign(predicted) == sign(realised)`` (see the module's tie convention)."""
    return np.sign(predicted) == np.sign(realised)


def sorted_quantiles(sorted_values: np.ndarray, q: float, axis: int = 1) -> np.ndarray:
    """Linear-interpolation quantile of values already sorted along ``axis`` (numpy's default)."""
    p = sorted_values.shape[axis]
    position = q * (p - 1)
    lo = int(np.floor(position))
    hi = min(lo + 1, p - 1)
    frac = position - lo
    lower = np.take(sorted_values, lo, axis=axis)
    return lower + frac * (np.take(sorted_values, hi, axis=axis) - lower)


def crps_sorted(sorted_paths: np.ndarray, realised: np.ndarray) -> np.ndarray:
    """Sample CRPS per cell: sorted paths ``(n, p, h)`` (axis 1) and ``(n, h)`` -> ``(n, h)``.

    With x_(1) <= .. <= x_(p): sum_ij |x_i - x_j| = 2 sum_k (2k - p - 1) x_(k), so
    0.5 mean_ij |x_i - x_j| = sum_k (2k - p - 1) x_(k) / p^2.
    """
    p = sorted_paths.shape[1]
    weights = (2.0 * np.arange(1, p + 1) - p - 1.0).reshape(1, p, 1)
    spread = (weights * sorted_paths).sum(axis=1) / p**2
    return np.abs(sorted_paths - realised[:, None, :]).mean(axis=1) - spread


def average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks of a 1-d array, ties sharing the average of their ranks."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], ordered.size]
    group_rank = (starts + ends + 1) / 2.0  # mean of the 1-based ranks starts+1 .. ends
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = np.repeat(group_rank, ends - starts)
    return ranks


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation of two 1-d arrays; NaN with < 3 values or a constant side."""
    if x.size < 3:
        return float("nan")
    rx, ry = average_ranks(x), average_ranks(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    denominator = np.sqrt((rx**2).sum() * (ry**2).sum())
    return float((rx * ry).sum() / denominator) if denominator > 0 else float("nan")


def _validate(paths: np.ndarray, close_today: np.ndarray, future_closes: np.ndarray) -> None:
    n = paths.shape[0]
    if paths.ndim != 3 or paths.shape[2] != HORIZONS or paths.shape[1] < 1:
        raise ValueError(f"paths must be (n_days, n_paths, {HORIZONS}), got {paths.shape}")
    if close_today.shape != (n,) or future_closes.shape != (n, HORIZONS):
        raise ValueError(
            f"close_today must be ({n},) and future_closes ({n}, {HORIZONS}); got "
            f"{close_today.shape} and {future_closes.shape}"
        )
    if np.any(~(close_today > 0)):
        raise ValueError("close_today must be positive and finite on every day")


def _masked_mean(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Column means of ``values`` over ``valid`` cells; NaN where a column has none."""
    counts = valid.sum(axis=0)
    totals = np.where(valid, values, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, totals / np.maximum(counts, 1), np.nan)


def _pinball(y: np.ndarray, f: np.ndarray, q: float) -> np.ndarray:
    diff = y - f
    return np.maximum(q * diff, (q - 1.0) * diff)


def forecast_metrics(
    paths: np.ndarray, close_today: np.ndarray, future_closes: np.ndarray
) -> pl.DataFrame:
    """One row per horizon (1..14): ``n_days`` used and every metric of the module docstring."""
    paths = np.asarray(paths)
    close_today = np.asarray(close_today, dtype=np.float64)
    future_closes = np.asarray(future_closes, dtype=np.float64)
    _validate(paths, close_today, future_closes)

    with np.errstate(invalid="ignore", divide="ignore"):
        path_returns = np.sort(log_returns(paths, close_today), axis=1)  # NaN sorts last
        realised = log_returns(future_closes, close_today)
    valid = np.isfinite(realised) & np.isfinite(path_returns).all(axis=1)
    y = np.where(valid, realised, 0.0)
    sorted_returns = np.where(valid[:, None, :], path_returns, 0.0)

    median = sorted_quantiles(sorted_returns, 0.5)
    error = median - y
    columns: dict[str, np.ndarray] = {
        "rmse": np.sqrt(_masked_mean(error**2, valid)),
        "mae": _masked_mean(np.abs(error), valid),
        "directional_accuracy": _masked_mean(directional_hits(median, y).astype(float), valid),
        "ic": np.array([spearman(median[valid[:, h], h], y[valid[:, h], h])
                        for h in range(HORIZONS)]),
    }
    for q in PINBALL_QUANTILES:
        loss = _pinball(y, sorted_quantiles(sorted_returns, q), q)
        columns[f"pinball_{round(q * 100)}"] = _masked_mean(loss, valid)
    columns["crps"] = _masked_mean(crps_sorted(sorted_returns, y), valid)

    # Coverage on closes: exp is monotone, so the sorted returns give sorted closes.
    sorted_closes = close_today[:, None, None] * np.exp(sorted_returns)
    closes = np.where(valid, future_closes, 0.0)
    inside = (closes >= sorted_quantiles(sorted_closes, BAND[0])) & (
        closes <= sorted_quantiles(sorted_closes, BAND[1])
    )
    columns["coverage_80"] = _masked_mean(inside.astype(float), valid)

    return pl.DataFrame(
        {"horizon": np.arange(1, HORIZONS + 1), "n_days": valid.sum(axis=0), **columns}
    )


def summarise(metrics: pl.DataFrame) -> dict[str, float]:
    """Headline numbers: each metric at horizons 1, 5 and 14 and its mean over all horizons.

    Keys are ``"<metric>_h<h>"`` and ``"<metric>_mean"``; the mean ignores NaN horizons and is
    NaN when every horizon is NaN.
    """
    summary: dict[str, float] = {}
    horizons = metrics["horizon"].to_list()
    for name in METRIC_COLUMNS:
        values = metrics[name].to_numpy().astype(np.float64)
        for h in HEADLINE_HORIZONS:
            summary[f"{name}_h{h}"] = float(values[horizons.index(h)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN column -> NaN, on purpose
            summary[f"{name}_mean"] = float(np.nanmean(values))
    return summary
