"""Warehouse.replace_rows: idempotent per key, all-or-nothing, and new columns added in place."""

import polars as pl
import pytest

from trading_platform.resources.warehouse import Warehouse

TABLE = "research.champions"


def test_replace_rows_given_rerun_replaces_only_its_key(tmp_path):
    store = Warehouse(database=str(tmp_path / "w.duckdb"))
    store.replace_rows({"commodity": "coffee"}, {TABLE: pl.DataFrame({"model": ["a"]})})
    store.replace_rows({"commodity": "sugar"}, {TABLE: pl.DataFrame({"model": ["b"]})})
    store.replace_rows({"commodity": "coffee"}, {TABLE: pl.DataFrame({"model": ["c"]})})
    rows = store.read_table(TABLE).sort("commodity")
    assert rows.select("commodity", "model").rows() == [("coffee", "c"), ("sugar", "b")]


def test_replace_rows_given_new_columns_adds_them_and_keeps_old_rows(tmp_path):
    # A table written by an earlier release lacks the columns a later one writes: they are
    # added, the other key's row is untouched and reads NULL there.
    store = Warehouse(database=str(tmp_path / "w.duckdb"))
    store.replace_rows({"commodity": "sugar"}, {TABLE: pl.DataFrame({"model": ["b"]})})
    store.replace_rows({"commodity": "coffee"}, {TABLE: pl.DataFrame(
        {"model": ["c"], "dsr": [0.97], "basis": ["confirmed_champion"]})})
    rows = store.read_table(TABLE).sort("commodity")
    assert rows.columns == ["commodity", "model", "dsr", "basis"]
    assert rows.rows() == [("coffee", "c", 0.97, "confirmed_champion"), ("sugar", "b", None, None)]


def test_replace_rows_given_a_failing_table_keeps_the_previous_rows(tmp_path):
    store = Warehouse(database=str(tmp_path / "w.duckdb"))
    store.replace_rows({"commodity": "coffee"}, {TABLE: pl.DataFrame({"model": ["a"]})})
    with pytest.raises(Exception):  # noqa: B017 - duckdb's conversion error, whichever class
        store.replace_rows({"commodity": "coffee"}, {
            TABLE: pl.DataFrame({"model": ["new"]}),
            "research.other": pl.DataFrame({"x": [1]}).with_columns(
                pl.lit("text").alias("x")).cast({"x": pl.String}).with_columns(
                pl.col("x").cast(pl.Object))})
    assert store.read_table(TABLE)["model"].to_list() == ["a"]
