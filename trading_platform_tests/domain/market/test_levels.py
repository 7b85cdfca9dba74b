"""A file quoted unlike the stored series (other unit, contract or vendor) is refused, with the
ratio that gave it away; nothing is rescaled."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from trading_platform.domain.market.levels import check_levels
from trading_platform.domain.market.readers import IngestError
from trading_platform.domain.market.schema import conform_market_frame, empty_market_frame

# USc/lb -> USD/t: x 2204.62 lb/t / 100 cents = x 22.0462
CENTS_PER_LB_TO_USD_PER_TONNE = 22.0462
DAYS = [dt.date(2024, 1, 2) + dt.timedelta(days=n) for n in range(0, 14) if
        (dt.date(2024, 1, 2) + dt.timedelta(days=n)).weekday() < 5]


def _series(closes: list[float], days: list[dt.date] = DAYS,
            commodity: str = "coffee") -> pl.DataFrame:
    return conform_market_frame(pl.DataFrame({
        "commodity": commodity, "date": days[: len(closes)], "open": closes, "high": closes,
        "low": closes, "close": closes, "volume": 1, "flags": "", "origin": "vendor",
        "source": "t.csv"}))


STORED = _series([150.0 + n for n in range(len(DAYS))])


def _refusal(accepted: pl.DataFrame, stored: pl.DataFrame, previous: pl.DataFrame,
             universe) -> IngestError:
    with pytest.raises(IngestError) as caught:
        check_levels("coffee_2024.csv", accepted, stored, previous, universe)
    return caught.value


@pytest.mark.parametrize(("factor", "shown"), [
    (CENTS_PER_LB_TO_USD_PER_TONNE, "22.05x"),  # USD per tonne instead of US cents per pound
    (0.01, "0.01x"),  # US dollars per pound instead of cents
    (1.06, "1.06x"),  # a deferred contract 6 % above the front month
])
def test_check_levels_given_overlap_in_other_unit_or_contract_refuses_with_ratio(
        universe, factor, shown):
    accepted = STORED.with_columns(pl.col("close") * factor)
    error = _refusal(accepted, STORED, empty_market_frame(), universe)
    assert error.rule == "level_mismatch"
    assert shown in error.reason and "median ratio" in error.reason
    assert "USc/lb" in error.reason  # the unit the series is stored in


def test_check_levels_given_overlap_within_tolerance_accepts(universe):
    # 2 % above: a vendor's settlement quirk, inside the 3 % tolerance.
    check_levels("coffee_2024.csv", STORED.with_columns(pl.col("close") * 1.02), STORED,
                 empty_market_frame(), universe)


def test_check_levels_given_revision_of_a_few_days_is_not_a_unit_error(universe):
    # 4 shared dates (< MIN_OVERLAP) revised by 10 %: compared with the day before, not refused.
    revised = STORED.slice(3, 4).with_columns(pl.col("close") * 1.10)
    check_levels("coffee_2024.csv", revised, STORED, STORED.slice(2, 1), universe)


def test_check_levels_given_no_overlap_and_100x_jump_refuses(universe):
    later = _series([15000.0, 15100.0], [dt.date(2024, 2, 1), dt.date(2024, 2, 2)])
    previous = STORED.tail(1)
    error = _refusal(later, empty_market_frame(), previous, universe)
    # 15000 is also outside coffee's plausible 20..1000 USc/lb: that is checked first.
    assert error.rule == "implausible_level"
    assert "15000" in error.reason and "20..1000 USc/lb" in error.reason


def test_check_levels_given_no_overlap_and_jump_beyond_factor_refuses(universe):
    later = _series([400.0], [dt.date(2024, 2, 1)])  # plausible; 400 / 159 = 2.516x the last
    error = _refusal(later, empty_market_frame(), STORED.tail(1), universe)
    assert error.rule == "level_jump"
    assert "2.516x the last stored coffee close 159" in error.reason


def test_check_levels_given_no_overlap_and_ordinary_move_accepts(universe):
    later = _series([170.0], [dt.date(2024, 2, 1)])
    check_levels("coffee_2024.csv", later, empty_market_frame(), STORED.tail(1), universe)


def test_check_levels_given_negative_crude_skips_ratios(universe):
    # Crude at -5 after 10: a ratio says nothing there; the plausible range still applies.
    stored = _series([10.0], [dt.date(2020, 4, 17)], "crude")
    later = _series([-5.0], [dt.date(2020, 4, 20)], "crude")
    check_levels("crude_2020.csv", later, empty_market_frame(), stored, universe)
    below = _series([-500.0], [dt.date(2020, 4, 20)], "crude")
    assert _refusal(below, empty_market_frame(), stored, universe).rule == "implausible_level"
