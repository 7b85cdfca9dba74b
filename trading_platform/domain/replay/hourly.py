"""A deterministic synthetic hourly continuous futures series, for replays on intraday bars.

Conventions, stated once:

- **Sessions** are CME Globex style, in New York wall-clock time kept naive (no time zone, no
  daylight-saving shifts): a session opens at 18:00 on the day before its trading day and closes
  at 17:00 on the trading day, Monday to Friday. So trading runs Sunday 18:00 to Friday 17:00
  with a one-hour break 17:00-18:00 each day, and a session has 23 hourly bars (a week 115).
- **Bars** are labelled by their close: the bar covering 18:00-19:00 has the timestamp 19:00, so
  timestamps are whole hours other than 18:00, never on Saturday, on Sunday only from 19:00 and
  on Friday only up to 17:00. The first bar is the first one closing at or after ``start``. The
  first session may be partial; it still counts as a session.
- **Prices** are a seeded geometric random walk with hourly volatility
  ``annual_vol / sqrt(252 x 23)`` (252 sessions of 23 hours a year), each close rounded to the
  tick and floored at one tick so that it stays positive. The first close is ``base_price``.
- **Contracts** are monthly (``CLF2027``: root, month letter, year). The first is the month after
  ``start``'s; each roll moves to the following month. The roll is on the last bar (17:00) of
  every ``roll_every_sessions``-th session, except the series' last bar (no bar of the next
  contract would follow). On a roll bar ``close`` is still the held contract's, ``next_close``
  is the next contract's close there (``close`` plus a seeded carry gap of about
  ``CARRY_GAP_SD`` of the price, rounded to the tick), and the walk continues from it.
- **adjusted_close** is back-adjusted by differences as in ``futures.continuous``: each close
  plus the gaps ``next_close - close`` of every roll on or after its bar, so the last contract
  is unadjusted and the adjusted series has no jump at a roll.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl

from trading_platform.domain.futures.contracts import contract_name

SESSION_CLOSE_HOUR = 17  # the last bar of a session closes at 17:00
BREAK_BAR_HOUR = 18      # the bar that would close at 18:00 covers the break: there is none
SESSION_OPEN_CLOSE_HOUR = 19  # the first bar of a session (18:00-19:00) closes at 19:00
HOURS_PER_SESSION = 23
SESSIONS_PER_YEAR = 252
BARS_PER_WEEK = 5 * HOURS_PER_SESSION
CARRY_GAP_SD = 0.002  # a calendar spread of about 0.2 % of the price, as for front-month crude
_FRIDAY, _SATURDAY, _SUNDAY = 4, 5, 6
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)

HOURLY_SCHEMA = {"timestamp": pl.Datetime("us"), "contract": pl.String, "close": pl.Float64,
                 "adjusted_close": pl.Float64, "roll": pl.Boolean, "next_contract": pl.String,
                 "next_close": pl.Float64}


def hourly_series(bars: int, start: dt.datetime, base_price: float, seed: int, root: str = "CL",
                  tick: float = 0.01, annual_vol: float = 0.30,
                  roll_every_sessions: int = 21) -> pl.DataFrame:
    """``bars`` hourly bars (``HOURLY_SCHEMA``) from ``start`` on, by the module's conventions;
    the same arguments give the same frame."""
    _check(bars, base_price, tick, annual_vol, roll_every_sessions)
    hours = bar_close_hours(bars, start)
    roll = roll_bars(hours, roll_every_sessions)
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, annual_vol / math.sqrt(SESSIONS_PER_YEAR * HOURS_PER_SESSION), bars)
    gaps = rng.normal(0.0, CARRY_GAP_SD, int(roll.sum()))
    close, next_close = _walk(base_price, tick, steps, gaps, roll)
    held, following = _contracts(root, start, roll)
    # summed from the last bar back, so each bar gets the gaps of the rolls at or after it
    shift = np.cumsum(np.where(roll, next_close - close, 0.0)[::-1])[::-1]
    return pl.DataFrame({
        "timestamp": hours.astype("datetime64[h]").astype("datetime64[us]"),
        "contract": held, "close": close, "adjusted_close": np.round(close + shift, 10),
        "roll": roll, "next_contract": following,
        "next_close": next_close}, schema=HOURLY_SCHEMA
    ).with_columns(pl.col("next_close").fill_nan(None))


def bar_close_hours(bars: int, start: dt.datetime) -> np.ndarray:
    """The first ``bars`` bar closes at or after ``start``, as whole hours since 1970-01-01."""
    first = start.replace(minute=0, second=0, microsecond=0)
    if first < start:
        first += dt.timedelta(hours=1)
    # any 168 consecutive hours hold exactly one week's bars, so this many hours always suffice
    span = (bars // BARS_PER_WEEK + 2) * 7 * 24
    hours = np.datetime64(first, "h").astype(np.int64) + np.arange(span, dtype=np.int64)
    return hours[_is_bar_close(hours)][:bars]


def roll_bars(hours: np.ndarray, every: int) -> np.ndarray:
    """True on the 17:00 bar of every ``every``-th session (counting the first, even partial,
    as one), except the last bar."""
    hour = hours % 24
    # a bar closing at 19:00 or later belongs to the next day's session
    trading_day = hours // 24 + (hour >= SESSION_OPEN_CLOSE_HOUR)
    session = np.concatenate([[0], np.cumsum(np.diff(trading_day) != 0)])
    roll = (hour == SESSION_CLOSE_HOUR) & ((session + 1) % every == 0)
    roll[-1:] = False
    return roll


def _is_bar_close(hours: np.ndarray) -> np.ndarray:
    hour = hours % 24
    weekday = (hours // 24 + _EPOCH_WEEKDAY) % 7
    return (hour != BREAK_BAR_HOUR) & (weekday != _SATURDAY) \
        & ~((weekday == _SUNDAY) & (hour < SESSION_OPEN_CLOSE_HOUR)) \
        & ~((weekday == _FRIDAY) & (hour > SESSION_CLOSE_HOUR))


def _walk(base_price: float, tick: float, steps: np.ndarray, gaps: np.ndarray,
          roll: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(close, next_close): the walk contract by contract, each starting from the next_close
    of the roll before it (the first from ``base_price``)."""
    close, next_close = np.empty(steps.size), np.full(steps.size, np.nan)
    ends = np.concatenate([np.flatnonzero(roll), [steps.size - 1]])
    anchor, begin = base_price, 0
    for i, end in enumerate(ends):
        moves = steps[begin:end + 1].copy()
        if begin == 0:
            moves[0] = 0.0  # the first close is the base price itself
        close[begin:end + 1] = _to_tick(anchor * np.exp(np.cumsum(moves)), tick)
        if i < gaps.size:
            next_close[end] = _to_tick(close[end] * (1.0 + gaps[i]), tick)
            anchor = float(next_close[end])
        begin = end + 1
    return close, next_close


def _to_tick(prices: np.ndarray, tick: float) -> np.ndarray:
    # rounding to 10 decimals removes the float noise of ticks x tick (70.13000000000001)
    return np.round(np.maximum(np.round(prices / tick), 1.0) * tick, 10)


def _contracts(root: str, start: dt.datetime, roll: np.ndarray
               ) -> tuple[list[str], list[str | None]]:
    """(held contract per bar, the contract rolled into on roll bars else None)."""
    first = start.year * 12 + start.month  # months since year 0, zero-based: the next month
    names = [contract_name(root, m // 12, m % 12 + 1)
             for m in range(first, first + int(roll.sum()) + 1)]
    rolled_before = np.cumsum(roll) - roll
    held = [names[k] for k in rolled_before]
    following = [names[k + 1] if r else None for k, r in zip(rolled_before, roll, strict=True)]
    return held, following


def _check(bars: int, base_price: float, tick: float, annual_vol: float, every: int) -> None:
    problems = [text for bad, text in (
        (bars < 1, f"bars must be at least 1, got {bars}"),
        (not base_price > 0, f"base_price must be positive, got {base_price}"),
        (not tick > 0, f"tick must be positive, got {tick}"),
        (not annual_vol >= 0, f"annual_vol must be zero or more, got {annual_vol}"),
        (every < 1, f"roll_every_sessions must be at least 1, got {every}")) if bad]
    if problems:
        raise ValueError("hourly_series: " + "; ".join(problems))
