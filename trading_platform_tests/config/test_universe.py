"""The universe config: defaults as documented, bad files fail naming the field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from trading_platform.config import UniverseConfigError, default_universe_path, load_universe


def _write_variant(tmp_path: Path, mutate) -> Path:
    raw = yaml.safe_load(default_universe_path().read_text())
    mutate(raw)
    path = tmp_path / "universe.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_load_universe_given_default_has_six_commodities_with_reference_costs(universe):
    assert set(universe.commodity_keys) >= {"coffee", "sugar", "cocoa", "corn", "wheat", "crude"}
    for key in universe.commodity_keys:
        spec = universe.commodity(key)
        assert spec.storage_cost_pct_per_day == 0.005
        assert spec.transaction_cost_pct == 0.01
    assert universe.commodity("crude").allow_negative_prices
    assert universe.commodity("crude").harvest is None
    assert not universe.commodity("corn").allow_negative_prices
    assert universe.commodity("corn").harvest is not None


def test_exchange_calendar_for_given_contracts_uses_the_exchange_not_the_market_calendar(
        universe):
    # The futures book's roll days use the exchange's holidays (Juneteenth at CBOT; the 2025-01-09
    # closure), the market-data calendars keep their explicit lists.
    corn = universe.exchange_calendar_for("corn")
    assert dt.date(2019, 6, 19) not in corn.holiday_set  # Juneteenth closures began in 2022
    assert {dt.date(2022, 6, 20), dt.date(2025, 1, 9)} <= corn.holiday_set
    assert dt.date(2025, 1, 9) not in universe.calendar_for("corn").holiday_set
    assert universe.exchange_calendar_for("coffee").holiday_rule == "us_softs"


def test_load_universe_given_same_file_has_stable_content_hash(universe):
    assert load_universe().content_hash == universe.content_hash


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda raw: raw["commodities"]["coffee"].pop("units"), "commodities.coffee.units"),
        (lambda raw: raw["commodities"]["sugar"].update(spike_threshold=-1),
         "commodities.sugar.spike_threshold"),
        (lambda raw: raw["commodities"]["corn"]["harvest"].update(intake_start="13-40"),
         "commodities.corn.harvest.intake_start"),
        (lambda raw: raw["commodities"]["wheat"].update(calendar="lme"), "calendar"),
        (lambda raw: raw["commodities"]["corn"]["futures"].update(calendar="cme_fx"),
         "commodities.corn.futures.calendar"),
        (lambda raw: raw["commodities"]["cocoa"]["synthetic"].update(
            negative_excursion_probability=0.01), "allow_negative_prices"),
        (lambda raw: raw["commodities"]["coffee"].update(colour="brown"),
         "commodities.coffee.colour"),
    ],
)
def test_load_universe_given_bad_field_names_file_and_field(tmp_path, mutate, field):
    path = _write_variant(tmp_path, mutate)
    with pytest.raises(UniverseConfigError) as error:
        load_universe(path)
    assert str(path) in str(error.value)
    assert field in str(error.value)


def test_load_universe_given_invalid_yaml_names_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("commodities: [unclosed")
    with pytest.raises(UniverseConfigError, match=r"broken\.yaml"):
        load_universe(path)
