"""Signal strategies of the futures book: a target direction in [-1, 1] decided at each close.

Array contract (stated once): ``close``, ``high``, ``low`` are ``(n,)`` float64 bars of one
commodity's back-adjusted series, oldest first (a close-only series passes ``close`` as its high
and low); every output is ``(n,)`` float64, element t known at the close of bar t and computed
from bars 0..t only. A signal is 0 until its indicators have their full window. Long/short
signals are in {-1, 0, +1}; the forecast signal is a strength in [-1, 1]. Sizing (volatility
target, optimiser weight, whole contracts) and stops belong to the position engine.
"""

from __future__ import annotations

import warnings

import numpy as np
from numba import njit

from trading_platform.config.futures_strategies import (
    DonchianBreakout,
    ForecastStrength,
    MovingAverageCross,
)

STOP_ATR_WINDOW = 20  # the ATR behind the engine's stop for strategies that name none


def moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Simple mean of the last ``window`` values, NaN before that."""
    out = np.full(values.shape[0], np.nan)
    if window <= values.shape[0]:
        sums = np.cumsum(np.concatenate([[0.0], values]))
        out[window - 1:] = (sums[window:] - sums[:-window]) / window
    return out


def average_true_range(close: np.ndarray, high: np.ndarray, low: np.ndarray,
                       window: int) -> np.ndarray:
    """Simple mean of the last ``window`` true ranges ``max(high - low, |high - prev close|,
    |low - prev close|)``; NaN until ``window`` ranges exist (the first bar has none)."""
    previous = np.concatenate([[np.nan], close[:-1]])
    ranges = np.fmax(high - low, np.fmax(np.abs(high - previous), np.abs(low - previous)))
    out = np.full(close.shape[0], np.nan)
    out[1:] = moving_average(ranges[1:], window)
    return out


def moving_average_cross(close: np.ndarray, fast: int, slow: int,
                         long_short: bool = True) -> np.ndarray:
    """+1 while the ``fast`` mean is above the ``slow`` mean; below it -1 (long/short) or 0
    (long/flat); 0 while either mean is missing or they are equal."""
    if not 0 < fast < slow:
        raise ValueError(f"moving-average cross needs 0 < fast < slow, got fast {fast}, "
                         f"slow {slow}")
    gap = np.nan_to_num(moving_average(close, fast) - moving_average(close, slow), nan=0.0)
    return np.where(gap > 0, 1.0, np.where(gap < 0, -1.0 if long_short else 0.0, 0.0))


def donchian_breakout(close: np.ndarray, high: np.ndarray, low: np.ndarray, entry: int,
                      exit: int, atr: np.ndarray, min_atr_pct: float,
                      long_short: bool = True) -> np.ndarray:
    """Donchian channel breakout with an ATR regime filter (see ``breakout_kernel``)."""
    if not 0 < exit <= entry:
        raise ValueError(f"Donchian breakout needs 0 < exit <= entry, got entry {entry}, "
                         f"exit {exit}")
    out = np.zeros(close.shape[0])
    breakout_kernel(close, high, low, entry, exit, atr, min_atr_pct, long_short, out)
    return out


@njit(cache=True)
def breakout_kernel(close, high, low, entry, exit, atr, min_atr_pct, long_short, out):
    """Fill ``out`` with the held direction at each close.

    Flat, it goes long when the close is above the highest high of the previous ``entry``
    bars and short (if ``long_short``) when below their lowest low, but only while the regime
    is active: ``atr[t] / |close[t]| >= min_atr_pct`` (a quiet market makes false breakouts).
    Long, it exits when the close is below the lowest low of the previous ``exit`` bars (short:
    above their highest high), and may reverse on the same close if the entry rule holds.
    """
    side = 0.0
    for t in range(close.shape[0]):
        if t >= exit:
            long_exit = side > 0 and close[t] < low[t - exit:t].min()
            short_exit = side < 0 and close[t] > high[t - exit:t].max()
            if long_exit or short_exit:
                side = 0.0
        if side == 0.0 and t >= entry and np.isfinite(atr[t]) and close[t] != 0.0 \
                and atr[t] / abs(close[t]) >= min_atr_pct:
            if close[t] > high[t - entry:t].max():
                side = 1.0
            elif long_short and close[t] < low[t - entry:t].min():
                side = -1.0
        out[t] = side


def breakout_reference(close: np.ndarray, high: np.ndarray, low: np.ndarray, entry: int,
                       exit: int, atr: np.ndarray, min_atr_pct: float,
                       long_short: bool = True) -> np.ndarray:
    """The plain-Python twin of ``breakout_kernel``, written from its docstring."""
    out, side = [], 0
    for t, price in enumerate(close.tolist()):
        previous_exit = range(t - exit, t) if t >= exit else range(0)
        if previous_exit:
            below = price < min(low[i] for i in previous_exit)
            above = price > max(high[i] for i in previous_exit)
            side = 0 if (side == 1 and below) or (side == -1 and above) else side
        active = t >= entry and bool(np.isfinite(atr[t])) and price != 0 \
            and atr[t] / abs(price) >= min_atr_pct
        if side == 0 and active:
            window = range(t - entry, t)
            if price > max(high[i] for i in window):
                side = 1
            elif long_short and price < min(low[i] for i in window):
                side = -1
        out.append(float(side))
    return np.array(out)


def forecast_strength(expected: np.ndarray, uncertainty: np.ndarray, threshold: float,
                      full_at: float) -> np.ndarray:
    """The forecast signal: ``z = expected / uncertainty`` (the mean 14-day log return of the
    paths over their standard deviation); 0 while ``|z| < threshold``, otherwise
    ``z / full_at`` clipped to [-1, 1] (full size from ``|z| = full_at``). 0 without a forecast."""
    if not 0 <= threshold <= full_at or full_at <= 0:
        raise ValueError(f"forecast signal needs 0 <= threshold <= full_at and full_at > 0, got "
                         f"threshold {threshold}, full_at {full_at}")
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(uncertainty > 0, expected / uncertainty, np.nan)
    z = np.nan_to_num(z, nan=0.0, posinf=0.0, neginf=0.0)
    return np.where(np.abs(z) >= threshold, np.clip(z / full_at, -1.0, 1.0), 0.0)


def path_return_stats(close_today: np.ndarray, paths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean, standard deviation) over paths of the 14-day log return ``ln(path[:, -1] /
    close_today)`` for each forecast day; ``paths`` is ``(n_days, n_paths, 14)``. NaN where a
    close or a path end is not positive (log returns need positive prices)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        returns = np.log(paths[:, :, -1] / close_today[:, None])
    returns = np.where(np.isfinite(returns), returns, np.nan)
    with warnings.catch_warnings():  # a day without a usable path is NaN, said above
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(returns, axis=1), np.nanstd(returns, axis=1, ddof=1)


def strategy_signal(spec: MovingAverageCross | DonchianBreakout | ForecastStrength,
                    close: np.ndarray, high: np.ndarray, low: np.ndarray,
                    expected: np.ndarray | None = None,
                    spread: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(the spec's direction at each close, the ATR its stop is measured in). A forecast spec
    needs ``expected`` and ``spread`` (``path_return_stats`` of the day's matrix, NaN on days
    without a forecast)."""
    window = spec.atr_window if isinstance(spec, DonchianBreakout) else STOP_ATR_WINDOW
    atr = average_true_range(close, high, low, window)
    if isinstance(spec, MovingAverageCross):
        return moving_average_cross(close, spec.fast, spec.slow, spec.long_short), atr
    if isinstance(spec, DonchianBreakout):
        return donchian_breakout(close, high, low, spec.entry, spec.exit, atr, spec.min_atr_pct,
                                 spec.long_short), atr
    if expected is None or spread is None:
        raise ValueError("a forecast-driven signal needs the forecasts' expected returns and "
                         "their spread")
    strength = forecast_strength(expected, spread, spec.threshold, spec.full_at)
    return (strength if spec.long_short else np.maximum(strength, 0.0)), atr
