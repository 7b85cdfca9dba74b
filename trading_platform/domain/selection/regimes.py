"""Point-in-time market regimes and how consistently a strategy earns across them.

Rule (documented, uses only closes up to and including day t):
- volatility: the standard deviation (ddof 1) of the last ``VOL_WINDOW`` daily log returns;
  "volatile" when it is above the median of that volatility over the last ``VOL_HISTORY``
  days (today included), else "calm";
- trend: "up" when today's close is at or above the mean of the last ``TREND_WINDOW`` closes,
  else "down".
Four regimes result (``REGIMES``); a day without enough history is -1 (unknown). Because every
input is trailing, labels computed on a truncated history equal the prefix of the full one.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

VOL_WINDOW = 20
VOL_HISTORY = 250
TREND_WINDOW = 50
MIN_REGIME_DAYS = 20
REGIMES = ("calm_up", "calm_down", "volatile_up", "volatile_down")
UNKNOWN = -1


def _trailing(values: np.ndarray, window: int, reduce) -> np.ndarray:  # type: ignore[no-untyped-def]
    out = np.full(values.shape[0], np.nan)
    if values.shape[0] >= window:
        out[window - 1:] = reduce(sliding_window_view(values, window), axis=1)
    return out


def regime_labels(close: np.ndarray) -> np.ndarray:
    """int8 regime index into ``REGIMES`` per day, ``UNKNOWN`` during the warm-up."""
    close = np.asarray(close, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        returns = np.concatenate(([np.nan], np.diff(np.log(close))))
    volatility = _trailing(returns, VOL_WINDOW, lambda w, axis: np.std(w, axis=axis, ddof=1))
    typical = _trailing(volatility, VOL_HISTORY, np.median)
    trend = _trailing(close, TREND_WINDOW, np.mean)
    known = np.isfinite(typical) & np.isfinite(trend) & np.isfinite(volatility)
    volatile = volatility > typical
    down = close < trend
    labels = (2 * volatile + down).astype(np.int8)
    labels[~known] = UNKNOWN
    return labels


def regime_consistency(pnl: np.ndarray, labels: np.ndarray) -> float:
    """Share of regimes (with at least ``MIN_REGIME_DAYS`` labelled days) whose mean daily P&L
    is >= 0: 1.0 earns in every regime seen, 0.0 in none (also when no regime has enough days)."""
    means = [float(pnl[labels == k].mean()) for k in range(len(REGIMES))
             if (labels == k).sum() >= MIN_REGIME_DAYS]
    return float(np.mean([m >= 0 for m in means])) if means else 0.0


def regime_breakdown(pnl: np.ndarray, labels: np.ndarray) -> dict[str, dict[str, float]]:
    """Per regime: labelled days and mean and total daily P&L (regimes without days omitted)."""
    return {name: {"days": float((labels == k).sum()), "mean_pnl": float(pnl[labels == k].mean()),
                   "total_pnl": float(pnl[labels == k].sum())}
            for k, name in enumerate(REGIMES) if (labels == k).any()}
