"""The trading-book champion's validation report: hand-derived window returns, the equal-weight
comparison, and a planted non-deterministic rerun caught."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from trading_platform.domain.futures.book_validation import validation_report

DAYS = [dt.date(2026, 1, d) for d in (5, 6, 7, 8)]
EQUITY = pl.DataFrame({
    "signal_set": ["ma|none"] * 8,
    "optimiser": ["hrp"] * 4 + ["equal_weight"] * 4,
    "date": DAYS * 2,
    "equity": [100.0, 110.0, 121.0, 132.0, 100.0, 105.0, 100.0, 126.0],
})
CHAMPION = {"signal_set": "ma|none", "optimiser": "hrp"}
STORED = np.array([100.0, 110.0, 121.0, 132.0])


def test_validation_report_given_a_holdout_compares_with_the_equal_weight_cell():
    report = validation_report(EQUITY, CHAMPION, (DAYS[2], DAYS[3]), 100.0,
                               {0: STORED.copy(), 1: STORED.copy()})
    # from the value before the window: hrp 132 / 110 - 1 = 20 %, equal weight 126 / 105 - 1 = 20 %
    assert report["validation_return"] == pytest.approx(0.2)
    assert report["equal_weight_return"] == pytest.approx(0.2)
    assert report["beats_equal_weight"] is False  # equal is not better
    assert report["deterministic"] is True and report["determinism"] == {"0": 0.0, "1": 0.0}


def test_validation_report_given_a_rerun_that_differs_is_not_deterministic():
    planted = STORED.copy()
    planted[2] += 0.5  # a hidden state that moved one day's value
    report = validation_report(EQUITY, CHAMPION, (DAYS[2], DAYS[3]), 100.0,
                               {0: STORED.copy(), 1: planted})
    assert report["deterministic"] is False and report["determinism"]["1"] == 0.5


def test_validation_report_given_the_equal_weight_champion_has_nothing_to_beat():
    report = validation_report(EQUITY, {"signal_set": "ma|none", "optimiser": "equal_weight"},
                               (DAYS[0], DAYS[3]), 100.0, {})
    # from the capital: 126 / 100 - 1 = 26 %
    assert report["validation_return"] == pytest.approx(0.26)
    assert report["beats_equal_weight"] is None and report["deterministic"] is False
