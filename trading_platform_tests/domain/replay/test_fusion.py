"""The fusion example's vectorised score is bit-identical to the score its on_bar computes
(hand-derived and random cases), and its screen marks a crossing wherever the entry threshold
lies in its range."""

from __future__ import annotations

import numpy as np
import pytest

from trading_platform.domain.replay.fusion import FusionUser

SMALL = {"fast": 2, "slow": 3, "breakout": 3, "breakout_recent": 2, "atr_window": 2,
         "regime_window": 2, "regime_quantile": 0.5}


def _twin(strategy: FusionUser, prices: np.ndarray) -> np.ndarray:
    first = strategy.need - 2
    return np.array([strategy.score_at(prices[:t + 1].tolist())[0] if t >= first else np.nan
                     for t in range(prices.size)])


def test_fusion_scores_given_a_rise_then_a_slip_match_the_hand_derivation():
    # need = max(3, 3, 2 + 2) + 1 = 5, so scores start at bar 3.
    # Bar 3 (10 11 12 11): fast (12+11)/2 = 11.5 > slow 34/3: side +1; channel 11 12 11: the
    # high 12 is 1 bar old, the low 11 2 bars: +1; moves 1 1 1, ATRs 1 and 1, 2 of 2 <= 1:
    # regime 1. Score 0.4 + 0.4 + 0.2 = 1.0.
    # Bar 4 (.. 11.5): fast 11.25 < slow 34.5/3 = 11.5: side -1; channel 12 11 11.5: the low
    # is 1 bar old, the high 2: -1; ATRs 1 and (1 + 0.5)/2 = 0.75, 1 of 2 <= 0.75 = 0.5:
    # regime 1. Score -0.4 - 0.4 - 0.2 = -1.0.
    strategy = FusionUser(**SMALL)
    prices = np.array([10.0, 11.0, 12.0, 11.0, 11.5])
    np.testing.assert_array_equal(strategy.scores(prices), [np.nan, np.nan, np.nan, 1.0, -1.0])
    screen = strategy.screen({"adjusted_close": prices})
    assert screen.rows() == [(4, "sell", -1.0, "score_cross")]


@pytest.mark.parametrize("params", [SMALL, {}, {"fast": 5, "slow": 30, "breakout": 20,
                                                "breakout_recent": 5, "atr_window": 10,
                                                "regime_window": 40, "regime_quantile": 0.7}])
def test_fusion_scores_given_random_walks_equal_the_plain_python_twin_bit_for_bit(params):
    rng = np.random.default_rng(7)
    strategy = FusionUser(**params)
    for _ in range(3):
        prices = np.round(100 + np.cumsum(rng.normal(0, 1, 420)), 2)  # ticks: ties happen
        np.testing.assert_array_equal(strategy.scores(prices), _twin(strategy, prices))


def test_fusion_screen_given_any_threshold_in_range_marks_every_entry_crossing():
    rng = np.random.default_rng(11)
    prices = np.round(100 + np.cumsum(rng.normal(0, 1, 1500)), 2)
    wide = FusionUser(threshold_range=(0.4, 1.0))
    marked = set(wide.screen({"adjusted_close": prices})["bar"].to_list())
    base = FusionUser()
    score = _twin(base, prices)
    for threshold in (0.4, 0.6, 0.8, 1.0):
        up = np.flatnonzero((score[:-1] < threshold) & (score[1:] >= threshold)) + 1
        down = np.flatnonzero((score[:-1] > -threshold) & (score[1:] <= -threshold)) + 1
        assert up.size and down.size
        assert set(up) | set(down) <= marked
    # the default range is the threshold alone: fewer bars, still every crossing of 0.6
    narrow = set(base.screen({"adjusted_close": prices})["bar"].to_list())
    up = np.flatnonzero((score[:-1] < 0.6) & (score[1:] >= 0.6)) + 1
    assert set(up) <= narrow and len(narrow) < len(marked)


def test_fusion_user_given_a_threshold_outside_its_range_refuses():
    with pytest.raises(ValueError, match=r"threshold 1.2 must lie in threshold_range"):
        FusionUser(threshold=1.2, threshold_range=(0.4, 1.0))
