"""Book metrics: hand-derived tiny books, parity with plain-Python loops, edge conventions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from trading_platform.config.universe import HarvestSpec
from trading_platform.domain.inventory.engine import run_book
from trading_platform.domain.inventory.metrics import (
    book_metrics,
    daily_pnl,
    max_drawdown,
    season_metrics,
    sharpe_ratio,
    sortino_ratio,
    turnover,
)
from trading_platform.domain.inventory.seasons import harvest_schedule

YEAR = 252


# --- slow plain-Python twins of the module conventions ---------------------------------------

def _mean(values) -> float:
    return sum(values) / len(values)


def _sharpe_loop(returns) -> float:
    r = [float(x) for x in returns]
    if len(r) < 2:
        return 0.0
    mean = _mean(r)
    deviation = math.sqrt(sum((x - mean) ** 2 for x in r) / (len(r) - 1))
    return mean / deviation * math.sqrt(YEAR) if deviation > 0 else 0.0


def _sortino_loop(returns) -> float:
    r = [float(x) for x in returns]
    if not r:
        return 0.0
    downside = math.sqrt(sum(min(x, 0.0) ** 2 for x in r) / len(r))
    return _mean(r) / downside * math.sqrt(YEAR) if downside > 0 else 0.0


def _max_drawdown_loop(returns) -> float:
    equity, peak, worst = 1.0, 1.0, 0.0
    for x in returns:
        equity += float(x)
        peak = max(peak, equity)
        worst = min(worst, equity / peak - 1.0)
    return worst


def _turnover_loop(inventory, sold, forced) -> float:
    shares = []
    for inv, s, f in zip(inventory, sold, forced, strict=True):
        before = inv + s + f
        if before > 0:
            shares.append((s + f) / before)
    return _mean(shares) if shares else 0.0


def _daily_pnl_loop(value, intake, price) -> list[float]:
    out, previous = [], 0.0
    for v, q, p in zip(value, intake, price, strict=True):
        out.append(v - previous - q * p)
        previous = v
    return out


# --- hand-derived tiny cases ------------------------------------------------------------------

def test_daily_pnl_given_three_days_subtracts_previous_value_and_intake_at_close():
    # value[-1] = 0: day 0: 105 - 0 - 10 x 10 = 5; day 1: 103 - 105 - 0 = -2;
    # day 2: 160 - 103 - 5 x 12 = -3.
    pnl = daily_pnl(np.array([105.0, 103.0, 160.0]), np.array([10.0, 0.0, 5.0]),
                    np.array([10.0, 11.0, 12.0]))
    np.testing.assert_allclose(pnl, [5.0, -2.0, -3.0], rtol=1e-12)


def test_sharpe_ratio_given_two_returns_is_mean_over_sample_std_annualised():
    # mean 0.02; std (ddof 1) = sqrt((0.01^2 + 0.01^2) / 1) = 0.01 sqrt(2);
    # Sharpe = 0.02 / (0.01 sqrt 2) x sqrt(252) = sqrt(2) x sqrt(252) = sqrt(504) = 22.4499.
    assert sharpe_ratio(np.array([0.01, 0.03])) == pytest.approx(math.sqrt(504), rel=1e-12)


def test_sortino_ratio_given_two_losses_uses_downside_deviation_over_all_days():
    # mean (0.02 - 0.01 + 0.02 - 0.01) / 4 = 0.005; downside sqrt((0 + 1e-4 + 0 + 1e-4) / 4)
    # = sqrt(5e-5); (0.005 / sqrt(5e-5))^2 = 0.5, so Sortino = sqrt(0.5 x 252) = sqrt(126).
    returns = np.array([0.02, -0.01, 0.02, -0.01])
    assert sortino_ratio(returns) == pytest.approx(math.sqrt(126), rel=1e-12)


def test_max_drawdown_given_rise_then_fall_measures_from_running_peak():
    # equity 1.1, 0.9, 0.95, 1.05: peak 1.1, worst 0.9 / 1.1 - 1 = -0.181818...
    assert max_drawdown(np.array([0.1, -0.2, 0.05, 0.1])) == pytest.approx(0.9 / 1.1 - 1.0,
                                                                           rel=1e-12)


def test_max_drawdown_given_loss_on_first_day_counts_from_the_starting_peak_of_one():
    # equity 0.9, 0.95: the peak is the starting 1.0, so the drawdown is 0.9 - 1 = -0.1.
    assert max_drawdown(np.array([-0.1, 0.05])) == pytest.approx(-0.1, rel=1e-12)


def test_turnover_given_three_days_averages_share_sold_over_days_with_stock():
    # stock before sales = inventory + sold + forced: 100, 50, 0, 40.
    # Shares sold: 50/100 = 0.5, 0/50 = 0, (day without stock skipped), 40/40 = 1.
    # Mean over the 3 days with stock: (0.5 + 0 + 1) / 3 = 0.5.
    inventory = np.array([50.0, 50.0, 0.0, 0.0])
    sold = np.array([50.0, 0.0, 0.0, 0.0])
    forced = np.array([0.0, 0.0, 0.0, 40.0])
    assert turnover(inventory, sold, forced) == pytest.approx(0.5, rel=1e-12)


def _five_day_book():
    # tx 1 %, storage 0.1 % of the value held at the close, cadence 1.
    # Day 0: +100 at 10, sell 0.5 -> 50 x 10 = 500, tx 5, storage 0.001 x 50 x 10 = 0.5,
    #        cash 494.5, value 494.5 + 500 = 994.5.
    # Day 1: price 12, no sale; storage 0.001 x 50 x 12 = 0.6; cash 493.9; value 1093.9.
    # Day 2: +100 at 8 -> 150, sell 0.4 -> 60 x 8 = 480, tx 4.8, left 90,
    #        storage 0.001 x 90 x 8 = 0.72; cash 968.38; value 968.38 + 720 = 1688.38.
    # Day 3: forced: 90 x 11 = 990, tx 9.9, storage 0; cash 1948.48; value 1948.48.
    # Day 4: +40 at 10, no sale; storage 0.001 x 40 x 10 = 0.4; cash 1948.08; value 2348.08.
    price = np.array([10.0, 12.0, 8.0, 11.0, 10.0])
    intake = np.array([100.0, 0.0, 100.0, 0.0, 40.0])
    liquidate = np.array([False, False, False, True, False])
    share = np.array([0.5, 0.0, 0.4, 0.0, 0.0])
    result = run_book(price, intake, liquidate, share, 1, 0.001, 0.01, lag=0)
    return result, price


def test_run_book_given_five_day_book_matches_hand_derived_value():
    result, _ = _five_day_book()
    np.testing.assert_allclose(result.column("cash"),
                               [494.5, 493.9, 968.38, 1948.48, 1948.08], rtol=1e-12)
    np.testing.assert_allclose(result.column("value"),
                               [994.5, 1093.9, 1688.38, 1948.48, 2348.08], rtol=1e-12)


def test_book_metrics_given_five_day_book_matches_hand_derived_metrics():
    result, price = _five_day_book()
    season = np.array([0, 0, 0, 0, 1])
    metrics = book_metrics(result, price, season, tx_rate=0.01, notional=1000.0)
    # Net = cash 1948.08 + ending 40 x last close 10 x (1 - 0.01) = 1948.08 + 396 = 2344.08.
    assert metrics["net_earnings"] == pytest.approx(2344.08, rel=1e-12)
    assert metrics["gross_proceeds"] == pytest.approx(500 + 480 + 990, rel=1e-12)  # 1970
    assert metrics["transaction_costs"] == pytest.approx(5 + 4.8 + 9.9, rel=1e-12)  # 19.7
    assert metrics["storage_costs"] == pytest.approx(0.5 + 0.6 + 0.72 + 0.4, rel=1e-12)
    assert metrics["ending_inventory"] == pytest.approx(40.0)
    # Realised: 1970 / (50 + 60 + 90) = 9.85; market: (10 + 12 + 8 + 11 + 10) / 5 = 10.2.
    assert metrics["avg_realised_price"] == pytest.approx(9.85, rel=1e-12)
    assert metrics["avg_market_price"] == pytest.approx(10.2, rel=1e-12)
    assert metrics["price_capture"] == pytest.approx(9.85 / 10.2, rel=1e-12)
    assert metrics["n_sales"] == 3.0  # days 0, 2 (strategy) and 3 (forced)
    assert metrics["forced_volume"] == pytest.approx(90.0)
    assert metrics["forced_share"] == pytest.approx(90 / 240, rel=1e-12)  # 0.375
    # Turnover: 50/100, 0/50, 60/150, 90/90, 0/40 -> (0.5 + 0 + 0.4 + 1 + 0) / 5 = 0.38.
    assert metrics["turnover"] == pytest.approx(0.38, rel=1e-12)
    # Daily P&L: 994.5 - 1000 = -5.5; 1093.9 - 994.5 = 99.4; 1688.38 - 1093.9 - 800 = -205.52;
    # 1948.48 - 1688.38 = 260.1; 2348.08 - 1948.48 - 400 = -0.4 (sum 148.08 = 2348.08 - 2200).
    returns = np.array([-5.5, 99.4, -205.52, 260.1, -0.4]) / 1000.0
    assert metrics["annual_return"] == pytest.approx(0.14808 / 5 * 252, rel=1e-9)
    assert metrics["sharpe"] == pytest.approx(_sharpe_loop(returns), rel=1e-9)
    assert metrics["sortino"] == pytest.approx(_sortino_loop(returns), rel=1e-9)
    # Equity: 0.9945, 1.0939, 0.88838, 1.14848, 1.14808: peak 1.0939, worst 0.88838 / 1.0939 - 1.
    assert metrics["max_drawdown"] == pytest.approx(0.88838 / 1.0939 - 1.0, rel=1e-9)
    assert metrics["calmar"] == pytest.approx(
        metrics["annual_return"] / abs(metrics["max_drawdown"]), rel=1e-12)


# --- parity with plain-Python loops -----------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_ratios_given_random_returns_equal_plain_python_loops(seed):
    rng = np.random.default_rng(seed)
    returns = rng.normal(0.0005, 0.01, 300)
    np.testing.assert_allclose(sharpe_ratio(returns), _sharpe_loop(returns), rtol=1e-12)
    np.testing.assert_allclose(sortino_ratio(returns), _sortino_loop(returns), rtol=1e-12)
    np.testing.assert_allclose(max_drawdown(returns), _max_drawdown_loop(returns), rtol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_daily_pnl_and_turnover_given_random_book_equal_plain_python_loops(seed):
    rng = np.random.default_rng(seed)
    n = 250
    price = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    intake = np.where(rng.random(n) < 0.2, rng.uniform(0, 50, n), 0.0)
    share = np.where(rng.random(n) < 0.3, rng.uniform(0, 1, n), 0.0)
    result = run_book(price, intake, rng.random(n) < 0.02, share, 2, 0.0001, 0.001, lag=0)
    value, inventory = result.column("value"), result.column("inventory")
    np.testing.assert_allclose(daily_pnl(value, intake, price),
                               _daily_pnl_loop(value, intake, price), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(
        turnover(inventory, result.column("sold"), result.column("forced")),
        _turnover_loop(inventory, result.column("sold"), result.column("forced")), rtol=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_daily_pnl_given_book_ending_empty_sums_to_net_earnings_minus_intake_value(seed):
    # Docstring: summed over the window, daily P&L = net earnings - intake valued at its closes
    # (value[-1] - sum(intake x price)); exact when no stock is left at the end.
    rng = np.random.default_rng(seed)
    n = 200
    price = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    intake = np.where(rng.random(n) < 0.3, rng.uniform(0, 20, n), 0.0)
    liquidate = np.zeros(n, bool)
    liquidate[[99, n - 1]] = True
    share = np.where(rng.random(n) < 0.2, 0.3, 0.0)
    result = run_book(price, intake, liquidate, share, 2, 0.0001, 0.001, lag=0)
    metrics = book_metrics(result, price, np.zeros(n, np.int64), 0.001, 1000.0)
    pnl = daily_pnl(result.column("value"), intake, price)
    assert metrics["ending_inventory"] == 0.0
    assert pnl.sum() == pytest.approx(metrics["net_earnings"] - (intake * price).sum(),
                                      rel=1e-9)


# --- edge conventions -------------------------------------------------------------------------

def test_sharpe_and_sortino_given_all_zero_returns_are_zero():
    returns = np.zeros(20)
    assert sharpe_ratio(returns) == 0.0
    assert sortino_ratio(returns) == 0.0


def test_sharpe_ratio_given_constant_nonzero_returns_is_zero():
    # Every return is 0.01: the deviation is 0, so by convention Sharpe is 0 (not mean / ~1e-18).
    assert sharpe_ratio(np.full(10, 0.01)) == 0.0


def test_sortino_ratio_given_no_losing_day_is_zero():
    # Downside deviation sqrt(mean(min(r, 0)^2)) = 0 when no day loses.
    assert sortino_ratio(np.array([0.01, 0.0, 0.03])) == 0.0


def test_ratios_given_too_few_returns_are_zero():
    assert sharpe_ratio(np.array([0.05])) == 0.0  # ddof 1 needs two days
    assert sortino_ratio(np.array([])) == 0.0
    assert max_drawdown(np.array([])) == 0.0


def test_max_drawdown_given_never_falling_equity_is_zero():
    assert max_drawdown(np.array([0.01, 0.0, 0.02])) == 0.0


def test_book_metrics_given_flat_book_has_no_drawdown_and_zero_calmar():
    # Immediate sale without costs: each day's intake is sold at the close it is valued at, so
    # daily P&L is 0 every day: Sharpe, Sortino, drawdown, annual return and Calmar are all 0.
    price = np.array([10.0, 11.0, 9.0, 12.0])
    intake = np.array([5.0, 5.0, 0.0, 5.0])
    result = run_book(price, intake, np.zeros(4, bool), np.ones(4), 0, 0.0, 0.0, lag=0)
    metrics = book_metrics(result, price, np.zeros(4, np.int64), tx_rate=0.0, notional=100.0)
    for name in ("sharpe", "sortino", "max_drawdown", "annual_return", "calmar"):
        assert metrics[name] == 0.0, name
    assert metrics["turnover"] == 1.0  # every day with stock sells all of it
    assert metrics["net_earnings"] == pytest.approx(50 + 55 + 60)  # 5 x (10 + 11 + 12)


def test_book_metrics_given_book_that_never_holds_stock_has_zero_turnover_and_nan_capture():
    price = np.array([10.0, 11.0, 9.0])
    result = run_book(price, np.zeros(3), np.zeros(3, bool), np.ones(3), 0, 0.001, 0.01, lag=0)
    metrics = book_metrics(result, price, np.zeros(3, np.int64), tx_rate=0.01, notional=100.0)
    assert metrics["turnover"] == 0.0
    assert metrics["n_sales"] == 0.0 and metrics["net_earnings"] == 0.0
    assert math.isnan(metrics["avg_realised_price"]) and math.isnan(metrics["price_capture"])
    assert math.isnan(metrics["forced_share"])  # no intake: nothing to share


# --- per season -------------------------------------------------------------------------------

def _two_season_book():
    # Day 0 is before the first season (season -1, nothing happens). tx 1 %, storage 0.1 %.
    # Season 0 (days 1-3): +100 at 10, sell 0.5 -> 50 x 10 = 500, tx 5, storage 0.001x50x10 = 0.5;
    #   day 2 sell 0.5 of 50 -> 25 x 12 = 300, tx 3, storage 0.001 x 25 x 12 = 0.3;
    #   day 3 forced 25 x 5 = 125, tx 1.25, storage 0.
    # Season 1 (days 4-5): +50 at 10, no sale, storage 0.001 x 50 x 10 = 0.5;
    #   day 5 sell 0.2 -> 10 x 11 = 110, tx 1.1, left 40, storage 0.001 x 40 x 11 = 0.44.
    price = np.array([9.0, 10.0, 12.0, 5.0, 10.0, 11.0])
    intake = np.array([0.0, 100.0, 0.0, 0.0, 50.0, 0.0])
    liquidate = np.array([False, False, False, True, False, False])
    share = np.array([0.0, 0.5, 0.5, 0.0, 0.0, 0.2])
    season = np.array([-1, 0, 0, 0, 1, 1])
    starts = np.array(["2021-05-01", "2022-05-01"], dtype="datetime64[D]")
    return run_book(price, intake, liquidate, share, 1, 0.001, 0.01, lag=0), price, season, starts


def test_season_metrics_given_two_seasons_matches_hand_derived_rows():
    result, price, season, starts = _two_season_book()
    frame = season_metrics(result, price, season, starts)
    assert frame["season"].to_list() == [0, 1]
    assert frame["season_start"].cast(str).to_list() == ["2021-05-01", "2022-05-01"]
    expected = {
        "intake": [100.0, 50.0], "sold": [75.0, 10.0], "forced": [25.0, 0.0],
        "proceeds": [925.0, 110.0],  # 500 + 300 + 125; 110
        "transaction_costs": [9.25, 1.1], "storage_costs": [0.8, 0.94],
        "net": [925 - 9.25 - 0.8, 110 - 1.1 - 0.94],  # 914.95, 107.96
        "ending_inventory": [0.0, 40.0],
        "avg_realised_price": [925 / 100, 110 / 10],  # 9.25, 11
        "avg_market_price": [(10 + 12 + 5) / 3, (10 + 11) / 2],  # 9, 10.5
        "price_capture": [9.25 / 9, 11 / 10.5],
    }
    for name, values in expected.items():
        np.testing.assert_allclose(frame[name].to_numpy(), values, rtol=1e-12, err_msg=name)
    assert frame["n_sales"].to_list() == [3, 1]
    assert frame["n_forced_sales"].to_list() == [1, 0]


def test_season_metrics_given_season_without_sales_has_nan_realised_price():
    price = np.array([10.0, 12.0, 14.0])
    result = run_book(price, np.array([10.0, 0.0, 0.0]), np.zeros(3, bool), np.zeros(3), 0,
                      0.0, 0.0, lag=0)
    frame = season_metrics(result, price, np.array([0, 0, 1]),
                           np.array(["2021-05-01", "2022-05-01"], dtype="datetime64[D]"))
    assert frame["n_sales"].to_list() == [0, 0]
    assert np.isnan(frame["avg_realised_price"].to_numpy()).all()
    np.testing.assert_allclose(frame["ending_inventory"].to_numpy(), [10.0, 10.0])


@pytest.mark.parametrize("seed", [0, 1])
def test_season_metrics_given_random_multi_season_run_sums_to_window_totals(seed):
    rng = np.random.default_rng(seed)
    days = np.arange(np.datetime64("2019-01-01"), np.datetime64("2022-12-31"))
    dates = days[np.is_busday(days)]
    n = dates.size
    price = 100 * np.exp(np.cumsum(rng.normal(0, 0.015, n)))
    schedule = harvest_schedule(dates, HarvestSpec(intake_start="05-01", intake_end="07-31",
                                                   annual_volume=1000))
    assert len(schedule.season_starts) == 4
    share = np.where(rng.random(n) < 0.2, rng.uniform(0.05, 0.5, n), 0.0)
    result = run_book(price, schedule.intake, schedule.liquidate, share, 3, 0.0001, 0.001, lag=0)
    frame = season_metrics(result, price, schedule.season, schedule.season_starts)
    whole = book_metrics(result, price, schedule.season, 0.001, 1000 * price.mean())
    sums = {name: float(frame[name].sum()) for name in frame.columns
            if name in ("intake", "sold", "forced", "proceeds", "transaction_costs",
                        "storage_costs", "net", "n_sales", "n_forced_sales")}
    col = result.column
    assert sums["intake"] == pytest.approx(col("intake").sum(), rel=1e-12)  # 4 x 1000
    assert sums["sold"] == pytest.approx(col("sold").sum(), rel=1e-12)
    assert sums["forced"] == pytest.approx(whole["forced_volume"], rel=1e-12)
    assert sums["proceeds"] == pytest.approx(whole["gross_proceeds"], rel=1e-12)
    assert sums["transaction_costs"] == pytest.approx(whole["transaction_costs"], rel=1e-12)
    assert sums["storage_costs"] == pytest.approx(whole["storage_costs"], rel=1e-12)
    assert sums["net"] == pytest.approx(col("cash")[-1], rel=1e-9)
    assert sums["n_sales"] == whole["n_sales"] == result.sales.shape[0]
    assert sums["n_forced_sales"] == int((result.sales[:, 3] == 1).sum()) == 3  # 3 closed seasons
    # The open last season's ending stock is the book's ending inventory.
    assert frame["ending_inventory"][-1] == pytest.approx(whole["ending_inventory"])
    np.testing.assert_allclose(frame["ending_inventory"].to_numpy()[:-1], 0.0, atol=1e-9)


def test_calmar_ratio_given_no_drawdown_is_infinite_for_gains_and_zero_otherwise():
    from trading_platform.domain.inventory.metrics import calmar_ratio

    assert calmar_ratio(0.12, -0.06) == pytest.approx(2.0)  # 0.12 / 0.06
    assert calmar_ratio(0.12, 0.0) == math.inf  # gained without ever losing: the best
    assert calmar_ratio(0.0, 0.0) == 0.0
