"""Per-contract price files: each rule refuses the whole file and names the row; stored closes
never change silently; a front-month file is used as given."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from trading_platform.domain.futures.contract_data import (
    ContractDataError,
    check_contract_prices,
    front_month_series,
    merge_contract_prices,
    quarantine_rows,
)

D1, D2 = dt.date(2024, 1, 2), dt.date(2024, 1, 3)


def _raw(rows):
    return pl.DataFrame(rows, schema={"date": pl.Date, "contract": pl.String,
                                      "close": pl.Float64}, orient="row")


@pytest.fixture()
def coffee(universe):
    return universe.commodities["coffee"].futures  # KC, months HKNUZ, tick 0.05


def test_check_contract_prices_given_clean_rows_returns_them_with_their_source(coffee):
    rows = check_contract_prices(_raw([(D1, "KCH2024", 180.05), (D1, "KCK2024", 181.1)]),
                                 coffee, "coffee", "kc.csv", allow_negative=False)
    assert rows.columns == ["commodity", "date", "contract", "close", "origin", "source"]
    assert rows["source"].unique().to_list() == ["kc.csv"] and rows.height == 2


@pytest.mark.parametrize(("row", "rule"), [
    ((D2, "KCH2024", 180.07), "close_on_tick"),        # 0.07 is not a multiple of 0.05
    ((D2, "KCF2024", 180.05), "contract_listed"),      # coffee lists no January contract
    ((D2, "SBH2024", 20.0), "contract_listed"),        # another root
    ((D2, "KCH2024", -5.0), "price_legal"),            # coffee prices are positive
    ((D1, "KCH2024", 180.10), "unique_date_contract"),  # a second close on D1
])
def test_check_contract_prices_given_a_bad_row_refuses_the_file_naming_row_and_rule(
        coffee, row, rule):
    raw = _raw([(D1, "KCH2024", 180.05), row])
    with pytest.raises(ContractDataError) as caught:
        check_contract_prices(raw, coffee, "coffee", "kc.csv", allow_negative=False)
    assert f"rule {rule}" in str(caught.value) and "kc.csv" in str(caught.value)
    assert "nothing from the file was stored" in str(caught.value)
    assert any(r.rule == rule and r.row == 2 for r in caught.value.refusals)
    quarantined = quarantine_rows(caught.value, "abc", raw)
    assert {q["rule"] for q in quarantined} >= {rule} and all(q["file"] == "kc.csv"
                                                              for q in quarantined)


def test_check_contract_prices_given_a_vendor_float_within_a_millionth_of_a_tick_accepts_it(
        coffee):
    rows = check_contract_prices(_raw([(D1, "KCH2024", 111.099999999)]), coffee, "coffee",
                                 "kc.csv", allow_negative=False)
    assert rows.height == 1


def test_check_contract_prices_given_negative_crude_where_allowed_accepts_it(universe):
    crude = universe.commodities["crude"].futures
    rows = check_contract_prices(_raw([(dt.date(2020, 4, 20), "CLK2020", -37.63)]), crude,
                                 "crude", "cl.csv", allow_negative=True)
    assert rows["close"].to_list() == [-37.63]


def test_check_contract_prices_given_missing_columns_names_them(coffee):
    with pytest.raises(ContractDataError, match=r"missing column.*contract"):
        check_contract_prices(pl.DataFrame({"date": [D1], "close": [1.0]}), coffee, "coffee",
                              "kc.csv", allow_negative=False)


def test_check_contract_prices_given_a_changed_stored_close_refuses_and_keeps_the_store(coffee):
    stored = check_contract_prices(_raw([(D1, "KCH2024", 180.05)]), coffee, "coffee", "a.csv",
                                   allow_negative=False)
    with pytest.raises(ContractDataError, match="stored_close_unchanged"):
        check_contract_prices(_raw([(D1, "KCH2024", 180.10)]), coffee, "coffee", "b.csv",
                              allow_negative=False, stored=stored)
    same = check_contract_prices(_raw([(D1, "KCH2024", 180.05), (D2, "KCH2024", 181.0)]),
                                 coffee, "coffee", "b.csv", allow_negative=False, stored=stored)
    merged = merge_contract_prices(stored, same)
    assert merged.height == 2  # the stored D1 row kept (with its source), D2 added
    assert merged.filter(pl.col("date") == D1)["source"].to_list() == ["a.csv"]


def test_front_month_series_given_closes_uses_them_as_given_without_rolls():
    series = front_month_series(pl.DataFrame({"date": [D2, D1], "close": [2.0, 1.0]}))
    assert series["close"].to_list() == [1.0, 2.0] == series["adjusted_close"].to_list()
    assert not series["roll"].any() and series["contract"].unique().to_list() == ["front"]
