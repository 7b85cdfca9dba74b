"""Point-in-time regime labels and regime consistency."""

import numpy as np
import pytest

from trading_platform.domain.selection.regimes import (
    MIN_REGIME_DAYS,
    REGIMES,
    TREND_WINDOW,
    UNKNOWN,
    VOL_HISTORY,
    VOL_WINDOW,
    regime_breakdown,
    regime_consistency,
    regime_labels,
)

WARM_UP = VOL_WINDOW + VOL_HISTORY - 1  # first labelled day: 20 returns, 250 volatilities


def _market(seed: int, n: int = 700) -> np.ndarray:
    rng = np.random.default_rng(seed)
    vol = np.where(np.arange(n) % 200 < 100, 0.01, 0.03)  # calm and volatile stretches
    return 100 * np.exp(np.cumsum(rng.normal(0, vol)))


def test_regime_labels_given_warm_up_are_unknown_then_labelled():
    labels = regime_labels(_market(0))
    assert (labels[:WARM_UP] == UNKNOWN).all()
    assert set(np.unique(labels[WARM_UP:])) <= set(range(len(REGIMES)))
    assert WARM_UP >= TREND_WINDOW


def test_regime_labels_given_truncated_history_equal_the_prefix():
    close = _market(1)
    full = regime_labels(close)
    for end in (300, 450, 699):
        np.testing.assert_array_equal(regime_labels(close[:end]), full[:end])


def test_regime_labels_given_steady_rise_in_calm_then_turbulent_fall():
    # 400 days rising 0.1 % a day with swings shrinking from 1 % to 0.1 % (today's volatility
    # below its 250-day median: calm), then 100 days falling with +4 %/-6 % swings: the rise
    # ends calm_up; the end of the fall (volatility far above its median, close under its
    # 50-day mean) is volatile_down.
    swing = np.linspace(0.01, 0.001, 400) * np.where(np.arange(400) % 2 == 0, 1.0, -1.0)
    rise = 100 * np.exp(0.001 * np.arange(400) + swing)
    swings = np.where(np.arange(100) % 2 == 0, 0.04, -0.06)
    close = np.concatenate([rise, rise[-1] * np.exp(np.cumsum(swings))])
    labels = regime_labels(close)
    assert REGIMES[labels[399]] == "calm_up"
    assert REGIMES[labels[-1]] == "volatile_down"


def test_regime_consistency_given_pnl_by_regime_counts_regimes_with_enough_days():
    labels = np.repeat(np.array([0, 1, 2, 3, UNKNOWN]), MIN_REGIME_DAYS)
    pnl = np.repeat(np.array([1.0, -1.0, 0.5, 2.0, -100.0]), MIN_REGIME_DAYS)
    assert regime_consistency(pnl, labels) == pytest.approx(0.75)  # 3 of 4 regimes earn
    short = labels.copy()
    short[:5] = UNKNOWN  # calm_up drops under MIN_REGIME_DAYS: 2 of the 3 left earn
    assert regime_consistency(pnl, short) == pytest.approx(2 / 3)
    assert regime_consistency(pnl, np.full(pnl.size, UNKNOWN)) == 0.0
    breakdown = regime_breakdown(pnl, labels)
    assert breakdown["calm_down"] == {"days": 20.0, "mean_pnl": -1.0, "total_pnl": -20.0}
