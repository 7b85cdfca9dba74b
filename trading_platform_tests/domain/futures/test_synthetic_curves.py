"""Synthetic contract curves: on the tick, contango and backwardation both present, every roll
of ten demo years covered, seeded, and consistent for a negative front price."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from trading_platform.domain.futures.continuous import continuous_series
from trading_platform.domain.futures.contracts import roll_calendar
from trading_platform.domain.futures.synthetic_curves import contract_curves
from trading_platform.domain.market.synthetic import generate_universe_market


@pytest.fixture(scope="module")
def coffee(universe):
    market = generate_universe_market(universe, dt.date(2016, 1, 4), dt.date(2025, 12, 31),
                                      ["coffee"])
    front = market.select("date", "close")
    spec = universe.commodities["coffee"].futures
    contracts = roll_calendar(spec, universe.exchange_calendar_for("coffee"), front["date"].min(),
                              front["date"].max())
    curves = contract_curves(front, contracts, spec, 150.0, universe.seed, "coffee")
    return front, contracts, spec, curves


def test_contract_curves_given_ten_years_cover_every_roll_of_the_continuous_series(coffee):
    front, contracts, _, curves = coffee
    series = continuous_series(curves, contracts, "coffee")
    assert series["roll"].sum() == len([c for c in contracts
                                        if c.roll_day <= front["date"].max()]) >= 45
    assert series.height == front.height  # the held contract trades every day of the data


def test_contract_curves_given_the_carry_swing_show_contango_and_backwardation(coffee):
    _, _, spec, curves = coffee
    wide = _near_and_next(coffee)
    assert (wide["next"] > wide["near"]).mean() > 0.2   # contango days
    assert (wide["next"] < wide["near"]).mean() > 0.2   # backwardation days
    ticks = curves["close"].to_numpy() / spec.tick_size
    np.testing.assert_allclose(ticks, np.round(ticks), atol=1e-6)


def _near_and_next(coffee) -> pl.DataFrame:
    _, contracts, _, curves = coffee
    order = {c.name: i for i, c in enumerate(contracts)}
    ranked = curves.with_columns(pl.col("contract").replace_strict(order).alias("rank"))
    # Nearest first on each date (by roll order); the last days quote only the held contract.
    quoted = ranked.sort("date", "rank").filter(pl.len().over("date") >= 2)
    return quoted.group_by("date", maintain_order=True).agg(
        pl.col("close").get(0).alias("near"), pl.col("close").get(1).alias("next"))


def test_contract_curves_given_the_same_seed_are_identical_and_another_seed_differs(coffee,
                                                                                   universe):
    front, contracts, spec, curves = coffee
    again = contract_curves(front, contracts, spec, 150.0, universe.seed, "coffee")
    other = contract_curves(front, contracts, spec, 150.0, universe.seed + 1, "coffee")
    assert again.equals(curves) and not other.equals(curves)


def test_contract_curves_given_a_negative_front_keep_the_additive_carry(universe):
    spec = universe.commodities["crude"].futures
    dates = [dt.date(2020, 4, 1) + dt.timedelta(days=i) for i in range(30)]
    front = pl.DataFrame({"date": dates, "close": np.linspace(-20.0, 20.0, 30)})
    contracts = roll_calendar(spec, universe.exchange_calendar_for("crude"), dates[0], dates[-1])
    curves = contract_curves(front, contracts, spec, 70.0, 1, "crude")
    joined = curves.join(front.rename({"close": "front"}), on="date")
    gap = (joined["close"] - joined["front"]).abs().to_numpy()
    assert np.isfinite(joined["close"].to_numpy()).all() and gap.max() < 70.0 * 0.2
