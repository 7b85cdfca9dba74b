"""Circuit breakers: time-weighted returns, the index, drawdown, the three trips, parity."""

import json

import numpy as np
import pytest

from trading_platform.config.risk_limits import BreakerLimits
from trading_platform.domain.desk.breakers import (
    BreakerReading,
    book_returns,
    breaker_outcomes,
    read_breakers,
)

LIMITS = BreakerLimits()  # 3 % day, 10 % week of 5 days, 15 % drawdown


def _verdicts(value, flow=None):
    value = np.asarray(value, dtype=float)
    flow = np.zeros_like(value) if flow is None else np.asarray(flow, dtype=float)
    reading = read_breakers(value, flow, LIMITS.week_days)
    return {o.name: o.passed for o in breaker_outcomes(reading, LIMITS)}


def test_book_returns_given_intake_day_counts_flow_as_unearned():
    # (150 - 100 - 50) / 100 = 0; (135 - 150 - 0) / 150 = -0.1
    returns = book_returns(np.array([100.0, 150.0, 135.0]), np.array([0.0, 50.0, 0.0]))
    np.testing.assert_allclose(returns, [0.0, 0.0, -0.1])


def test_book_returns_given_zero_or_non_finite_previous_value_is_zero():
    # day 1: previous 0 -> no capital at risk; day 2: (60 - 50 - 0) / 50 = 0.2;
    # day 4: previous nan -> 0
    value = np.array([0.0, 50.0, 60.0, np.nan, 70.0])
    returns = book_returns(value, np.array([0.0, 50.0, 0.0, 0.0, 0.0]))
    assert returns[0] == 0.0 and returns[1] == 0.0 and returns[4] == 0.0
    assert returns[2] == pytest.approx(0.2)


def test_read_breakers_given_rise_fall_recover_derives_index_week_and_drawdown():
    # r = [0, 0.1, -0.1, 104.5/99 - 1]; I = [1, 1.1, 0.99, 1.045]; peak 1.1
    value, flow = np.array([100.0, 110.0, 99.0, 104.5]), np.zeros(4)
    reading = read_breakers(value, flow, week_days=2)
    assert reading.days == 4
    assert reading.one_day_return == pytest.approx(104.5 / 99 - 1)
    assert reading.one_week_return == pytest.approx(1.045 / 1.1 - 1)  # I_3 / I_1 - 1 = -0.05
    assert reading.drawdown == pytest.approx(1 - 1.045 / 1.1)  # 0.05
    short = read_breakers(value, flow, week_days=5)  # fewer days: I_3 / I_0 - 1 = 0.045
    assert short.one_week_return == pytest.approx(0.045)


def test_read_breakers_given_capital_base_measures_pnl_against_it():
    # A book of stock only (no cash): 100 -> 96.75 is -3.25 % of its value, but against a
    # capital of 300 (a season's intake at the first close) the day's P&L is -3.25 / 300.
    # Values 100, 110, 96.75, 104.5: r = [0, 10, -13.25, 7.75] / 300; I = 1 + cumsum(r) =
    # [1, 1.0333, 0.9892, 1.015]; week of 2: I_3 - I_1 = -5.5 / 300; drawdown 1.0333 - 1.015.
    value, flow = np.array([100.0, 110.0, 96.75, 104.5]), np.zeros(4)
    reading = read_breakers(value, flow, week_days=2, capital=300.0)
    assert reading.one_day_return == pytest.approx(7.75 / 300)
    assert reading.one_week_return == pytest.approx(-5.5 / 300)
    assert reading.drawdown == pytest.approx(5.5 / 300)
    on_value = read_breakers(value[:3], flow[:3], week_days=2)
    on_capital = read_breakers(value[:3], flow[:3], week_days=2, capital=300.0)
    assert on_value.one_day_return < -LIMITS.one_day_loss  # the stock's own move trips
    assert on_capital.one_day_return == pytest.approx(-13.25 / 300)  # -4.4 % of capital
    with pytest.raises(ValueError, match="breaker_capital"):
        read_breakers(value, flow, week_days=2, capital=0.0)


def test_read_breakers_given_single_day_reads_flat():
    reading = read_breakers(np.array([100.0]), np.array([100.0]), week_days=5)
    assert reading == BreakerReading(0.0, 0.0, 0.0, 1)


def test_read_breakers_given_mismatched_or_empty_input_raises_naming_rule():
    with pytest.raises(ValueError, match="breaker_input_shape"):
        read_breakers(np.ones(3), np.zeros(2), week_days=5)
    with pytest.raises(ValueError, match="breaker_input_nonempty"):
        read_breakers(np.array([]), np.array([]), week_days=5)


def test_breaker_outcomes_given_calm_series_nothing_trips():
    verdicts = _verdicts([100.0, 101.0, 100.5, 101.5, 102.0, 101.0, 102.0])
    assert verdicts == {"one_day_loss_within_limit": True, "one_week_loss_within_limit": True,
                        "drawdown_within_limit": True}


def test_breaker_outcomes_given_four_percent_day_trips_one_day_only():
    # r_2 = 96/100 - 1 = -0.04 < -0.03; week -0.04 > -0.10; drawdown 0.04 < 0.15
    assert _verdicts([100.0, 100.0, 96.0]) == {"one_day_loss_within_limit": False,
                                               "one_week_loss_within_limit": True,
                                               "drawdown_within_limit": True}


def test_breaker_outcomes_given_five_days_of_minus_2_5_percent_trips_week_only():
    # day -2.5 % > -3 %; week 0.975**5 - 1 = -0.1189 < -0.10; drawdown 0.1189 < 0.15
    value = 100.0 * 0.975 ** np.arange(6)
    assert _verdicts(value) == {"one_day_loss_within_limit": True,
                                "one_week_loss_within_limit": False,
                                "drawdown_within_limit": True}


def test_breaker_outcomes_given_slow_nine_day_slide_trips_drawdown_only():
    # day -2 %; week 0.98**5 - 1 = -0.0961 > -0.10; drawdown 1 - 0.98**9 = 0.1663 > 0.15
    value = 100.0 * 0.98 ** np.arange(10)
    assert _verdicts(value) == {"one_day_loss_within_limit": True,
                                "one_week_loss_within_limit": True,
                                "drawdown_within_limit": False}


def test_breaker_outcomes_given_trip_describes_halt_and_reset_with_evidence():
    reading = BreakerReading(one_day_return=-0.04, one_week_return=-0.04, drawdown=0.04, days=3)
    day, week, drawdown = breaker_outcomes(reading, LIMITS)
    assert not day.passed and week.passed and drawdown.passed
    assert all(o.severity == "ERROR" for o in (day, week, drawdown))
    assert "tripped" in day.description and "4.00%" in day.description
    assert "3.00%" in day.description and "HALTED" in day.description
    assert "reset-breaker --commodity C --by NAME --reason TEXT" in day.description
    assert day.metadata["observed"] == pytest.approx(0.04) and day.metadata["threshold"] == 0.03
    json.dumps(day.metadata, allow_nan=False)


def test_breaker_outcomes_given_non_finite_reading_trips():
    reading = read_breakers(np.array([100.0, np.nan]), np.zeros(2), week_days=5)
    assert not any(o.passed for o in breaker_outcomes(reading, LIMITS))


def _slow_reading(value, flow, week_days):
    returns = [0.0]
    for t in range(1, len(value)):
        previous = value[t - 1]
        ok = np.isfinite(previous) and previous > 0
        returns.append((value[t] - previous - flow[t]) / previous if ok else 0.0)
    index, level = [], 1.0
    for r in returns:
        level *= 1.0 + r
        index.append(level)
    base = index[len(index) - 1 - week_days] if len(index) > week_days else index[0]
    return returns, BreakerReading(returns[-1], index[-1] / base - 1, 1 - index[-1] / max(index),
                                   len(index))


@pytest.mark.parametrize("seed", range(5))
def test_read_breakers_given_random_books_matches_plain_loop(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    value = rng.uniform(50.0, 150.0, n)
    value[: int(rng.integers(0, 3))] = 0.0  # an empty book before its first intake
    flow = np.where(rng.random(n) < 0.3, rng.uniform(0.0, 20.0, n), 0.0)
    week_days = int(rng.integers(2, 8))
    returns, expected = _slow_reading(value, flow, week_days)
    np.testing.assert_allclose(book_returns(value, flow), returns, rtol=1e-12, atol=1e-15)
    reading = read_breakers(value, flow, week_days)
    assert reading.days == expected.days
    np.testing.assert_allclose(
        [reading.one_day_return, reading.one_week_return, reading.drawdown],
        [expected.one_day_return, expected.one_week_return, expected.drawdown],
        rtol=1e-12, atol=1e-15,
    )
