"""The selection window and the holdout: where the cut falls, and refusals."""

import numpy as np
import pytest

from trading_platform.domain.selection.windows import split_windows, window_notional

DATES = np.arange(np.datetime64("2024-01-01"), np.datetime64("2024-01-11"))  # 10 days


def test_split_windows_given_fraction_keeps_the_last_days_for_the_holdout():
    windows = split_windows(DATES, 0.2)  # round(10 x 0.2) = 2 holdout days
    assert windows.cut == 8 and windows.has_holdout
    assert windows.span(windows.selection) == (DATES[0].astype(object), DATES[7].astype(object))
    assert windows.span(windows.holdout) == (DATES[8].astype(object), DATES[9].astype(object))


def test_split_windows_given_small_fraction_still_holds_one_day_and_zero_holds_none():
    assert split_windows(DATES, 0.01).cut == 9  # round(0.1) = 0, but at least one day
    none = split_windows(DATES, 0.0)
    assert none.cut == 10 and not none.has_holdout and none.span(none.holdout) is None


@pytest.mark.parametrize(("dates", "fraction", "match"), [
    (DATES[:2], 0.5, "leave 1 for the selection window"),
    (DATES[::-1], 0.2, "sorted and unique"),
    (DATES, 1.0, r"holdout_fraction must be in \[0, 1\)"),
])
def test_split_windows_given_bad_input_refuses(dates, fraction, match):
    with pytest.raises(ValueError, match=match):
        split_windows(dates, fraction)


def test_window_notional_given_holdout_prices_ignores_them():
    # selection prices 4 and 6 (mean 5); a holdout price of 1,000 must not enter: 10 x 5 = 50.
    windows = split_windows(DATES[:3], 0.34)
    assert window_notional(10.0, np.array([4.0, 6.0, 1000.0]), windows) == pytest.approx(50.0)
