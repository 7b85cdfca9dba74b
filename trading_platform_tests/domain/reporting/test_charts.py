"""Price charts render as PNG and reflect their data."""

import datetime as dt

import numpy as np
import polars as pl

from trading_platform.domain.market.synthetic import generate_universe_market
from trading_platform.domain.reporting.charts import (
    bar_chart,
    fan_chart,
    horizon_chart,
    price_chart,
)


def test_price_chart_given_market_slice_renders_png(universe):
    market = generate_universe_market(universe, dt.date(2024, 1, 1), dt.date(2024, 6, 28))
    png = price_chart(market, "close")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # six commodity panels make a taller image than one: height is bytes 20..24 of the IHDR
    single = price_chart(market.filter(pl.col("commodity") == "corn"), "close")
    assert int.from_bytes(png[20:24], "big") > int.from_bytes(single[20:24], "big")


def test_price_chart_given_different_prices_differs(universe):
    market = generate_universe_market(universe, dt.date(2024, 1, 1), dt.date(2024, 3, 29),
                                       ["coffee"])
    shifted = market.with_columns(pl.col("close") * 1.5)
    assert price_chart(market, "close") != price_chart(shifted, "close")


def test_fan_chart_given_paths_renders_png_that_depends_on_the_fan():
    rng = np.random.default_rng(0)
    history = 100 + np.cumsum(rng.normal(size=60))
    narrow = history[-1] * np.exp(rng.normal(0, 0.01, size=(200, 14)).cumsum(axis=1))
    wide = history[-1] * np.exp(rng.normal(0, 0.05, size=(200, 14)).cumsum(axis=1))
    png = fan_chart(history, narrow, "coffee / xgboost")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png != fan_chart(history, wide, "coffee / xgboost")


def test_horizon_chart_given_metrics_renders_png():
    horizons = np.arange(1, 15)
    png = horizon_chart(horizons, {"directional accuracy": np.linspace(0.5, 0.6, 14)},
                        "accuracy by horizon", reference={"coin flip": 0.5})
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_bar_chart_given_more_labels_renders_a_taller_png():
    few = bar_chart(["ret_1d", "vol_20d"], [0.7, 0.3], "importance", "share")
    many = bar_chart([f"f{i}" for i in range(17)], [1 / 17] * 17, "importance", "share")
    assert few[:8] == many[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(many[20:24], "big") > int.from_bytes(few[20:24], "big")
