"""The synthetic hourly series: its Globex clock, rolls, back adjustment and seeding, and a focused
replay of the fusion example on it that makes the full replay's trades."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import polars as pl
import pytest

from trading_platform.domain.futures.backtest import Costs
from trading_platform.domain.replay.focused import focused_replay, replay_parity
from trading_platform.domain.replay.fusion import FusionUser
from trading_platform.domain.replay.hourly import hourly_series
from trading_platform.domain.replay.replay import full_replay

SUNDAY_OPEN = dt.datetime(2027, 1, 3, 18)  # a Sunday, 18:00: the week's first session opens
MONTH = 21 * 23  # bars in 21 full sessions


def _series(bars: int, seed: int = 1, start: dt.datetime = SUNDAY_OPEN, **kwargs: Any
            ) -> pl.DataFrame:
    return hourly_series(bars, start, 70.0, seed, **kwargs)


@pytest.mark.parametrize("bars", [1, 23, 2_000])
def test_hourly_series_given_a_bar_count_returns_exactly_that_many_rows(bars):
    assert _series(bars).height == bars


def test_hourly_series_given_a_sunday_open_fills_one_week_with_115_bars():
    times = _series(116)["timestamp"].to_list()
    # the 18:00-19:00 bar closes at 19:00; 5 sessions x 23 bars = 115 end on Friday 17:00,
    # and the 116th is the next Sunday's first bar
    assert times[0] == dt.datetime(2027, 1, 3, 19)
    assert times[22] == dt.datetime(2027, 1, 4, 17)
    assert times[23] == dt.datetime(2027, 1, 4, 19)
    assert times[114] == dt.datetime(2027, 1, 8, 17)
    assert times[115] == dt.datetime(2027, 1, 10, 19)


@pytest.mark.parametrize("start", [SUNDAY_OPEN, dt.datetime(2027, 1, 6, 17, 30),
                                   dt.datetime(2027, 1, 9, 11, 5)])
def test_hourly_series_given_any_start_keeps_timestamps_increasing_and_out_of_closures(start):
    series = _series(3_000, start=start).select(
        "timestamp", weekday=pl.col("timestamp").dt.weekday(),  # Monday 1 .. Sunday 7
        hour=pl.col("timestamp").dt.hour(), minute=pl.col("timestamp").dt.minute())
    assert series.schema["timestamp"] == pl.Datetime("us")
    assert series["timestamp"].diff().drop_nulls().min() > dt.timedelta(0)
    assert series["timestamp"][0] >= start
    assert (series["minute"] == 0).all()
    # no bar closes at 18:00 (it would cover the 17:00-18:00 break), none on Saturday, none on
    # Friday after the 17:00 close, none on Sunday before the 18:00-19:00 bar
    closed = series.filter((pl.col("hour") == 18) | (pl.col("weekday") == 6)
                           | ((pl.col("weekday") == 5) & (pl.col("hour") > 17))
                           | ((pl.col("weekday") == 7) & (pl.col("hour") < 19)))
    assert closed.is_empty(), closed.head()


def test_hourly_series_given_one_session_rolls_rolls_on_each_17_00_bar():
    series = _series(50, roll_every_sessions=1)
    # bars 0..22 are Monday's session (Sunday 19:00 .. Monday 17:00), 23..45 Tuesday's
    assert np.flatnonzero(series["roll"].to_numpy()).tolist() == [22, 45]
    # a January start holds February first, then one month further at each roll
    assert series["contract"][0] == "CLG2027" and series["next_contract"][22] == "CLH2027"
    assert series["contract"][23] == "CLH2027" and series["next_contract"][45] == "CLJ2027"


def test_hourly_series_given_21_session_rolls_sets_next_leg_exactly_on_roll_bars():
    series = _series(10 * MONTH, seed=3)
    roll = series["roll"].to_numpy()
    at = np.flatnonzero(roll)
    assert at.size == 9  # the tenth roll would be the last bar: no next contract bar follows
    np.testing.assert_array_equal(at, np.arange(1, 10) * MONTH - 1)
    assert (series["timestamp"].dt.hour().to_numpy()[at] == 17).all()
    assert (series["next_close"].is_not_null().to_numpy() == roll).all()
    assert (series["next_contract"].is_not_null().to_numpy() == roll).all()
    assert series["next_contract"].gather(at).to_list() == \
        series["contract"].gather(at + 1).to_list()
    assert series["contract"].n_unique() == 10


def test_hourly_series_given_a_walk_keeps_prices_positive_on_the_tick():
    series = _series(20_000, seed=11, tick=0.05)
    for column in ("close", "next_close"):
        prices = series[column].drop_nulls().to_numpy()
        assert (prices > 0).all()
        np.testing.assert_allclose(prices / 0.05, np.round(prices / 0.05), atol=1e-6)


def test_hourly_series_given_annual_vol_moves_by_the_hourly_volatility():
    series = _series(40_000, seed=5, annual_vol=0.3)
    close, roll = series["close"].to_numpy(), series["roll"].to_numpy()
    # a move from a roll bar is the new contract's move from next_close, so skip those
    moves = np.diff(np.log(close))[~roll[:-1]]
    # 0.30 / sqrt(252 x 23) = 0.30 / 76.13 = 0.00394 an hour
    assert moves.std() == pytest.approx(0.3 / math.sqrt(252 * 23), rel=0.03)


def test_hourly_series_given_rolls_back_adjusts_without_a_gap():
    series = _series(6 * MONTH, seed=7)
    close, adjusted = series["close"].to_numpy(), series["adjusted_close"].to_numpy()
    roll, next_close = series["roll"].to_numpy(), series["next_close"].to_numpy()
    at = np.flatnonzero(roll)
    assert at.size == 5
    # adjusted_t = close_t + S_t, S_t the sum of gaps (next_close - close) of rolls at bars >= t.
    # From t-1 to t with t-1 not a roll, S_{t-1} = S_t, so the adjusted move is the close's.
    steady = ~roll[:-1]
    np.testing.assert_allclose(np.diff(adjusted)[steady], np.diff(close)[steady], atol=1e-9)
    # Across a roll at r: adjusted_r = close_r + (next_close_r - close_r) + S_{r+1}
    # = next_close_r + S_{r+1}, and adjusted_{r+1} = close_{r+1} + S_{r+1}; so the adjusted move
    # is close_{r+1} - next_close_r, the new contract's own move: no jump from the roll gap.
    np.testing.assert_allclose(adjusted[at + 1] - adjusted[at], close[at + 1] - next_close[at],
                               atol=1e-9)
    assert (np.abs(next_close[at] - close[at]) > 0).any()  # the gaps are really there
    last = at[-1] + 1
    np.testing.assert_array_equal(adjusted[last:], close[last:])


def test_hourly_series_given_the_same_seed_returns_the_same_frame():
    assert _series(1_500, seed=9).equals(_series(1_500, seed=9))


def test_hourly_series_given_another_seed_returns_other_prices():
    one, two = _series(1_500, seed=9), _series(1_500, seed=10)
    assert one["timestamp"].equals(two["timestamp"])  # the clock is not random
    assert not one["close"].equals(two["close"])


def test_hourly_series_given_bad_arguments_names_each():
    with pytest.raises(ValueError, match=r"bars must be at least 1.*tick must be positive"):
        _series(0, tick=0.0)


def test_focused_replay_given_hourly_bars_makes_the_full_replays_trades(universe):
    series = _series(2_500, seed=6)
    spec, strategy = universe.commodities["crude"].futures, FusionUser()
    full = full_replay(strategy, series, spec, Costs(), 1_000_000.0)
    focused = focused_replay(strategy, series, spec, Costs(), 1_000_000.0)
    outcome = replay_parity(full, focused.replay)
    assert outcome.passed, outcome.description
    # not a vacuous parity: entries, trailing-stop exits and rolls of a held position all occur
    assert {"signal", "stop", "roll_out", "roll_in"} <= set(full.trades["reason"].to_list())
    assert focused.candidates.height < 0.1 * series.height
