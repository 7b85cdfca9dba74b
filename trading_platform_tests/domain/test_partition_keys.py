"""Multi-partition keys: the helpers write what Dagster writes, and refuse what is not a key."""

import datetime as dt

import dagster as dg
import pytest

from trading_platform.domain.partition_keys import (
    commodity_date_key,
    commodity_model_key,
    parse_commodity_date,
    split_key,
)


def test_commodity_date_key_given_dagster_multi_key_is_the_same_text():
    dagster_key = dg.MultiPartitionKey({"date": "2024-01-02", "commodity": "coffee"})
    assert commodity_date_key("coffee", dt.date(2024, 1, 2)) == str(dagster_key)
    assert parse_commodity_date(str(dagster_key)) == ("coffee", dt.date(2024, 1, 2))


def test_commodity_model_key_given_dagster_multi_key_is_the_same_text():
    dagster_key = dg.MultiPartitionKey({"model": "xgboost", "commodity": "arabica_coffee"})
    assert commodity_model_key("arabica_coffee", "xgboost") == str(dagster_key)
    assert split_key(str(dagster_key)) == ("arabica_coffee", "xgboost")


@pytest.mark.parametrize("key", ["coffee", "coffee|", "a|b|c"])
def test_split_key_given_not_two_dimensions_raises_naming_the_key(key):
    with pytest.raises(ValueError, match="two dimensions"):
        split_key(key)
