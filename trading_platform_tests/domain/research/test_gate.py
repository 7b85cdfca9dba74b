"""The overfitting gate's criteria on known answers, and walk-forward folds by hand."""

from __future__ import annotations

import math

import pytest

from trading_platform.domain.research.folds import Fold, ratio_split, walk_forward_folds
from trading_platform.domain.research.gate import GateThresholds, evaluate_gate

GOOD = {"train_sharpe": 1.4, "test_sharpe": 1.1, "dsr": 0.97, "pbo": 0.1,
        "stability_ratio": 0.8, "fold_sharpes": [0.5, 0.2, -0.1, 0.9, 0.3]}


def test_evaluate_gate_given_a_sound_run_passes_every_criterion():
    report = evaluate_gate(**GOOD, thresholds=GateThresholds())
    assert report.passed and [c.name for c in report.criteria] == [
        "train_test_gap", "deflated_sharpe", "pbo", "stability", "walk_forward"]
    # 4 of 5 folds positive: 0.8 >= 0.6
    assert report.criteria[-1].value == pytest.approx(0.8)


@pytest.mark.parametrize(("change", "failed"), [
    ({"train_sharpe": 2.3}, "train_test_gap"),        # 2.3 - 1.1 = 1.2 > 1.0
    ({"dsr": 0.90}, "deflated_sharpe"),
    ({"pbo": 0.45}, "pbo"),
    ({"stability_ratio": 0.3}, "stability"),
    ({"fold_sharpes": [0.5, -0.2, -0.1, 0.9, -0.3]}, "walk_forward"),  # 2 of 5 = 0.4
    ({"dsr": math.nan}, "deflated_sharpe"),           # a missing figure never passes
])
def test_evaluate_gate_given_one_bad_figure_fails_that_criterion_only(change, failed):
    report = evaluate_gate(**{**GOOD, **change}, thresholds=GateThresholds())
    assert not report.passed and report.failed == [failed]
    assert f"{failed} FAIL" in report.describe()


def test_evaluate_gate_given_no_folds_leaves_walk_forward_out():
    report = evaluate_gate(**{**GOOD, "fold_sharpes": None}, thresholds=GateThresholds())
    assert report.passed and "walk_forward" not in [c.name for c in report.criteria]


def test_walk_forward_folds_given_purge_and_embargo_leave_the_gap_before_each_test():
    # 30 days, train 10, purge 1, embargo 1, test 5, step 5: tests at 12..17, 17..22, 22..27;
    # the next would end at 32 > 30.
    assert walk_forward_folds(30, 10, 5, 5, purge=1, embargo=1) == [
        Fold(0, 10, 12, 17), Fold(5, 15, 17, 22), Fold(10, 20, 22, 27)]


def test_walk_forward_folds_given_windows_longer_than_the_data_refuses():
    with pytest.raises(ValueError, match="no walk-forward fold fits in 10 days"):
        walk_forward_folds(10, 8, 5, 1)


def test_ratio_split_given_75_percent_cuts_at_the_rounded_day():
    assert ratio_split(1_000) == Fold(0, 750, 750, 1_000)
