"""Which commodity a file name names: whole aliases only; partial and double matches refused."""

from __future__ import annotations

import pytest
import yaml

from trading_platform.config import Universe, UniverseConfigError, load_universe
from trading_platform.config.universe import default_universe_path
from trading_platform.domain.market.names import CommodityNameError, commodity_from_file_name


@pytest.fixture(scope="module")
def oils(tmp_path_factory) -> Universe:
    """The default universe plus soybean and soybean_oil: a name inside another name."""
    raw = yaml.safe_load(default_universe_path().read_text())
    corn = raw["commodities"]["corn"]
    raw["commodities"]["soybean"] = {**corn, "name": "Soybeans (CBOT)", "aliases": ["zs"]}
    raw["commodities"]["soybean_oil"] = {**corn, "name": "Soybean Oil (CBOT)",
                                         "aliases": ["bo", "soy_oil"], "quote_unit": "USc/lb"}
    path = tmp_path_factory.mktemp("universe") / "oils.yaml"
    path.write_text(yaml.safe_dump(raw))
    return load_universe(path)


@pytest.mark.parametrize(("file", "commodity"), [
    ("sugar.csv", "sugar"),
    ("coffee_arabica_yahoo.csv", "coffee"),  # alias coffee_arabica + neutral vendor token
    ("KC=F.csv", "coffee"),  # vendor root symbol
    ("coffee_2024-01-02.csv.gz", "coffee"),  # digits are neutral; compression suffix dropped
    ("wti_daily_nymex.parquet", "crude"),  # its own exchange's name is neutral
    ("Sugar No.11 ICE US.csv", "sugar"),  # spaces and dots cut like underscores
])
def test_commodity_from_file_name_given_whole_alias_resolves(universe, file, commodity):
    assert commodity_from_file_name(file, universe) == commodity


@pytest.mark.parametrize(("file", "unknown"), [
    ("coffee_robusta.csv", "'robusta'"),  # another grade
    ("sugar_white_london.csv", "'white', 'london'"),  # another contract and exchange
    ("corn_z24.csv", "'z24'"),  # a deferred contract month
    ("crude_oil_brent.csv", "'brent'"),  # another grade of a known name
])
def test_commodity_from_file_name_given_known_name_plus_qualifier_refuses(universe, file,
                                                                          unknown):
    with pytest.raises(CommodityNameError) as caught:
        commodity_from_file_name(file, universe)
    assert caught.value.rule == "partial_commodity_match"
    assert unknown in caught.value.reason
    # Only options that exist are suggested: the CLI flag and the drop sub-folder.
    assert "`ingest --commodity" in caught.value.reason and "incoming/" in caught.value.reason
    assert "commodity=" not in caught.value.reason


def test_commodity_from_file_name_given_two_commodities_refuses_naming_both(universe):
    with pytest.raises(CommodityNameError) as caught:
        commodity_from_file_name("coffee_sugar_spread.csv", universe)
    assert caught.value.rule == "ambiguous_commodity"
    assert "coffee (as 'coffee'), sugar (as 'sugar')" in caught.value.reason


def test_commodity_from_file_name_given_no_alias_refuses_listing_the_options(universe):
    with pytest.raises(CommodityNameError) as caught:
        commodity_from_file_name("prices_2024.csv", universe)
    assert caught.value.rule == "unknown_commodity"
    assert "`ingest --commodity cocoa`" in caught.value.reason


@pytest.mark.parametrize(("file", "commodity"), [
    ("soybean_oil_2024.csv", "soybean_oil"),  # the longest alias wins over 'soybean'
    ("soybean-oil.csv", "soybean_oil"),  # hyphens belong to names like underscores
    ("soy_oil.csv", "soybean_oil"),
    ("soybean_2024.csv", "soybean"),
    ("ZS.csv", "soybean"),
])
def test_commodity_from_file_name_given_underscore_commodity_resolves(oils, file, commodity):
    assert commodity_from_file_name(file, oils) == commodity


def test_commodity_from_file_name_given_other_soybean_product_refuses(oils):
    with pytest.raises(CommodityNameError) as caught:
        commodity_from_file_name("soybean_meal.csv", oils)
    assert caught.value.rule == "partial_commodity_match"
    assert "'meal'" in caught.value.reason


def test_load_universe_given_alias_of_two_commodities_refuses_naming_both(tmp_path):
    raw = yaml.safe_load(default_universe_path().read_text())
    raw["commodities"]["sugar"]["aliases"] = ["kc"]  # coffee's root symbol
    path = tmp_path / "u.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(UniverseConfigError, match="'kc' is already a name of coffee"):
        load_universe(path)
