"""Each breaker and kill-switch trigger of the futures paper book on a scenario that trips it
alone (hand-derived in the comments), and a quiet book that trips nothing."""

from __future__ import annotations

import numpy as np
import pytest

from trading_platform.config.risk_limits import FuturesBreakers, KillSwitch
from trading_platform.domain.desk.trading_book.breakers import (
    breaker_checks,
    kill_switch_checks,
    rolling_sharpe,
)

CAPITAL = 1_000_000.0
FLAT = (np.zeros(2), np.zeros(2))


def _tripped(value, entry_unrealised=FLAT, initial=CAPITAL) -> set[str]:
    value = np.asarray(value, dtype=float)
    checks = breaker_checks(value, initial, *entry_unrealised, FuturesBreakers()) + \
        kill_switch_checks(value, KillSwitch())
    return {c.name for c in checks if not c.passed}


def _path(start: float, returns: list[float]) -> np.ndarray:
    return start * np.cumprod([1.0, *(1.0 + np.asarray(returns))])


def test_breakers_given_a_quiet_book_trip_nothing():
    # 40 days alternating +0.4 % and -0.2 %: Sharpe far above 0.5, no loss near a limit
    assert _tripped(_path(CAPITAL, [0.004, -0.002] * 20)) == set()


@pytest.mark.parametrize(("returns", "tripped"), [
    # one day of -3.5 %: the kill switch (3 %), not the breaker (5 %)
    ([0.001] * 5 + [-0.035], {"kill_switch_day_loss"}),
    # one day of -6 %: both
    ([0.001] * 5 + [-0.06], {"day_loss_breaker", "kill_switch_day_loss"}),
    # five days of -2.5 %: 1 - 0.975^5 = 11.9 % in a week > 10 %; drawdown 11.9 % < 15 %
    ([0.001] * 5 + [-0.025] * 5, {"week_loss_breaker"}),
])
def test_breakers_given_a_losing_stretch_trip_exactly_those(returns, tripped):
    assert _tripped(_path(CAPITAL, returns)) == tripped


def test_drawdown_breaker_given_a_slow_slide_from_the_peak_trips():
    # up 20 % in 10 steps of ~1.84 %, then 12 days of -1.5 %: 1 - 0.985^12 = 16.6 % > 15 %;
    # any 5 days lose 1 - 0.985^5 = 7.3 % < 10 %
    rise = [1.2 ** 0.1 - 1.0] * 10
    assert _tripped(_path(CAPITAL, rise + [-0.015] * 12)) == {"drawdown_breaker"}


def test_position_loss_breaker_given_one_position_down_9_percent_trips():
    # entry 100,000 with -9,000 unrealised: 9 % > 8 %; the other position is up
    entry, unrealised = np.array([100_000.0, 50_000.0]), np.array([-9_000.0, 1_000.0])
    quiet = _path(CAPITAL, [0.004, -0.002] * 20)
    assert _tripped(quiet, (entry, unrealised)) == {"position_loss_breaker"}


def test_value_breaker_given_a_book_below_80_percent_of_its_capital_trips():
    # since a reset at 850,000, down 10,000 a day to 790,000: 79 % of the 1,000,000 start;
    # drawdown since the reset 1 - 790/850 = 7.1 %; a week 1 - 790/840 = 6.0 %
    assert _tripped(np.arange(850_000.0, 789_999.0, -10_000.0)) == {"value_breaker"}


def test_kill_switch_sharpe_given_six_weeks_of_drift_down_trips_and_not_before():
    # +0.5 % then -0.6 %: mean -0.05 % a day, a negative Sharpe
    returns = [0.005, -0.006] * 15
    assert _tripped(_path(CAPITAL, returns)) == {"kill_switch_sharpe"}
    short = kill_switch_checks(_path(CAPITAL, returns[:29]), KillSwitch())[1]
    assert short.passed and "29 of the 30 daily returns" in short.description


def test_kill_switch_sharpe_given_a_flat_book_for_six_weeks_passes_saying_why():
    # a shadow book without a position: value unchanged, no Sharpe to judge, no trip
    assert _tripped(np.full(40, CAPITAL)) == set()
    check = kill_switch_checks(np.full(40, CAPITAL), KillSwitch())[1]
    assert check.passed and "did not move" in check.description


def test_rolling_sharpe_given_hand_figures_matches():
    # mean 0.001, sample std of [0.002, 0.0] = 0.0014142: 0.7071 x sqrt(252) = 11.225
    assert rolling_sharpe(np.array([0.002, 0.0])) == pytest.approx(0.001 / np.sqrt(2e-6)
                                                                   * np.sqrt(252))
    assert np.isnan(rolling_sharpe(np.zeros(5)))


def test_a_tripped_breaker_says_the_book_is_halted_and_how_to_reset():
    checks = breaker_checks(_path(CAPITAL, [-0.06]), CAPITAL, *FLAT, FuturesBreakers())
    day = next(c for c in checks if c.name == "day_loss_breaker")
    assert "HALTED" in day.description and "desk reset --book futures" in day.description
    assert day.metadata["observed"] == pytest.approx(0.06)


def test_futures_breakers_given_a_week_limit_below_the_day_limit_are_refused():
    # shared with the inventory book's breakers: a week may lose at least as much as a day
    with pytest.raises(ValueError, match=r"one_week_loss 0\.04 is below one_day_loss 0\.05"):
        FuturesBreakers(one_week_loss=0.04)
