"""The safety validators of one day's recommendation: pass, trip, edge cases, evidence."""

import json
import math
from datetime import date

import pytest

from trading_platform.domain.desk.validators import (
    champion_reads_no_future,
    champion_recently_fitted,
    champion_selected_before_day,
    market_data_fresh,
    price_above_floor,
    sale_within_daily_share,
    sale_within_inventory,
    trades_confirmed_evidence,
)

MON = date(2024, 1, 1)
FRI = date(2024, 1, 5)
NEXT_MON = date(2024, 1, 8)


def _assert_evidence(outcome, name):
    assert outcome.name == name and outcome.severity == "ERROR"
    assert {"observed", "threshold"} <= outcome.metadata.keys()
    json.dumps(outcome.metadata, allow_nan=False)  # JSON-safe
    assert name in outcome.description


def test_sale_within_inventory_given_sale_up_to_stock_passes_and_over_stock_trips():
    _assert_evidence(sale_within_inventory(40.0, 40.0), "sale_within_inventory")
    assert sale_within_inventory(40.0, 40.0).passed  # 40 <= 40
    assert sale_within_inventory(0.0, 0.0).passed
    tripped = sale_within_inventory(40.5, 40.0)  # 40.5 > 40 * (1 + 1e-12) + 1e-9
    assert not tripped.passed and tripped.metadata == {"observed": 40.5, "threshold": 40.0}
    assert "refused" in tripped.description


@pytest.mark.parametrize("quantity", [-1.0, math.nan, math.inf])
def test_sale_within_inventory_given_negative_or_non_finite_sale_trips(quantity):
    outcome = sale_within_inventory(quantity, 100.0)
    assert not outcome.passed
    _assert_evidence(outcome, "sale_within_inventory")


def test_sale_within_daily_share_given_sale_over_share_trips_unless_forced():
    # limit 0.5 x 100 = 50
    assert sale_within_daily_share(50.0, 100.0, forced=False, max_share=0.5).passed
    tripped = sale_within_daily_share(60.0, 100.0, forced=False, max_share=0.5)
    assert not tripped.passed and tripped.metadata["threshold"] == 50.0
    assert "max_daily_sale_share" in tripped.description
    _assert_evidence(tripped, "sale_within_daily_share")
    forced = sale_within_daily_share(100.0, 100.0, forced=True, max_share=0.5)
    assert forced.passed and "exempt" in forced.description


def test_sale_within_daily_share_given_nothing_available_and_nothing_sold_passes():
    # limit 0.5 x 0 = 0; 0 <= 0 + 1e-9, but 1 > 0
    assert sale_within_daily_share(0.0, 0.0, forced=False, max_share=0.5).passed
    assert not sale_within_daily_share(1.0, 0.0, forced=False, max_share=0.5).passed


def test_price_above_floor_given_price_below_floor_trips():
    floors = {"coffee": 120.0}
    assert price_above_floor("coffee", 10.0, 120.0, floors).passed  # 120 >= 120
    tripped = price_above_floor("coffee", 10.0, 119.5, floors)  # 119.5 < 120
    assert not tripped.passed
    assert tripped.metadata["observed"] == 119.5 and tripped.metadata["threshold"] == 120.0
    _assert_evidence(tripped, "price_above_floor")


def test_price_above_floor_given_no_floor_or_no_sale_passes():
    no_floor = price_above_floor("cocoa", 10.0, 1.0, {"coffee": 120.0})
    assert no_floor.passed and no_floor.metadata["threshold"] is None
    assert "no price floor" in no_floor.description
    assert price_above_floor("coffee", 0.0, 1.0, {"coffee": 120.0}).passed


def test_market_data_fresh_given_close_after_weekend_passes():
    # Fri 2024-01-05 -> Mon 2024-01-08: busday_count counts Fri only = 1 weekday
    outcome = market_data_fresh(NEXT_MON, [MON, FRI, NEXT_MON], 101.0, max_gap_weekdays=3)
    assert outcome.passed
    assert outcome.metadata["observed"] == 1 and outcome.metadata["latest"] == "2024-01-08"
    _assert_evidence(outcome, "market_data_fresh")


def test_market_data_fresh_given_stale_gap_trips():
    # Mon 2024-01-01 -> Mon 2024-01-08: Mon..Fri = 5 weekdays > 3
    outcome = market_data_fresh(NEXT_MON, [MON, NEXT_MON], 101.0, max_gap_weekdays=3)
    assert not outcome.passed and outcome.metadata["observed"] == 5
    assert "stale" in outcome.description
    assert market_data_fresh(NEXT_MON, [MON, NEXT_MON], 101.0, max_gap_weekdays=5).passed


@pytest.mark.parametrize(
    ("dates", "close"),
    [([MON, FRI], 101.0), ([MON, FRI, NEXT_MON], None), ([MON, FRI, NEXT_MON], math.nan)],
)
def test_market_data_fresh_given_missing_close_trips(dates, close):
    outcome = market_data_fresh(NEXT_MON, dates, close, max_gap_weekdays=3)
    assert not outcome.passed and "today's close is missing" in outcome.description
    _assert_evidence(outcome, "market_data_fresh")


def test_market_data_fresh_given_no_earlier_date_trips():
    outcome = market_data_fresh(NEXT_MON, [NEXT_MON], 101.0, max_gap_weekdays=3)
    assert not outcome.passed and outcome.metadata["observed"] is None
    assert outcome.metadata["latest"] == "2024-01-08"


def test_champion_recently_fitted_given_old_or_missing_fit_trips():
    day = date(2024, 3, 1)
    # 2024-03-01 - 2024-01-31 = 29 + 1 = 30 days (2024 is a leap year) <= 30
    assert champion_recently_fitted(day, date(2024, 1, 31), max_age_days=30).passed
    old = champion_recently_fitted(day, date(2024, 1, 30), max_age_days=30)  # 31 days > 30
    assert not old.passed and old.metadata["observed"] == 31
    assert old.metadata["fitted_through"] == "2024-01-30"
    _assert_evidence(old, "champion_recently_fitted")
    missing = champion_recently_fitted(day, None, max_age_days=30)
    assert not missing.passed and missing.metadata["observed"] is None
    assert "refit" in missing.description


@pytest.mark.parametrize(("fitted_through", "age"), [
    (date(2024, 3, 1), 0),  # fitted on data that includes the day it trades
    (date(2024, 3, 7), -6),  # the demo's old defect: a champion fitted six days after the day
])
def test_champion_recently_fitted_given_zero_or_negative_age_refuses_naming_dates(
        fitted_through, age):
    outcome = champion_recently_fitted(date(2024, 3, 1), fitted_through, max_age_days=30)
    assert not outcome.passed and outcome.metadata["observed"] == age
    assert f"runs through {fitted_through}, not before 2024-03-01" in outcome.description
    _assert_evidence(outcome, "champion_recently_fitted")


def test_champion_selected_before_day_given_selection_through_the_day_refuses():
    day = date(2024, 3, 1)
    assert champion_selected_before_day(day, date(2024, 2, 29)).passed
    same = champion_selected_before_day(day, day)
    later = champion_selected_before_day(day, date(2024, 3, 4))
    assert not same.passed and not later.passed
    assert "through 2024-03-04, which includes 2024-03-01 (by 3 day(s))" in later.description
    assert later.metadata == {"observed": "2024-03-04", "threshold": "< 2024-03-01"}
    assert not champion_selected_before_day(day, None).passed


@pytest.mark.parametrize(("basis", "status", "uses_forecast", "passed"), [
    ("confirmed_champion", "confirmed", True, True),
    ("last_confirmed_champion", "provisional", True, True),
    ("best_baseline", "provisional", False, True),
    # planted: a provisional forecast champion traded as if it were confirmed
    ("confirmed_champion", "provisional", True, False),
    # planted: a "baseline" fallback that reads a forecast
    ("best_baseline", "provisional", True, False),
    ("", "provisional", True, False),  # no basis recorded
])
def test_trades_confirmed_evidence_given_basis_refuses_provisional_forecast_champions(
        basis, status, uses_forecast, passed):
    outcome = trades_confirmed_evidence(basis, status, uses_forecast)
    assert outcome.passed is passed
    _assert_evidence(outcome, "trades_confirmed_evidence")
    if not passed:
        assert "only confirmed evidence trades" in outcome.description


@pytest.mark.parametrize(("uses_future", "uses_forecast", "passed", "words"), [
    (False, True, True, "built without the future"),
    (True, True, False, "built from realised future closes"),  # planted: a future reader
    (None, True, False, "does not record"),  # a store from before the mark
    (True, False, True, "reads no forecast"),  # a baseline ignores the model's forecasts
])
def test_champion_reads_no_future_given_store_mark_refuses_future_readers(
        uses_future, uses_forecast, passed, words):
    outcome = champion_reads_no_future(uses_future, uses_forecast)
    assert outcome.passed is passed and words in outcome.description
    _assert_evidence(outcome, "champion_reads_no_future")
