"""Inventory-book charts render as PNG, reflect their data and survive empty or NaN inputs."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from trading_platform.domain.reporting.inventory_charts import (
    best_earnings_chart,
    cumulative_net_chart,
    cumulative_proceeds_chart,
    inventory_chart,
    net_earnings_chart,
    prediction_advantage_chart,
    trading_timeline_chart,
    value_of_accuracy_chart,
)

PNG = b"\x89PNG\r\n\x1a\n"
FAMILIES = {"equal_batch": "baseline", "price_threshold": "baseline",
            "consensus": "forecast", "expected_value": "forecast"}


def _is_png(data: bytes) -> bool:
    return data[:8] == PNG and len(data) > 2_000


def _height(data: bytes) -> int:
    return int.from_bytes(data[20:24], "big")


def _daily(days: int, strategies: list[str]) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    dates = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(days)]
    price = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, days)))
    intake = np.where((np.arange(days) % 365) < 40, 10.0, 0.0)  # a 40-day harvest each year
    frames = []
    for k, name in enumerate(strategies):
        sold = np.where(np.arange(days) % (7 + k) == 0, 5.0, 0.0)
        proceeds = sold * price
        costs = 0.01 * proceeds + 0.001 * price
        frames.append(pl.DataFrame({
            "strategy": name, "date": dates, "price": price, "intake": intake,
            "inventory": np.maximum(np.cumsum(intake - sold), 0.0), "sold": sold,
            "forced": 0.0, "proceeds": proceeds, "transaction_cost": 0.01 * proceeds,
            "storage_cost": 0.001 * price, "cash": np.cumsum(proceeds - costs),
            "value": np.cumsum(proceeds - costs), "season": np.arange(days) // 365,
        }))
    return pl.concat(frames)


def _sales(daily: pl.DataFrame) -> pl.DataFrame:
    sold = daily.filter(pl.col("sold") > 0)
    reason = pl.when(pl.int_range(pl.len()) % 10 == 0).then(pl.lit("forced")) \
        .otherwise(pl.lit("strategy"))
    return sold.select("strategy", "date", pl.col("sold").alias("quantity"), "price",
                       reason.alias("reason"), "season")


EMPTY_SALES = pl.DataFrame(schema={"strategy": pl.String, "date": pl.Date,
                                   "quantity": pl.Float64, "price": pl.Float64,
                                   "reason": pl.String, "season": pl.Int64})


@pytest.fixture(scope="module")
def daily() -> pl.DataFrame:
    return _daily(730, list(FAMILIES))


@pytest.fixture(scope="module")
def metrics() -> pl.DataFrame:
    return pl.DataFrame({"strategy": list(FAMILIES), "family": list(FAMILIES.values()),
                         "net_earnings": [1.0e6, 1.2e6, 1.5e6, 0.9e6],
                         "gross_proceeds": [1.1e6] * 4, "transaction_costs": [1e4] * 4,
                         "storage_costs": [5e3] * 4})


@pytest.fixture(scope="module")
def summary() -> pl.DataFrame:
    rows = [(c, m, m.startswith("synthetic"), acc, adv)
            for c in ("coffee", "corn")
            for m, acc, adv in (("xgboost", 0.55, 3.0), ("chronos", math.nan, math.nan),
                                ("synthetic_70", 0.7, 8.0))]
    return pl.DataFrame({
        "commodity": [r[0] for r in rows], "model": [r[1] for r in rows],
        "synthetic": [r[2] for r in rows], "accuracy": [r[3] for r in rows],
        "best_baseline": "equal_batch", "best_baseline_net": 1.0e6,
        "best_forecast": "consensus", "best_forecast_net": [1e6 + 1e4 * r[4] for r in rows],
        "best_overall": "consensus", "best_overall_net": [1e6 + 1e4 * r[4] for r in rows],
        "advantage": [1e4 * r[4] for r in rows], "advantage_pct": [r[4] for r in rows],
    })


@pytest.fixture(scope="module")
def detailed() -> pl.DataFrame:
    models = (("synthetic_60", True, 0.61, 0.6), ("synthetic_80", True, 0.79, 0.8),
              ("synthetic_90", True, 0.9, 0.9), ("xgboost", False, 0.56, math.nan),
              ("chronos", False, math.nan, math.nan))
    rows = [(c, m, syn, acc, nominal, s, f, 1e6 * (1 + (acc if f == "forecast" else 0.5)))
            for c in ("coffee", "corn", "wheat", "cocoa")
            for m, syn, acc, nominal in models for s, f in FAMILIES.items()]
    names = ("commodity", "model", "synthetic", "accuracy", "nominal_accuracy", "strategy",
             "family", "net_earnings")
    return pl.DataFrame({n: [r[i] for r in rows] for i, n in enumerate(names)})


def test_net_earnings_chart_given_metrics_renders_png_that_depends_on_the_values(metrics):
    png = net_earnings_chart(metrics, "coffee / xgboost")
    assert _is_png(png)
    assert png != net_earnings_chart(metrics.with_columns(pl.col("net_earnings") * 2), "x")


def test_net_earnings_chart_given_single_strategy_with_nan_renders_png(metrics):
    single = metrics.head(1).with_columns(pl.lit(math.nan).alias("net_earnings"))
    assert _is_png(net_earnings_chart(single, "one"))


def test_net_earnings_chart_given_empty_metrics_renders_no_data_png(metrics):
    assert _is_png(net_earnings_chart(metrics.clear(), "empty"))


def test_trading_timeline_chart_given_more_strategies_renders_a_taller_png(daily):
    sales = _sales(daily)
    one = trading_timeline_chart(daily, sales, ["consensus"], "timeline")
    three = trading_timeline_chart(daily, sales, ["equal_batch", "consensus", "expected_value"],
                                   "timeline")
    assert _is_png(one) and _is_png(three)
    assert _height(three) > _height(one)


def test_trading_timeline_chart_given_empty_sales_renders_png(daily):
    assert _is_png(trading_timeline_chart(daily, EMPTY_SALES, ["consensus"], "no sales"))


def test_trading_timeline_chart_given_strategy_without_sales_renders_png(daily):
    assert _is_png(trading_timeline_chart(daily, _sales(daily), ["unknown"], "none"))


def test_trading_timeline_chart_given_long_series_and_nan_price_renders_png():
    daily = _daily(5_000, ["consensus"]).with_columns(
        pl.when(pl.int_range(pl.len()) == 10).then(math.nan).otherwise(pl.col("price"))
        .alias("price"))
    assert _is_png(trading_timeline_chart(daily, _sales(daily), ["consensus"], "long"))


def test_trading_timeline_chart_given_empty_daily_renders_no_data_png(daily):
    assert _is_png(trading_timeline_chart(daily.clear(), EMPTY_SALES, ["consensus"], "empty"))


@pytest.mark.parametrize("chart", [cumulative_proceeds_chart, cumulative_net_chart,
                                   inventory_chart])
def test_line_charts_given_daily_and_families_render_png_that_depends_on_families(chart, daily):
    styled = chart(daily, "lines", families=FAMILIES)
    assert _is_png(styled)
    assert styled != chart(daily, "lines")


@pytest.mark.parametrize("chart", [cumulative_proceeds_chart, cumulative_net_chart,
                                   inventory_chart])
def test_line_charts_given_single_strategy_with_nan_renders_png(chart, daily):
    single = daily.filter(pl.col("strategy") == "consensus").with_columns(
        pl.when(pl.col("season") == 1).then(math.nan).otherwise(pl.col(c)).alias(c)
        for c in ("proceeds", "cash", "inventory"))
    assert _is_png(chart(single, "one"))


@pytest.mark.parametrize("chart", [cumulative_proceeds_chart, cumulative_net_chart,
                                   inventory_chart])
def test_line_charts_given_empty_daily_render_no_data_png(chart, daily):
    assert _is_png(chart(daily.clear(), "empty"))


def test_prediction_advantage_chart_given_summary_with_nan_renders_png(summary):
    png = prediction_advantage_chart(summary, "advantage")
    assert _is_png(png)
    assert png != prediction_advantage_chart(summary.clear(), "advantage")


def test_prediction_advantage_chart_given_empty_summary_renders_no_data_png(summary):
    assert _is_png(prediction_advantage_chart(summary.clear(), "empty"))


def test_best_earnings_chart_given_summary_renders_png_that_depends_on_the_values(summary):
    png = best_earnings_chart(summary, "best")
    assert _is_png(png)
    assert png != best_earnings_chart(
        summary.with_columns(pl.col("best_overall_net").reverse()), "best")


def test_best_earnings_chart_given_nan_cells_and_single_model_renders_png(summary):
    nan = summary.filter(pl.col("model") == "xgboost").with_columns(
        pl.lit(math.nan).alias("best_overall_net"))
    assert _is_png(best_earnings_chart(nan, "nan"))


def test_best_earnings_chart_given_empty_summary_renders_no_data_png(summary):
    assert _is_png(best_earnings_chart(summary.clear(), "empty"))


def test_value_of_accuracy_chart_given_four_commodities_renders_a_two_row_png(detailed):
    four = value_of_accuracy_chart(detailed, "value of accuracy")
    one = value_of_accuracy_chart(detailed.filter(pl.col("commodity") == "coffee"), "one")
    assert _is_png(four) and _is_png(one)
    assert _height(four) > _height(one)


def test_value_of_accuracy_chart_given_only_nan_accuracy_real_model_renders_png(detailed):
    real = detailed.filter(pl.col("model") == "chronos")
    assert _is_png(value_of_accuracy_chart(real, "nan accuracy"))


def test_value_of_accuracy_chart_given_empty_detailed_renders_no_data_png(detailed):
    assert _is_png(value_of_accuracy_chart(detailed.clear(), "empty"))
