"""Contract specs, reference days against published 2024 dates, the roll calendar, and the
back-adjusted continuous series (hand-derived gaps, negative prices, missing roll data)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from pydantic import ValidationError

from trading_platform.config.contracts import ExpiryRule, FuturesSpec
from trading_platform.config.universe import TradingCalendarSpec
from trading_platform.domain.futures.continuous import continuous_series
from trading_platform.domain.futures.contracts import (
    Contract,
    held_contract,
    reference_day,
    roll_calendar,
)

D = dt.date
WEEKDAYS = TradingCalendarSpec()


def _spec(**changes) -> FuturesSpec:
    fields = {"root": "KC", "months": "HKNUZ", "multiplier": 37500, "tick_size": 0.05,
              "tick_value": 18.75, "price_to_currency": 0.01, "initial_margin": 12000,
              "expiry": {"anchor": "delivery_month", "business_days": 7}}
    return FuturesSpec.model_validate(fields | changes)


@pytest.mark.parametrize(("commodity", "year", "month", "expected"), [
    ("coffee", 2024, 3, D(2024, 2, 21)),   # ICE KC March 2024 first notice day
    ("sugar", 2024, 3, D(2024, 2, 29)),    # ICE SB March 2024 last trading day
    ("crude", 2024, 2, D(2024, 1, 22)),    # NYMEX CL February 2024 last trading day
    ("crude", 2024, 3, D(2024, 2, 20)),    # the 25th a Sunday: 3 days before Friday the 23rd
    ("corn", 2024, 7, D(2024, 6, 28)),     # CBOT ZC July 2024 first notice day
])
def test_reference_day_given_the_universe_rules_matches_the_published_2024_dates(
    universe, commodity, year, month, expected,
):
    spec = universe.commodities[commodity].futures
    calendar = universe.exchange_calendar_for(commodity)
    assert reference_day(year, month, spec.expiry, calendar) == expected


def test_futures_spec_given_tick_value_contradicting_the_tick_names_the_field():
    with pytest.raises(ValidationError, match=r"tick_value 20.0 contradicts tick_size x "
                                              r"multiplier x price_to_currency"):
        _spec(tick_value=20.0)
    with pytest.raises(ValidationError, match="multiplier"):
        _spec(multiplier=0)
    with pytest.raises(ValidationError, match="calendar order"):
        _spec(months="ZH")
    with pytest.raises(ValidationError, match="day is required"):
        ExpiryRule(anchor="previous_month_day", business_days=3)


def test_universe_given_every_commodity_has_a_futures_contract(universe):
    for key in universe.commodity_keys:
        spec = universe.commodities[key].futures
        assert spec is not None and spec.tick_value > 0, key


def test_roll_calendar_given_a_year_holds_each_contract_until_its_roll_day():
    contracts = roll_calendar(_spec(), WEEKDAYS, D(2024, 1, 2), D(2024, 12, 31))
    assert [c.name for c in contracts] == ["KCH2024", "KCK2024", "KCN2024", "KCU2024",
                                           "KCZ2024", "KCH2025"]
    march = contracts[0]
    # 1 March 2024 is a Friday; 7 weekdays before it is 21 February, 5 before that the 14th.
    assert (march.reference_day, march.roll_day) == (D(2024, 2, 21), D(2024, 2, 14))
    assert held_contract(contracts, D(2024, 2, 14)).name == "KCH2024"   # rolls at this close
    assert held_contract(contracts, D(2024, 2, 15)).name == "KCK2024"


def _contracts() -> list[Contract]:
    return [Contract("A", 2024, 3, D(2024, 1, 12), D(2024, 1, 3)),
            Contract("B", 2024, 5, D(2024, 1, 20), D(2024, 1, 5)),
            Contract("C", 2024, 7, D(2024, 2, 20), D(2024, 2, 10))]


def _prices(rows):
    return pl.DataFrame(rows, schema={"date": pl.Date, "contract": pl.String,
                                      "close": pl.Float64}, orient="row")


def test_continuous_series_given_two_rolls_adds_each_gap_to_the_days_before():
    prices = _prices([(D(2024, 1, 2), "A", 10.0), (D(2024, 1, 3), "A", 11.0),
                      (D(2024, 1, 3), "B", 13.0), (D(2024, 1, 4), "B", 12.0),
                      (D(2024, 1, 5), "B", 14.0), (D(2024, 1, 5), "C", 13.0),
                      (D(2024, 1, 8), "C", 15.0)])
    series = continuous_series(prices, _contracts(), "coffee")
    assert series["contract"].to_list() == ["A", "A", "B", "B", "C"]
    # gaps: B - A on 01-03 = 2, C - B on 01-05 = -1; days up to 01-03 get +2 - 1 = +1,
    # 01-04 and 01-05 get -1, 01-08 (C, after the last roll) is raw.
    assert series["adjusted_close"].to_list() == [11.0, 12.0, 11.0, 13.0, 15.0]
    assert series["roll"].to_list() == [False, True, False, True, False]
    assert series["next_close"].to_list()[1] == 13.0
    # The adjusted change on a day is the held contract's own change: 01-04 is B's 12 - 13.
    assert np.diff(series["adjusted_close"].to_numpy())[1] == 12.0 - 13.0


def test_continuous_series_given_negative_prices_keeps_differences_exact():
    prices = _prices([(D(2024, 1, 2), "A", -5.0), (D(2024, 1, 3), "A", -3.0),
                      (D(2024, 1, 3), "B", 2.0), (D(2024, 1, 4), "B", 4.0)])
    series = continuous_series(prices, _contracts(), "crude")
    assert series["adjusted_close"].to_list() == [0.0, 2.0, 4.0]  # gap 2 - (-3) = 5


def test_continuous_series_given_a_later_roll_shifts_earlier_days_by_one_constant():
    early = _prices([(D(2024, 1, 2), "A", 10.0), (D(2024, 1, 3), "A", 11.0),
                     (D(2024, 1, 3), "B", 13.0), (D(2024, 1, 4), "B", 12.0)])
    later = pl.concat([early, _prices([(D(2024, 1, 5), "B", 14.0), (D(2024, 1, 5), "C", 13.0)])])
    before = continuous_series(early, _contracts(), "coffee")["adjusted_close"].to_numpy()
    after = continuous_series(later, _contracts(), "coffee")["adjusted_close"].to_numpy()[:3]
    np.testing.assert_allclose(after - before, -1.0)


def test_continuous_series_given_no_close_for_the_next_contract_on_a_roll_day_names_it():
    prices = _prices([(D(2024, 1, 2), "A", 10.0), (D(2024, 1, 3), "A", 11.0)])
    with pytest.raises(ValueError, match=r"coffee: roll into a contract with no data: B has no "
                                         r"close on 2024-01-03"):
        continuous_series(prices, _contracts(), "coffee")


def test_continuous_series_given_a_repeated_date_and_contract_names_the_row():
    prices = _prices([(D(2024, 1, 2), "A", 10.0), (D(2024, 1, 2), "A", 10.5)])
    with pytest.raises(ValueError, match=r"row 0: contract A has more than one close on "
                                         r"2024-01-02 \(rule unique_date_contract\)"):
        continuous_series(prices, _contracts(), "coffee")
