"""Price charts render as PNG and reflect their data."""

import datetime as dt

import polars as pl

from trading_platform.domain.charts import price_chart
from trading_platform.domain.synthetic import generate_universe_market


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
