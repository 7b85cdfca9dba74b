"""Live quality of a champion forecast model: rolling information coefficient, direction, drift.

Conventions (stated once, used throughout):
- arrays are 1-D NumPy; dates are ``datetime64[D]``, ascending; one entry per forecast day;
- ``predicted`` is the model's simple return ``close[t+h] / close[t] - 1`` at the monitored
  horizon ``h`` (trading days, i.e. market rows), NaN when there was no forecast that day;
- ``realised`` is the same simple return measured on the market; NaN when the forecast day is
  not a market day, when row ``t+h`` does not exist yet, or when ``close[t] <= 0``;
- a pair is *usable* when both predicted and realised are finite; every statistic uses usable
  pairs only, and rolling windows count usable pairs (not calendar or market days);
- IC is Pearson's correlation, rank IC is Spearman's (Pearson of average ranks, ties sharing
  the mean rank); a window where either side is constant has no correlation (NaN);
- direction is ``np.sign``, so a zero forecast hits only a zero outcome;
- drift: over the last ``window`` finite rolling IC values, the share strictly below the
  threshold; drifting when that share is strictly above the allowed share;
- regimes are the point-in-time labels of ``selection.regimes`` over the whole market history,
  read at each forecast day's row (``UNKNOWN`` when it is not a market day).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from trading_platform.domain.json_values import json_safe
from trading_platform.domain.selection.regimes import REGIMES, UNKNOWN, regime_labels

MAX_HORIZON = 14


def _market_rows(market_dates: np.ndarray, forecast_dates: np.ndarray) -> np.ndarray:
    """Row of each forecast day in ``market_dates``, -1 when it is not a market day."""
    market = np.asarray(market_dates, dtype="datetime64[D]")
    wanted = np.asarray(forecast_dates, dtype="datetime64[D]")
    rows = np.searchsorted(market, wanted)
    found = rows < market.shape[0]
    found[found] = market[rows[found]] == wanted[found]
    return np.where(found, rows, -1)


def realised_returns(market_dates: np.ndarray, closes: np.ndarray,
                     forecast_dates: np.ndarray, horizon: int) -> np.ndarray:
    """Simple return ``close[t+h] / close[t] - 1`` per forecast day, NaN where it is not known."""
    if horizon < 1:
        raise ValueError(f"horizon {horizon} must be >= 1 trading day (rule horizon_positive)")
    closes = np.asarray(closes, dtype=np.float64)
    rows = _market_rows(market_dates, forecast_dates)
    known = (rows >= 0) & (rows + horizon < closes.shape[0])
    out = np.full(rows.shape[0], np.nan)
    start, end = closes[rows[known]], closes[rows[known] + horizon]
    with np.errstate(invalid="ignore", divide="ignore"):
        out[known] = np.where(start > 0, end / start - 1.0, np.nan)
    return out


def _usable(predicted: np.ndarray, realised: np.ndarray) -> np.ndarray:
    return np.isfinite(predicted) & np.isfinite(realised)


def _row_pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson correlation of each row pair of two 2-D arrays; NaN where a row is constant."""
    dx = x - x.mean(axis=1, keepdims=True)
    dy = y - y.mean(axis=1, keepdims=True)
    # ptp, not the centred sum of squares, because a constant row's mean may not be exact
    constant = (np.ptp(x, axis=1) == 0) | (np.ptp(y, axis=1) == 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (dx * dy).sum(axis=1) / np.sqrt((dx * dx).sum(axis=1) * (dy * dy).sum(axis=1))
    return np.where(constant, np.nan, np.clip(r, -1.0, 1.0))


def _row_average_ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks along each row; tied values share the mean of the ranks they span."""
    width = x.shape[1]
    order = np.argsort(x, axis=1, kind="stable")
    ordered = np.take_along_axis(x, order, axis=1)
    position = np.broadcast_to(np.arange(width), x.shape)
    change = ordered[:, 1:] != ordered[:, :-1]
    edge = np.ones((x.shape[0], 1), dtype=bool)
    first = np.maximum.accumulate(np.where(np.hstack([edge, change]), position, 0), axis=1)
    last = np.minimum.accumulate(
        np.where(np.hstack([change, edge]), position, width - 1)[:, ::-1], axis=1)[:, ::-1]
    ranks = np.empty_like(x, dtype=np.float64)
    np.put_along_axis(ranks, order, (first + last) / 2.0 + 1.0, axis=1)
    return ranks


def rolling_ic(predicted: np.ndarray, realised: np.ndarray,
               window: int) -> tuple[np.ndarray, np.ndarray]:
    """(IC, rank IC) at each position over the last ``window`` usable pairs up to it.

    NaN at non-usable positions, while fewer than ``window`` usable pairs exist, and where
    either side is constant within the window.
    """
    if window < 2:
        raise ValueError(f"IC window {window} must be >= 2 pairs (rule ic_window_min)")
    predicted = np.asarray(predicted, dtype=np.float64)
    realised = np.asarray(realised, dtype=np.float64)
    ic, rank_ic = np.full(predicted.shape[0], np.nan), np.full(predicted.shape[0], np.nan)
    rows = np.flatnonzero(_usable(predicted, realised))
    if rows.shape[0] < window:
        return ic, rank_ic
    x, y = (sliding_window_view(values[rows], window) for values in (predicted, realised))
    ic[rows[window - 1:]] = _row_pearson(x, y)
    rank_ic[rows[window - 1:]] = _row_pearson(_row_average_ranks(x), _row_average_ranks(y))
    return ic, rank_ic


def directional_accuracy(predicted: np.ndarray, realised: np.ndarray) -> float:
    """Share of usable pairs whose signs agree (``np.sign``); NaN without usable pairs."""
    predicted = np.asarray(predicted, dtype=np.float64)
    realised = np.asarray(realised, dtype=np.float64)
    usable = _usable(predicted, realised)
    if not usable.any():
        return float("nan")
    return float(np.mean(np.sign(predicted[usable]) == np.sign(realised[usable])))


@dataclass(frozen=True)
class DriftVerdict:
    """Whether the rolling IC spent too many of its recent values below the threshold."""

    drifting: bool
    share_below: float
    judged: int
    threshold: float
    window: int
    reason: str


def drift_verdict(ic: np.ndarray, threshold: float, window: int, share: float) -> DriftVerdict:
    """Judge the last ``window`` finite IC values: drifting when the share below ``threshold``
    is above ``share``; never drifting (share NaN) with fewer than ``window`` finite values."""
    if window < 1 or not 0.0 <= share <= 1.0:
        raise ValueError(f"drift window {window} must be >= 1 and share {share} within [0, 1] "
                         "(rule drift_parameters)")
    finite = np.asarray(ic, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.shape[0] < window:
        reason = f"not enough history: {finite.shape[0]} rolling IC values, {window} needed"
        return DriftVerdict(False, float("nan"), int(finite.shape[0]), threshold, window, reason)
    below = int((finite[-window:] < threshold).sum())
    share_below = below / window
    reason = (f"rolling IC below {threshold:.2f} on {below} of the last {window} forecast days "
              f"({100 * share_below:.0f} %, limit {100 * share:.0f} %)")
    return DriftVerdict(share_below > share, share_below, window, threshold, window, reason)


def by_regime(predicted: np.ndarray, realised: np.ndarray,
              labels: np.ndarray) -> dict[str, dict[str, float]]:
    """Per regime with usable pairs: days, IC (NaN under 3 pairs), direction hit rate, mean
    realised return."""
    predicted = np.asarray(predicted, dtype=np.float64)
    realised = np.asarray(realised, dtype=np.float64)
    usable = _usable(predicted, realised)
    out: dict[str, dict[str, float]] = {}
    for k, name in enumerate(REGIMES):
        mask = usable & (np.asarray(labels) == k)
        days, x, y = int(mask.sum()), predicted[mask], realised[mask]
        if days == 0:
            continue
        ic = float(_row_pearson(x[None, :], y[None, :])[0]) if days >= 3 else float("nan")
        out[name] = {"days": float(days), "ic": ic,
                     "directional_accuracy": directional_accuracy(x, y),
                     "mean_realised": float(y.mean())}
    return out


def _last_finite(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite[-1]) if finite.shape[0] else float("nan")


@dataclass(frozen=True, eq=False)
class ForecastMonitoring:
    """Live quality of one model at one horizon over the forecast days."""

    horizon: int
    dates: np.ndarray
    ic: np.ndarray
    rank_ic: np.ndarray
    directional_accuracy: float
    recent_directional_accuracy: float
    drift: DriftVerdict
    regimes: dict[str, dict[str, float]]
    usable_days: int

    def latest(self) -> dict[str, float]:
        """Latest finite IC and rank IC (NaN when there is none yet)."""
        return {"ic": _last_finite(self.ic), "rank_ic": _last_finite(self.rank_ic)}

    def to_json(self, series_points: int = 250) -> dict[str, object]:
        """JSON-safe summary (non-finite numbers as None, ISO dates) with the recent series."""
        latest = self.latest()
        tail = slice(max(self.dates.shape[0] - series_points, 0), None)
        return {
            "horizon": self.horizon,
            "usable_days": self.usable_days,
            "latest_ic": json_safe(latest["ic"]),
            "latest_rank_ic": json_safe(latest["rank_ic"]),
            "directional_accuracy": json_safe(self.directional_accuracy),
            "recent_directional_accuracy": json_safe(self.recent_directional_accuracy),
            "drift": {key: json_safe(value) for key, value in asdict(self.drift).items()},
            "regimes": {name: {key: json_safe(value) for key, value in stats.items()}
                        for name, stats in self.regimes.items()},
            "series": {"dates": np.datetime_as_string(self.dates[tail], unit="D").tolist(),
                       "ic": [json_safe(v) for v in self.ic[tail].tolist()],
                       "rank_ic": [json_safe(v) for v in self.rank_ic[tail].tolist()]},
        }


def _check_inputs(forecast_dates: np.ndarray, predicted: np.ndarray, market_dates: np.ndarray,
                  closes: np.ndarray, horizon: int) -> None:
    if forecast_dates.ndim != 1 or forecast_dates.shape != predicted.shape:
        raise ValueError(f"forecast dates {forecast_dates.shape} and predictions "
                         f"{predicted.shape} must be 1-D of equal length (rule forecast_shape)")
    if market_dates.ndim != 1 or market_dates.shape != closes.shape:
        raise ValueError(f"market dates {market_dates.shape} and closes {closes.shape} must be "
                         "1-D of equal length (rule market_shape)")
    if not 1 <= horizon <= MAX_HORIZON:
        raise ValueError(f"horizon {horizon} must be within 1..{MAX_HORIZON} trading days "
                         "(rule horizon_range)")


def monitor_forecasts(forecast_dates: np.ndarray, predicted: np.ndarray,
                      market_dates: np.ndarray, closes: np.ndarray, *, horizon: int,
                      ic_window: int, drift_ic_threshold: float, drift_window: int,
                      drift_share: float) -> ForecastMonitoring:
    """Rolling IC, direction, drift verdict and regime breakdown of one model's forecasts."""
    dates = np.asarray(forecast_dates, dtype="datetime64[D]")
    predicted = np.asarray(predicted, dtype=np.float64)
    market = np.asarray(market_dates, dtype="datetime64[D]")
    closes = np.asarray(closes, dtype=np.float64)
    _check_inputs(dates, predicted, market, closes, horizon)
    realised = realised_returns(market, closes, dates, horizon)
    ic, rank_ic = rolling_ic(predicted, realised, ic_window)
    rows = _market_rows(market, dates)
    labels = np.where(rows >= 0, regime_labels(closes)[np.maximum(rows, 0)], UNKNOWN)
    usable = np.flatnonzero(_usable(predicted, realised))
    recent = usable[-ic_window:]
    return ForecastMonitoring(
        horizon=horizon, dates=dates, ic=ic, rank_ic=rank_ic,
        directional_accuracy=directional_accuracy(predicted, realised),
        recent_directional_accuracy=directional_accuracy(predicted[recent], realised[recent]),
        drift=drift_verdict(ic, drift_ic_threshold, drift_window, drift_share),
        regimes=by_regime(predicted, realised, labels), usable_days=int(usable.shape[0]))
