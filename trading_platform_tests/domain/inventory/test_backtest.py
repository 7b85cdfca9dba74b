"""Backtests of every strategy: setup, tables, summary, the three blocking checks (passing and
failing), kernel == reference on real prices, the per-model entry point and the comparison."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from trading_platform.config import load_universe
from trading_platform.config.universe import HarvestSpec
from trading_platform.domain.inventory.alignment import UnusableForecastsError
from trading_platform.domain.inventory.backtest import (
    Backtest,
    BookSetup,
    backtest_frames,
    forced_analysis,
    forecast_accuracy,
    run_backtest,
    tier_distribution,
)
from trading_platform.domain.inventory.backtest_checks import (
    every_strategy_has_finite_metrics,
    inventory_accounting_holds,
    kernel_matches_reference,
    parity_windows,
)
from trading_platform.domain.inventory.book import NEVER_SOLD, BookState
from trading_platform.domain.inventory.comparison import (
    SUMMARY_COLUMNS,
    comparison_tables,
    headline_by_kind,
    missing_partitions,
)
from trading_platform.domain.inventory.engine_kernels import DAILY_COLUMNS, REASON_STRATEGY
from trading_platform.domain.inventory.metrics import daily_pnl
from trading_platform.domain.inventory.model_backtest import backtest_model
from trading_platform.domain.inventory.reference import run_book_reference
from trading_platform.domain.inventory.strategies import default_strategies
from trading_platform.domain.inventory.strategies_baseline import (
    EqualBatch,
    ImmediateSale,
    MovingAverage,
    PriceThreshold,
)

UNIVERSE = load_universe(None)
BASELINES = ("immediate_sale", "equal_batch", "price_threshold", "moving_average")
FORECASTS = ("consensus", "expected_value", "risk_adjusted", "price_threshold_forecast",
             "moving_average_forecast")
REAL_FILES = {"coffee": "coffee_arabica_yahoo.csv", "sugar": "sugar.csv", "corn": "corn.csv"}
GOOD_CHECKS = {"paths_finite": {"severity": "ERROR", "passed": True},
               "spread_reasonable": {"severity": "WARN", "passed": False}}


def _business_days(start: str, n: int) -> np.ndarray:
    days = np.arange(np.datetime64(start), np.datetime64(start) + 2 * n)
    return days[np.is_busday(days)][:n]


def _paths_around(price: np.ndarray, n_paths: int, rng: np.random.Generator) -> np.ndarray:
    # Each day gets its own drift (some days bullish, some bearish) plus path noise.
    n = price.size
    drift = rng.normal(0, 0.03, (n, 1, 1))
    steps = rng.normal(0, 0.01, (n, n_paths, 14))
    paths = price[:, None, None] * np.exp(drift * np.arange(1, 15) / 14 + steps.cumsum(axis=2))
    return paths.astype(np.float32)


def _random_market(seed: int = 0, n: int = 600, n_paths: int = 30):
    rng = np.random.default_rng(seed)
    dates = _business_days("2020-01-01", n)
    price = 120 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    paths = _paths_around(price, n_paths, rng)
    paths[[day for day in (50, 300, 301) if day < n]] = np.nan  # days without a forecast
    return dates, price, paths


@pytest.fixture(scope="module")
def setup() -> BookSetup:
    return BookSetup.for_commodity(UNIVERSE.commodities["coffee"])


@pytest.fixture(scope="module")
def backtest(setup) -> Backtest:
    dates, price, paths = _random_market()
    return run_backtest(dates, price, paths, setup, default_strategies())


@pytest.fixture(scope="module")
def frames(backtest):
    return backtest_frames(backtest)


# --- BookSetup --------------------------------------------------------------------------------

def test_book_setup_for_commodity_given_default_universe_converts_percent_costs():
    for key in ("coffee", "sugar", "cocoa", "corn", "wheat"):
        spec = UNIVERSE.commodities[key]
        setup = BookSetup.for_commodity(spec)
        assert setup.harvest == spec.harvest
        # 0.005 % per calendar day = 0.00005; x 365/252 per trading day = 7.2421e-5.
        assert setup.storage_rate == pytest.approx(0.005 / 100 * 365 / 252, rel=1e-12), key
        assert setup.tx_rate == pytest.approx(0.0001, rel=1e-12), key  # 0.01 % of proceeds


def test_book_setup_for_commodity_given_spec_without_harvest_raises_naming_it():
    spec = UNIVERSE.commodities["coffee"].model_copy(update={"harvest": None})
    with pytest.raises(ValueError, match="has no harvest") as error:
        BookSetup.for_commodity(spec)
    assert spec.name in str(error.value)
    with pytest.raises(ValueError, match=r"Crude Oil \(NYMEX WTI\) has no harvest"):
        BookSetup.for_commodity(UNIVERSE.commodities["crude"])


# --- run_backtest and its tables --------------------------------------------------------------

def test_backtest_frames_given_random_market_has_one_metrics_row_per_strategy_in_order(
    backtest, frames
):
    keys = list(default_strategies())
    assert frames.metrics["strategy"].to_list() == keys
    families = dict(zip(frames.metrics["strategy"], frames.metrics["family"], strict=True))
    assert [k for k, f in families.items() if f == "baseline"] == list(BASELINES)
    assert [k for k, f in families.items() if f == "forecast"] == list(FORECASTS)
    hashes = dict(zip(frames.metrics["strategy"], frames.metrics["spec_hash"], strict=True))
    assert hashes == {k: spec.content_hash for k, spec in default_strategies().items()}


def test_backtest_frames_given_random_market_daily_has_every_day_per_strategy(backtest, frames):
    n = backtest.dates.size
    assert frames.daily.height == n * 9
    counts = frames.daily.group_by("strategy").len()
    assert dict(zip(counts["strategy"], counts["len"], strict=True)) == dict.fromkeys(
        default_strategies(), n)
    consensus = frames.daily.filter(pl.col("strategy") == "consensus")
    np.testing.assert_array_equal(consensus["cash"].to_numpy(),
                                  backtest.results["consensus"].column("cash"))
    assert set(DAILY_COLUMNS) <= set(frames.daily.columns)


def test_backtest_frames_given_random_market_sales_reasons_are_strategy_or_forced(
    backtest, frames
):
    assert set(frames.sales["reason"].unique()) == {"strategy", "forced"}
    per_strategy = frames.sales.group_by("strategy").len()
    n_sales = dict(zip(per_strategy["strategy"], per_strategy["len"], strict=True))
    for row in frames.metrics.iter_rows(named=True):
        assert n_sales.get(row["strategy"], 0) == row["n_sales"], row["strategy"]
    forced_rows = frames.sales.filter(pl.col("reason") == "forced")
    # Season 0 (from 2020-05-01) is liquidated on its last trading day, 2021-04-30.
    assert set(forced_rows["date"].cast(str)) == {"2021-04-30"}


def test_summarise_given_random_backtest_picks_best_by_net_earnings(frames):
    rows = frames.metrics.select("strategy", "family", "net_earnings").rows()
    baseline = max((r for r in rows if r[1] == "baseline"), key=lambda r: r[2])
    forecast = max((r for r in rows if r[1] == "forecast"), key=lambda r: r[2])
    overall = max(rows, key=lambda r: r[2])
    summary = frames.summary
    assert (summary["best_baseline"], summary["best_baseline_net"]) == baseline[::2]
    assert (summary["best_forecast"], summary["best_forecast_net"]) == forecast[::2]
    assert (summary["best_overall"], summary["best_overall_net"]) == overall[::2]


def _pnl_sum_difference(backtest, key: str, twin: str) -> float:
    def pnl(k):
        col = backtest.results[k].column
        return daily_pnl(col("value"), col("intake"), backtest.price)
    return float((pnl(key) - pnl(twin)).sum())


def test_twin_advantage_given_random_backtest_is_the_paired_pnl_difference(backtest, frames):
    # Each forecast strategy with a twin carries sum(daily P&L - twin's daily P&L); the
    # headline is the mean over the pairs; the interval brackets it.
    metrics = {r["strategy"]: r for r in frames.metrics.iter_rows(named=True)}
    pairs = {"price_threshold_forecast": "price_threshold",
             "moving_average_forecast": "moving_average"}
    for key, twin in pairs.items():
        row = metrics[key]
        expected = _pnl_sum_difference(backtest, key, twin)
        assert row["twin"] == twin and row["twin_advantage"] == pytest.approx(expected)
        assert row["twin_advantage_pct"] == pytest.approx(
            100 * expected / abs(metrics[twin]["net_earnings"]))
        assert row["twin_advantage_low"] <= row["twin_advantage_high"]
    assert metrics["consensus"]["twin"] is None  # no twin: no paired advantage
    summary = frames.summary
    assert summary["twin_pairs"] == 2
    assert summary["advantage"] == pytest.approx(np.mean(
        [metrics[k]["twin_advantage"] for k in pairs]))
    assert summary["advantage_low"] <= summary["advantage"] <= summary["advantage_high"]


def test_twin_advantage_given_forecast_that_hurts_is_negative(setup):
    # Planted: paths that always promise a 50 % rally on a steadily falling market, so the
    # overlays hold back sales their twins make while prices keep falling. The paired
    # advantage must come out negative, its whole interval below zero.
    dates, price, _ = _random_market(n=600)
    falling = price[0] * np.exp(-0.001 * np.arange(price.size))
    rally = (falling[:, None, None] * np.full((price.size, 20, 14), 1.5)).astype(np.float32)
    strategies = {k: v for k, v in default_strategies().items()
                  if k in ("price_threshold", "price_threshold_forecast", "moving_average",
                           "moving_average_forecast")}
    frames = backtest_frames(run_backtest(dates, falling, rally, setup, strategies))
    summary = frames.summary
    assert summary["twin_pairs"] == 2
    assert summary["advantage"] < 0 and summary["advantage_high"] < 0


def test_tier_distribution_given_risk_adjusted_shares_sum_to_one(backtest, frames):
    tiers = tier_distribution(backtest)
    assert set(tiers) == {"high", "medium", "low"}
    assert sum(tiers.values()) == pytest.approx(1.0, rel=1e-12)
    tier = backtest.plans["risk_adjusted"].tier
    assert tiers["high"] == pytest.approx(float((tier == 2).mean()))
    assert min(tiers.values()) > 0  # the random drifts give every tier some days
    assert frames.tiers == tiers


def test_tier_distribution_given_no_risk_adjusted_strategy_is_empty(setup):
    dates, price, paths = _random_market(n=100)
    assert tier_distribution(run_backtest(dates, price, paths, setup,
                                          {"equal_batch": EqualBatch()})) == {}


def _accuracy_loop(price: np.ndarray, paths: np.ndarray, horizon: int = 14) -> float:
    hits = []
    for t in range(price.size - horizon):
        median = float(np.median(paths[t, :, horizon - 1].astype(np.float64)))
        today, future = price[t], price[t + horizon]
        if math.isfinite(median) and today > 0 and future > 0:
            predicted, realised = math.log(median / today), math.log(future / today)
            hits.append((predicted > 0) - (predicted < 0) == (realised > 0) - (realised < 0))
    return sum(hits) / len(hits)


def test_forecast_accuracy_given_random_paths_equals_plain_loop(backtest, frames):
    expected = _accuracy_loop(backtest.price, backtest.paths)
    assert forecast_accuracy(backtest) == pytest.approx(expected, rel=1e-12)
    assert frames.accuracy == forecast_accuracy(backtest)
    assert 0.3 < expected < 0.7  # random paths: no skill


def test_forecast_accuracy_given_paths_built_from_realised_future_is_about_one(setup):
    rng = np.random.default_rng(3)
    dates, price, _ = _random_market(n=400)
    paths = np.repeat(price[:, None, None], 14, axis=2) * np.ones((1, 20, 1))
    # paths[t, :, 13] = the close 14 days later, with a tiny noise.
    paths[:-14, :, 13] = price[14:, None] * (1 + rng.normal(0, 1e-6, (price.size - 14, 20)))
    backtest = run_backtest(dates, price, paths.astype(np.float32), setup,
                            {"immediate_sale": ImmediateSale()})
    accuracy = forecast_accuracy(backtest)
    assert accuracy >= 0.99
    assert accuracy == pytest.approx(_accuracy_loop(price, paths.astype(np.float32)), rel=1e-12)


def test_forecast_accuracy_given_no_paths_is_nan(setup):
    dates, price, _ = _random_market(n=200)
    backtest = run_backtest(dates, price, None, setup,
                            {k: default_strategies()[k] for k in BASELINES})
    assert math.isnan(forecast_accuracy(backtest))
    frames = backtest_frames(backtest)
    assert math.isnan(frames.accuracy) and frames.tiers == {}
    assert frames.metrics["strategy"].to_list() == list(BASELINES)


def test_forced_analysis_given_immediate_sale_has_no_forced_sales(frames):
    forced = frames.forced.filter(pl.col("strategy") == "immediate_sale").row(0, named=True)
    assert forced["n_forced_sales"] == 0 and forced["forced_volume"] == 0.0
    assert forced["avg_forced_price"] is None


def test_forced_analysis_given_random_backtest_avg_forced_price_matches_sales(frames):
    forced = frames.forced
    assert forced["strategy"].to_list() == frames.metrics["strategy"].to_list()
    checked = 0
    for row in forced.iter_rows(named=True):
        sales = frames.sales.filter((pl.col("strategy") == row["strategy"])
                                    & (pl.col("reason") == "forced"))
        assert row["n_forced_sales"] == sales.height
        if sales.height:
            quantity = sales["quantity"].to_numpy()
            expected = float((quantity * sales["price"].to_numpy()).sum() / quantity.sum())
            assert row["avg_forced_price"] == pytest.approx(expected, rel=1e-12)
            assert row["forced_volume"] == pytest.approx(quantity.sum(), rel=1e-12)
            market = frames.metrics.filter(pl.col("strategy") == row["strategy"])[
                "avg_market_price"].item()
            assert row["forced_vs_market"] == pytest.approx(expected / market - 1, rel=1e-12)
            checked += 1
    assert checked >= 3  # equal batch and others carry stock into the forced sale


def test_forced_analysis_given_hand_sales_averages_forced_prices_by_volume():
    sales = pl.DataFrame({"strategy": ["a", "a", "a", "b"], "quantity": [10.0, 30.0, 5.0, 1.0],
                          "price": [2.0, 4.0, 9.0, 3.0],
                          "reason": ["forced", "forced", "strategy", "strategy"]})
    metrics = pl.DataFrame({"strategy": ["a", "b"], "forced_volume": [40.0, 0.0],
                            "forced_share": [0.8, 0.0], "avg_realised_price": [4.0, 3.0],
                            "avg_market_price": [5.0, 3.0]})
    out = forced_analysis(sales, metrics)
    # a: (10 x 2 + 30 x 4) / 40 = 140 / 40 = 3.5; vs market 3.5 / 5 - 1 = -0.3.
    a = out.row(0, named=True)
    assert a["n_forced_sales"] == 2 and a["avg_forced_price"] == pytest.approx(3.5)
    assert a["forced_vs_market"] == pytest.approx(-0.3)
    assert out.row(1, named=True)["n_forced_sales"] == 0


# --- the three blocking checks ----------------------------------------------------------------

def _accounting(backtest: Backtest, closes: np.ndarray | None = None):
    """The accounting check against the market as stored (the backtest's own dates and, unless
    given, its closes: the fixtures' market)."""
    return inventory_accounting_holds(backtest, backtest.dates,
                                      backtest.price if closes is None else closes)


def test_backtest_checks_given_real_backtest_all_pass(backtest, frames):
    outcomes = [_accounting(backtest),
                every_strategy_has_finite_metrics(frames.metrics, default_strategies()),
                kernel_matches_reference(backtest)]
    assert [o.passed for o in outcomes] == [True, True, True], [o.description for o in outcomes]
    assert all(o.severity == "ERROR" for o in outcomes)
    assert outcomes[0].metadata["max_relative_error"] <= 1e-9
    assert outcomes[2].metadata["mismatches"] == []


def _tampered(backtest: Backtest, key: str, column: str, delta: float, from_day: int) -> Backtest:
    result = backtest.results[key]
    daily = result.daily.copy()
    daily[from_day:, DAILY_COLUMNS.index(column)] += delta
    return dataclasses.replace(backtest, results={
        **backtest.results, key: dataclasses.replace(result, daily=daily)})


def _tampered_sale(backtest: Backtest, key: str, column: int, factor: float) -> Backtest:
    result = backtest.results[key]
    sales = result.sales.copy()
    sales[len(sales) // 2, column] *= factor
    return dataclasses.replace(backtest, results={
        **backtest.results, key: dataclasses.replace(result, sales=sales)})


def test_inventory_accounting_holds_given_tampered_cash_fails_naming_strategy(backtest):
    outcome = _accounting(_tampered(backtest, "equal_batch", "cash", 1.0, 200))
    assert not outcome.passed
    assert "equal_batch" in outcome.description
    assert set(outcome.metadata["broken"]) == {"equal_batch"}
    assert set(outcome.metadata["broken"]["equal_batch"]) == {"cash"}
    assert _accounting(backtest).passed  # the original is untouched


def test_inventory_accounting_holds_given_trade_list_not_matching_the_book_fails(backtest):
    # A sale recorded at twice its quantity: the stock, cash and value recomputed from the
    # trade list no longer follow the stored book.
    outcome = _accounting(_tampered_sale(backtest, "consensus", 1, 2.0))
    assert not outcome.passed and set(outcome.metadata["broken"]) == {"consensus"}
    assert {"stock", "cash", "value"} <= set(outcome.metadata["broken"]["consensus"])


def test_inventory_accounting_holds_given_sale_at_another_price_than_the_close_fails(backtest):
    outcome = _accounting(_tampered_sale(backtest, "equal_batch", 2, 1.01))
    assert "sale_price_vs_close" in outcome.metadata["broken"]["equal_batch"]


def test_inventory_accounting_holds_given_prices_shifted_by_one_day_fails(setup):
    # Planted: the backtest runs on closes shifted one day against their dates (each day
    # trades at the next day's close). Its own sums still add up, so re-adding them could not
    # see it; looked up by date in the market data, every sale and every value is off.
    dates, price, paths = _random_market(n=300)
    shifted = run_backtest(dates, np.roll(price, -1), paths, setup, default_strategies())
    outcome = inventory_accounting_holds(shifted, dates, price)
    assert not outcome.passed and set(outcome.metadata["broken"]) == set(default_strategies())
    assert all("value" in rules for rules in outcome.metadata["broken"].values())
    assert "sale_price_vs_close" in outcome.metadata["broken"]["immediate_sale"]
    honest = run_backtest(dates, price, paths, setup, default_strategies())
    assert inventory_accounting_holds(honest, dates, price).passed


def test_backtest_guards_given_fills_at_the_deciding_close_fail(setup):
    # Planted: the engine fills every decision at the close it was decided on although the
    # house rule says next session. Stock, cash and value still add up. The accounting check
    # sees sales on days whose previous close did not ask for one (the price-driven rules);
    # a calendar rule (equal batch) asks every day, so only the reference twin, run under the
    # claimed rule, sees that its sales come a session early: every strategy fails there.
    dates, price, paths = _random_market(n=300)
    same_close = dataclasses.replace(setup, harvest=setup.harvest.model_copy(
        update={"fill_lag_days": 0}))
    early = run_backtest(dates, price, paths, same_close, default_strategies())
    claimed = dataclasses.replace(early, setup=setup)  # reported under the next-session rule
    outcome = inventory_accounting_holds(claimed, dates, price)
    assert not outcome.passed
    assert all(set(rules) == {"sale_without_decision_before"}
               for rules in outcome.metadata["broken"].values())
    assert {"consensus", "price_threshold", "moving_average"} <= set(outcome.metadata["broken"])
    twin = kernel_matches_reference(claimed)
    assert not twin.passed
    assert {m.split()[0] for m in twin.metadata["mismatches"]} == set(default_strategies())
    assert inventory_accounting_holds(early, dates, price).passed  # honest about its own rule
    assert kernel_matches_reference(early).passed


def test_backtest_sales_given_next_session_fills_record_the_close_they_were_decided_at(frames):
    strategy = frames.sales.filter(pl.col("reason") == "strategy")
    forced = frames.sales.filter(pl.col("reason") == "forced")
    assert strategy.height and (strategy["decided"] < strategy["date"]).all()
    assert (forced["decided"] == forced["date"]).all()


def test_every_strategy_has_finite_metrics_given_missing_row_fails_naming_it(frames):
    metrics = frames.metrics.filter(pl.col("strategy") != "consensus")
    outcome = every_strategy_has_finite_metrics(metrics, default_strategies())
    assert not outcome.passed
    assert outcome.metadata["missing"] == ["consensus"]
    assert "consensus" in outcome.description


def test_every_strategy_has_finite_metrics_given_nan_sharpe_fails_naming_it(frames):
    metrics = frames.metrics.with_columns(
        sharpe=pl.when(pl.col("strategy") == "expected_value").then(float("nan"))
        .otherwise(pl.col("sharpe")))
    outcome = every_strategy_has_finite_metrics(metrics, default_strategies())
    assert not outcome.passed
    assert outcome.metadata["not_finite"] == {"expected_value": ["sharpe"]}
    assert "expected_value" in outcome.description


def test_every_strategy_has_finite_metrics_given_nan_price_capture_still_passes(frames):
    metrics = frames.metrics.with_columns(price_capture=pl.lit(float("nan")),
                                          avg_realised_price=pl.lit(float("nan")))
    assert every_strategy_has_finite_metrics(metrics, default_strategies()).passed


def test_kernel_matches_reference_given_result_of_another_spec_fails_listing_mismatch(backtest):
    swapped = dataclasses.replace(backtest, results={
        **backtest.results, "moving_average": backtest.results["equal_batch"]})
    outcome = kernel_matches_reference(swapped)
    assert not outcome.passed
    mismatches = outcome.metadata["mismatches"]
    assert mismatches and all(m.startswith("moving_average days ") for m in mismatches)
    assert "parity broken" in outcome.description and mismatches[0] in outcome.description


def test_kernel_matches_reference_given_plan_of_another_spec_fails(backtest):
    # The price-threshold plan simulated under the moving-average key: the reference, which
    # runs MovingAverage.decide, disagrees with the kernel's days.
    result = run_backtest(backtest.dates, backtest.price, backtest.paths, backtest.setup,
                          {"moving_average": PriceThreshold()}).results["moving_average"]
    swapped = dataclasses.replace(backtest, strategies={"moving_average": MovingAverage()},
                                  results={"moving_average": result})
    outcome = kernel_matches_reference(swapped)
    assert not outcome.passed and outcome.metadata["mismatches"]


@pytest.mark.parametrize(("n", "expected"), [
    (1000, [(0, 40), (480, 520), (960, 1000)]),  # linspace(0, 960, 3) = 0, 480, 960
    (100, [(0, 40), (30, 70), (60, 100)]),  # linspace(0, 60, 3)
    (40, [(0, 40)]),  # one full-length window only
    (10, [(0, 10)]),  # shorter than a window: the whole book once
])
def test_parity_windows_given_length_spreads_windows_from_day_zero(n, expected):
    assert parity_windows(n) == expected


@pytest.mark.parametrize("n", [41, 77, 599, 1234, 5506])
def test_parity_windows_given_any_length_stay_inside_and_are_evenly_spread(n):
    windows = parity_windows(n)
    assert windows[0][0] == 0 and windows[-1][1] == n
    assert all(0 <= a < b <= n and b - a == 40 for a, b in windows)
    gaps = np.diff([a for a, _ in windows])
    assert gaps.max() - gaps.min() <= 1


# --- kernel == reference on real prices --------------------------------------------------------

def _real_series(real_data_dir: Path, commodity: str) -> tuple[np.ndarray, np.ndarray]:
    raw = pl.read_csv(real_data_dir / REAL_FILES[commodity], columns=["date", "close"],
                      schema_overrides={"date": pl.Date, "close": pl.Float64})
    close = raw["close"].to_numpy().astype(np.float64)
    dates = raw["date"].to_numpy().astype("datetime64[D]")
    keep = np.isfinite(close) & (close > 0)  # coffee has empty holiday rows
    return dates[keep], close[keep]


@pytest.mark.parametrize("commodity", ["coffee", "sugar", "corn"])
def test_run_backtest_given_real_prices_kernel_equals_reference_for_every_strategy(
    real_data_dir, commodity
):
    dates, close = _real_series(real_data_dir, commodity)
    assert dates.size > 4000 and (np.diff(dates) > np.timedelta64(0, "D")).all()
    paths = _paths_around(close, 20, np.random.default_rng(11))
    setup = BookSetup.for_commodity(UNIVERSE.commodities[commodity])
    backtest = run_backtest(dates, close, paths, setup, default_strategies())
    schedule = backtest.schedule
    assert schedule.liquidate.sum() >= 10  # many complete seasons
    for key, spec in default_strategies().items():
        result = backtest.results[key]
        days, sales = run_book_reference(close, schedule.intake, schedule.liquidate, spec.decide,
                                         backtest.plans[key].cadence, setup.storage_rate,
                                         setup.tx_rate, forecasts=paths)
        for i, name in enumerate(DAILY_COLUMNS):
            np.testing.assert_allclose(result.daily[:, i], [d[name] for d in days], rtol=1e-12,
                                       atol=1e-9, err_msg=f"{commodity} {key} {name}")
        assert result.sales[:, 0].astype(int).tolist() == [s[0] for s in sales], key
        assert (result.sales[:, 3] == REASON_STRATEGY).sum() >= 10, key  # the rule sells


def test_reference_given_kernel_state_mid_history_continues_identically(real_data_dir):
    # The parity check's restart: the reference started from the kernel's evening state.
    dates, close = _real_series(real_data_dir, "sugar")
    paths = _paths_around(close, 20, np.random.default_rng(5))
    setup = BookSetup.for_commodity(UNIVERSE.commodities["sugar"])
    spec = default_strategies()["moving_average_forecast"]
    backtest = run_backtest(dates, close, paths, setup, {"maf": spec})
    result, start = backtest.results["maf"], close.size - 400
    own = result.sales[(result.sales[:, 3] == REASON_STRATEGY) & (result.sales[:, 0] < start)]
    since = start - 1 - int(own[-1, 0]) if own.size else NEVER_SOLD + start
    days, _ = run_book_reference(
        close, backtest.schedule.intake, backtest.schedule.liquidate, spec.decide,
        backtest.plans["maf"].cadence, setup.storage_rate, setup.tx_rate, forecasts=paths,
        start=start, initial=BookState(float(result.column("inventory")[start - 1]), since),
        initial_cash=float(result.column("cash")[start - 1]))
    np.testing.assert_allclose(result.daily[start:, DAILY_COLUMNS.index("cash")],
                               [d["cash"] for d in days], rtol=1e-12)


# --- backtest_model ---------------------------------------------------------------------------

def test_backtest_model_given_failed_store_checks_refuses(setup):
    dates, price, paths = _random_market(n=100)
    checks = {"paths_finite": {"severity": "ERROR", "passed": False}}
    with pytest.raises(UnusableForecastsError, match="paths_finite"):
        backtest_model(dates, price, dates, paths, checks, "coffee|m", setup,
                       default_strategies())
    with pytest.raises(UnusableForecastsError, match="never ran"):
        backtest_model(dates, price, dates, paths, None, "coffee|m", setup,
                       default_strategies())


def test_backtest_model_given_good_store_passes_checks_and_summarises_window(setup):
    dates, price, paths = _random_market(n=400)
    # The store covers market days 5 .. 394 and lacks day 100; the window runs on to the last
    # market day 399, so days 100 and 395..399 have no forecast: 395 days, 6 missing.
    forecast_days = np.delete(dates[5:395], 95)
    stored = np.delete(paths[5:395], 95, axis=0)
    run = backtest_model(dates, price, forecast_days, stored, GOOD_CHECKS, "coffee|m", setup,
                         default_strategies())
    assert [o.name for o in run.outcomes] == ["inventory_accounting_holds",
                                              "every_strategy_has_finite_metrics",
                                              "kernel_matches_reference"]
    assert all(o.passed for o in run.outcomes), [o.description for o in run.outcomes]
    summary = run.summary.row(0, named=True)
    assert run.summary.height == 1
    assert str(summary["window_start"]) == str(dates[5])
    assert str(summary["window_end"]) == str(dates[399])
    assert summary["n_days"] == 395 and summary["missing_forecast_days"] == 6
    assert summary["ignored_forecast_days"] == 0
    assert summary["best_overall"] in default_strategies()
    assert summary["accuracy"] == pytest.approx(run.frames.accuracy)
    assert summary["tier_high"] + summary["tier_medium"] + summary["tier_low"] == pytest.approx(1)
    assert set(run.timings) == {"align_s", "simulate_s", "tabulate_s", "checks_s"}


# --- comparison -------------------------------------------------------------------------------

def _summaries() -> pl.DataFrame:
    rows = [("sugar", "synthetic_70", 0.69), ("coffee", "xgboost", 0.52),
            ("coffee", "synthetic_70", 0.71), ("coffee", "retired_model", 0.5)]
    return pl.DataFrame({
        "commodity": [r[0] for r in rows], "model": [r[1] for r in rows],
        "accuracy": [r[2] for r in rows], "best_baseline": ["equal_batch"] * 4,
        "best_baseline_net": [100.0] * 4, "best_forecast": ["consensus"] * 4,
        "best_forecast_net": [110.0] * 4, "best_overall": ["consensus"] * 4,
        "best_overall_net": [110.0] * 4, "advantage": [10.0] * 4,
        # sugar synthetic +8 %, coffee xgboost -2 %, coffee synthetic +12 %, retired +50 %
        "advantage_pct": [8.0, -2.0, 12.0, 50.0], "advantage_low": [5.0] * 4,
        "advantage_high": [15.0] * 4, "n_days": [500] * 4,
    })


def _metrics() -> pl.DataFrame:
    keys = [(c, m) for c, m in zip(_summaries()["commodity"], _summaries()["model"],
                                   strict=True)]
    return pl.DataFrame({
        "commodity": [c for c, _ in keys for _ in range(2)],
        "model": [m for _, m in keys for _ in range(2)],
        "strategy": ["equal_batch", "consensus"] * len(keys),
        "family": ["baseline", "forecast"] * len(keys),
        "net_earnings": [100.0, 110.0] * len(keys),
    })


NOMINAL = {"naive_rw": None, "xgboost": None, "synthetic_70": 0.70}


def test_comparison_tables_given_summaries_joins_nominal_and_sorts():
    summary, detailed = comparison_tables(_summaries(), _metrics(), NOMINAL)
    assert summary.columns == list(SUMMARY_COLUMNS)
    assert summary.select("commodity", "model").rows() == [
        ("coffee", "synthetic_70"), ("coffee", "xgboost"), ("sugar", "synthetic_70")]
    assert summary["synthetic"].to_list() == [True, False, True]
    assert summary["accuracy"].to_list() == [0.71, 0.52, 0.69]
    # Detailed: one row per strategy of the kept models, sorted by commodity, model, family.
    assert detailed.columns[:7] == ["commodity", "model", "synthetic", "accuracy",
                                    "nominal_accuracy", "strategy", "family"]
    assert detailed.height == 6 and "retired_model" not in detailed["model"].to_list()
    assert detailed.select("commodity", "model", "strategy").rows()[:2] == [
        ("coffee", "synthetic_70", "equal_batch"), ("coffee", "synthetic_70", "consensus")]
    nominal = dict(zip(detailed["model"], detailed["nominal_accuracy"], strict=True))
    assert nominal["synthetic_70"] == 0.70 and math.isnan(nominal["xgboost"])
    accuracy = detailed.filter(pl.col("commodity") == "sugar")["accuracy"].to_list()
    assert accuracy == [0.69, 0.69]


def test_headline_by_kind_given_synthetic_models_keeps_them_out_of_the_real_headline():
    # Real models only: coffee xgboost -2 % (the retired model is not in the zoo, dropped).
    # The synthetic ladder (+8 %, +12 %) is reported on its own: mean +10 %.
    summary, _ = comparison_tables(_summaries(), _metrics(), NOMINAL)
    assert headline_by_kind(summary) == {"mean_advantage_pct_real_models": -2.0,
                                         "mean_advantage_pct_synthetic_models": 10.0}


def test_comparison_tables_given_empty_summaries_returns_empty_frames():
    summary, detailed = comparison_tables(_summaries().clear(), _metrics().clear(), NOMINAL)
    assert summary.is_empty() and detailed.is_empty()
    assert summary.columns == list(SUMMARY_COLUMNS)


def test_missing_partitions_given_summary_lists_absent_keys_in_partition_form():
    summary, _ = comparison_tables(_summaries(), _metrics(), NOMINAL)
    missing = missing_partitions(summary, ["coffee", "sugar"], list(NOMINAL))
    assert missing == ["coffee|naive_rw", "sugar|naive_rw", "sugar|xgboost"]
    empty, _ = comparison_tables(_summaries().clear(), _metrics().clear(), NOMINAL)
    assert missing_partitions(empty, ["corn"], ["naive_rw"]) == ["corn|naive_rw"]


def test_harvest_spec_given_small_window_drives_backtest_intake(setup):
    # A small HarvestSpec: 100 units over 05-01 .. 05-07, five trading days in both 2020
    # (Fri 1, Mon 4 .. Thu 7) and 2021 (Mon 3 .. Fri 7): 100 / 5 = 20 a day, 10 arrivals.
    small = dataclasses.replace(setup, harvest=HarvestSpec(intake_start="05-01",
                                                           intake_end="05-07", annual_volume=100))
    dates, price, _ = _random_market(n=400)
    backtest = run_backtest(dates, price, None, small, {"immediate_sale": ImmediateSale()})
    metrics = backtest_frames(backtest).metrics.row(0, named=True)
    arrivals = backtest.schedule.intake[backtest.schedule.intake > 0]
    np.testing.assert_allclose(arrivals, 20.0)
    assert arrivals.size == 10
    # Next-session fills: each intake is ordered at its close and filled the next day, so a
    # season's days hold 20, 40, 40, 40, 40, 20 and sell 0, 20, 20, 20, 20, 20:
    # turnover (0 + 4 x 0.5 + 1) / 6 = 0.5.
    assert metrics["n_sales"] == 10 and metrics["turnover"] == 0.5
    assert metrics["forced_volume"] == 0.0


def test_backtest_notional_given_window_uses_only_the_first_close(backtest, frames, setup):
    # Returns are daily P&L over one season's intake at the first close: a later price never
    # enters them (the mean over the window did).
    notional = setup.harvest.annual_volume * abs(backtest.price[0])
    col = backtest.results["equal_batch"].column
    pnl = daily_pnl(col("value"), col("intake"), backtest.price)
    row = frames.metrics.filter(pl.col("strategy") == "equal_batch").row(0, named=True)
    assert row["annual_return"] == pytest.approx(pnl.mean() / notional * 252, rel=1e-12)
