"""Deterministic synthetic daily OHLCV markets, one path per (seed, commodity).

The path steps once per weekday (Mon-Fri) from ``origin``; holidays are simulated and then
dropped, so editing a holiday list never shifts other days. With ``SyntheticSpec`` parameters:

    log close    x_t = L_t + S_t + y_t
    level        L_t = L_{t-1} + level_drift_vol * z_t,   starting at log(base_price)
    season       S_t = -seasonal_amplitude * cos(2 pi (day - intake mid) / 365.2425), crops only:
                 prices are weakest in the middle of the harvest intake window
    deviation    y_t = (1 - mean_reversion) * y_{t-1} + e_t + J_t
    shock        e_t = sqrt(h_t) z_t, with GARCH(1,1) h_{t+1} = w + a (e_t + J_t)^2 + b h_t and
                 w set so the long-run sqrt(h) is daily_vol (vol clusters, and rises after jumps)
    jump         J_t = jump_size * z_t with probability jump_probability, else 0
    close        exp(x_t) * m_t, where m_t = 1 except during negative excursions: episodes of 2-5
                 days, started with probability negative_excursion_probability (only where the
                 spec allows negative prices), whose trough day has m_t < 0, like WTI in April 2020

Open is the previous close moved by a small overnight gap; high and low stretch max/min(open,
close) by half-normal ranges scaled by the day's vol; volume is ``base_volume`` times lognormal
noise, raised on big-move days.

Kernel array contract: every ``@njit`` kernel takes C-contiguous float64 1-D arrays of equal
length n (one element per simulated weekday) plus scalars, and writes preallocated float64
outputs of length n in place. Element t depends only on inputs at indices <= t, which is what
makes the output prefix-stable: generating to a later ``end`` leaves earlier days bit-identical.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import zlib
from collections.abc import Sequence

import numba
import numpy as np
import polars as pl

from trading_platform.config.universe import CommoditySpec, TradingCalendarSpec, Universe
from trading_platform.domain.market.schema import conform_market_frame, empty_market_frame

_GARCH_ALPHA = 0.10  # reaction to yesterday's squared innovation
_GARCH_BETA = 0.88  # alpha + beta = 0.98: a volatility shock halves in about 35 days
_MIN_OMEGA_SHARE = 0.1  # omega floor, as a share of its no-jump value; see _garch_omega
_GAP_SCALE = 0.25  # overnight gap sd, in units of the day's vol
_RANGE_SCALE = 0.6  # intraday stretch beyond open/close, in units of the day's vol
_VOLUME_NOISE = 0.25  # log-sd of day-to-day volume noise
_VOLUME_MOVE_WEIGHT = 0.5  # extra volume per typical-sized move
_MEAN_ABS_NORMAL = math.sqrt(2.0 / math.pi)  # E|z| for z ~ N(0, 1)
_EXCURSION_DAYS = (2, 5)  # episode length range, both inclusive
_EXCURSION_DEPTH = (1.05, 1.5)  # trough multiplier is 1 - depth: -5 % .. -50 % of the price
_GREGORIAN_YEAR = 365.2425
_STREAMS = (  # one independent generator each, so every stream is prefix-stable on its own
    *("shock", "jump_occurs", "jump_size", "level", "gap", "high", "low", "volume"),
    *("excursion_start", "excursion_days", "excursion_depth"),
)


@numba.njit(cache=True)
def _garch_innovations(
    z: np.ndarray,
    jumps: np.ndarray,
    omega: float,
    alpha: float,
    beta: float,
    start_variance: float,
    innovation: np.ndarray,
    vol: np.ndarray,
) -> None:
    """Fill ``vol`` with sqrt(h_t) and ``innovation`` with sqrt(h_t) * z_t + jumps_t.

    h_{t+1} = omega + alpha * innovation_t^2 + beta * h_t and h_0 = ``start_variance``. Jumps
    feed the variance, so turbulence follows news: that is most of the volatility clustering.
    """
    variance = start_variance
    for t in range(z.shape[0]):
        vol[t] = math.sqrt(variance)
        innovation[t] = vol[t] * z[t] + jumps[t]
        variance = omega + alpha * innovation[t] * innovation[t] + beta * variance


@numba.njit(cache=True)
def _mean_reverting(innovation: np.ndarray, mean_reversion: float, deviation: np.ndarray) -> None:
    """Fill ``deviation`` with y_t = (1 - mean_reversion) * y_{t-1} + innovation_t, y_{-1} = 0."""
    keep = 1.0 - mean_reversion
    value = 0.0
    for t in range(innovation.shape[0]):
        value = keep * value + innovation[t]
        deviation[t] = value


@numba.njit(cache=True)
def _excursion_multiplier(
    start_u: np.ndarray,
    days_u: np.ndarray,
    depth_u: np.ndarray,
    probability: float,
    days_range: tuple[int, int],
    depth_range: tuple[float, float],
    multiplier: np.ndarray,
) -> None:
    """Fill ``multiplier``: 1, except in episodes that start where ``start_u < probability``.

    An episode's length (in ``days_range``, inclusive) and depth come from the uniforms at its
    first day; the multiplier falls linearly to ``1 - depth`` at the middle day and climbs back.
    No new episode starts inside one.
    """
    (min_days, max_days), (min_depth, max_depth) = days_range, depth_range
    n = start_u.shape[0]
    multiplier[:] = 1.0
    t = 0
    while t < n:
        if start_u[t] >= probability:
            t += 1
            continue
        days = min_days + int(days_u[t] * (max_days - min_days + 1))
        depth = min_depth + depth_u[t] * (max_depth - min_depth)
        trough = (days - 1) // 2
        for k in range(min(days, n - t)):
            shape = (k + 1) / (trough + 1) if k <= trough else (days - k) / (days - trough)
            multiplier[t + k] = 1.0 - depth * shape
        t += days


def _streams(seed: int, commodity: str) -> dict[str, np.random.Generator]:
    # crc32, not hash(): hash() is salted per process and would break reproducibility.
    children = np.random.SeedSequence([seed, zlib.crc32(commodity.encode())]).spawn(len(_STREAMS))
    return {
        name: np.random.default_rng(child) for name, child in zip(_STREAMS, children, strict=True)
    }


def _weekdays(origin: dt.date, end: dt.date) -> np.ndarray:
    days = np.arange(np.datetime64(origin, "D"), np.datetime64(end, "D") + 1)
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday (weekday 3)
    return days[weekday < 5]


def _trading_mask(days: np.ndarray, calendar: TradingCalendarSpec) -> np.ndarray:
    """Vectorised ``calendar.is_trading_day`` over ``days`` (a string check per day is slow)."""
    if days.shape[0] == 0:
        return np.zeros(0, dtype=bool)
    first, last = days[[0, -1]].astype(object)
    holidays = [*calendar.holidays]
    for year in range(first.year, last.year + 1):
        for month_day in calendar.fixed_holidays:
            with contextlib.suppress(ValueError):  # "02-29" off leap years: never a holiday
                holidays.append(dt.date.fromisoformat(f"{year}-{month_day}"))
    weekmask = [weekday in calendar.weekdays for weekday in range(7)]
    return np.is_busday(days, weekmask=weekmask, holidays=np.array(holidays, dtype="datetime64[D]"))


def _seasonal_component(days: np.ndarray, spec: CommoditySpec) -> np.ndarray:
    amplitude = spec.synthetic.seasonal_amplitude
    if spec.harvest is None or amplitude == 0.0:
        return np.zeros(days.shape[0])
    # Day-of-year in leap year 2000, so "02-29" is valid; a window that wraps the year end
    # (cocoa: 10-01..03-31) gets its end pushed into the next year before taking the middle.
    start = dt.date.fromisoformat(f"2000-{spec.harvest.intake_start}")
    end = dt.date.fromisoformat(f"2000-{spec.harvest.intake_end}")
    span = (end - start).days % 366
    trough = np.datetime64(start, "D").astype(np.int64) + span / 2.0
    phase = 2.0 * np.pi * (days.astype(np.int64) - trough) / _GREGORIAN_YEAR
    return -amplitude * np.cos(phase)


def _garch_omega(daily_vol: float, jump_probability: float, jump_size: float) -> float:
    """Solve h = (omega + alpha p s^2) / (1 - alpha - beta) = daily_vol^2 for omega.

    Jumps too big for the vol would need omega <= 0; omega is floored and h then runs above
    daily_vol^2 (no default commodity comes near the floor).
    """
    no_jump = (1.0 - _GARCH_ALPHA - _GARCH_BETA) * daily_vol**2
    omega = no_jump - _GARCH_ALPHA * jump_probability * jump_size**2
    return max(omega, _MIN_OMEGA_SHARE * no_jump)


def _log_close(
    streams: dict[str, np.random.Generator], spec: CommoditySpec, season: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return (log close of the underlying, daily vol) for every simulated weekday."""
    syn = spec.synthetic
    n = season.shape[0]
    innovation, vol, deviation = np.empty(n), np.empty(n), np.empty(n)
    occurs = streams["jump_occurs"].random(n) < syn.jump_probability
    jumps = np.where(occurs, syn.jump_size * streams["jump_size"].standard_normal(n), 0.0)
    omega = _garch_omega(syn.daily_vol, syn.jump_probability, syn.jump_size)
    z = streams["shock"].standard_normal(n)
    _garch_innovations(
        z, jumps, omega, _GARCH_ALPHA, _GARCH_BETA, syn.daily_vol**2, innovation, vol
    )
    _mean_reverting(innovation, syn.mean_reversion, deviation)
    drift = np.cumsum(syn.level_drift_vol * streams["level"].standard_normal(n))
    return math.log(syn.base_price) + drift + season + deviation, vol


def _price_multiplier(
    streams: dict[str, np.random.Generator], spec: CommoditySpec, n: int
) -> np.ndarray:
    multiplier = np.ones(n)
    probability = spec.synthetic.negative_excursion_probability
    if spec.allow_negative_prices and probability > 0.0:
        _excursion_multiplier(
            streams["excursion_start"].random(n),
            streams["excursion_days"].random(n),
            streams["excursion_depth"].random(n),
            probability,
            _EXCURSION_DAYS,
            _EXCURSION_DEPTH,
            multiplier,
        )
    return multiplier


def _stretch(base: np.ndarray, fallback: np.ndarray, log_move: np.ndarray) -> np.ndarray:
    """Move ``base`` by ``log_move`` (up when > 0): multiplicatively where base > 0.

    Multiplying keeps a positive low positive; at or below zero the underlying's price
    ``fallback`` sets the scale instead, so negative-episode ranges stay in proportion.
    """
    return np.where(base > 0.0, base * np.exp(log_move), base + fallback * np.expm1(log_move))


def _ohlcv(
    streams: dict[str, np.random.Generator], spec: CommoditySpec, days: np.ndarray
) -> dict[str, np.ndarray]:
    syn = spec.synthetic
    n = days.shape[0]
    season = _seasonal_component(days, spec)
    log_close, vol = _log_close(streams, spec, season)
    multiplier = _price_multiplier(streams, spec, n)
    # Day 0 opens from the anchor, base_price in season, outside any excursion.
    prev_log = np.concatenate(([math.log(syn.base_price) + season[0]], log_close[:-1]))
    prev_multiplier = np.concatenate(([1.0], multiplier[:-1]))
    underlying = np.exp(log_close)
    gap = _GAP_SCALE * vol * streams["gap"].standard_normal(n)
    open_ = np.exp(prev_log + gap) * prev_multiplier
    close = underlying * multiplier
    up = _RANGE_SCALE * vol * np.abs(streams["high"].standard_normal(n))
    down = _RANGE_SCALE * vol * np.abs(streams["low"].standard_normal(n))
    high = _stretch(np.maximum(open_, close), underlying, up)
    low = _stretch(np.minimum(open_, close), underlying, -down)
    move = np.abs(log_close - prev_log) + np.abs(multiplier - prev_multiplier)
    volume = _volume(streams["volume"], syn.base_volume, move / syn.daily_vol)
    return {"open": open_, "high": high, "low": low, "close": close, "volume": volume}


def _volume(stream: np.random.Generator, base_volume: int, move: np.ndarray) -> np.ndarray:
    """Return positive integer volumes; ``move`` is the day's move in units of daily_vol."""
    sd = _VOLUME_NOISE
    noise = np.exp(sd * stream.standard_normal(move.shape[0]) - sd * sd / 2.0)  # mean 1
    # Normalised by the activity of a typical day, E|z| = sqrt(2 / pi), to keep the mean near base.
    activity = (1.0 + _VOLUME_MOVE_WEIGHT * move) / (1.0 + _VOLUME_MOVE_WEIGHT * _MEAN_ABS_NORMAL)
    return np.maximum(np.rint(base_volume * noise * activity), 1.0).astype(np.int64)


def generate_market(
    commodity: str,
    spec: CommoditySpec,
    calendar: TradingCalendarSpec,
    start: dt.date,
    end: dt.date,
    *,
    seed: int,
    origin: dt.date,
) -> pl.DataFrame:
    """Return synthetic daily OHLCV with ``MARKET_SCHEMA`` for the trading days in [start, end].

    Both ends are inclusive. The path is simulated from ``origin`` over every weekday, so a row
    depends only on (seed, commodity, spec, origin, its date): never on ``start``, ``end`` or the
    holiday list. ``flags`` is "", ``origin`` is ``synthetic`` and ``source`` is
    ``synthetic:<seed>`` (batch and time are stamped by whoever stores the rows). Raises ValueError
    when ``start < origin`` (the path has no history there) or ``end < start`` (an inverted
    window is almost always swapped arguments, and an empty frame would hide that).
    """
    if start < origin:
        raise ValueError(
            f"synthetic {commodity}: start {start} is before the origin {origin}; "
            "pass a start on or after the origin"
        )
    if end < start:
        raise ValueError(
            f"synthetic {commodity}: end {end} is before start {start}; "
            "the window is inclusive and must not be inverted"
        )
    days = _weekdays(origin, end)
    if days.shape[0] == 0:
        return empty_market_frame()
    columns = _ohlcv(_streams(seed, commodity), spec, days)
    window = days >= np.datetime64(start, "D")
    keep = np.flatnonzero(window)[_trading_mask(days[window], calendar)]
    frame = pl.DataFrame(
        {"date": days[keep], **{name: values[keep] for name, values in columns.items()}}
    ).with_columns(
        commodity=pl.lit(commodity), flags=pl.lit(""), origin=pl.lit("synthetic"),
        source=pl.lit(f"synthetic:{seed}")
    )
    return conform_market_frame(frame)


def generate_universe_market(
    universe: Universe,
    start: dt.date,
    end: dt.date,
    commodities: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Return ``generate_market`` for ``commodities`` (default: all), sorted by commodity, date.

    Uses ``universe.seed`` and ``universe.partition_start`` as the origin; an unknown key raises
    KeyError naming the known ones.
    """
    keys = universe.commodity_keys if commodities is None else list(commodities)
    frames = [
        generate_market(
            key,
            universe.commodity(key),
            universe.calendar_for(key),
            start,
            end,
            seed=universe.seed,
            origin=universe.partition_start,
        )
        for key in keys
    ]
    return conform_market_frame(pl.concat(frames)) if frames else empty_market_frame()
