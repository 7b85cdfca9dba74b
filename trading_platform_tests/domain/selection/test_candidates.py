"""Candidate table: synthetic models excluded, regime consistency from the daily P&L, the
selection window and holdout on shared dates, and the Deflated Sharpe Ratio."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from trading_platform.config.selection import SelectionConfig
from trading_platform.domain.selection.candidates import build_candidates

START = np.datetime64("2020-01-01")
NO_HOLDOUT = SelectionConfig(holdout_fraction=0.0)


def _market() -> tuple[np.ndarray, np.ndarray]:
    # The regimes test's market: 400 business days rising in shrinking swings, then 100 falling
    # with +4 %/-6 % swings. regime_labels gives: days 0-268 unknown (warm-up), 269-399
    # calm_up, 400-404 a mix, 405-499 volatile_down.
    swing = np.linspace(0.01, 0.001, 400) * np.where(np.arange(400) % 2 == 0, 1.0, -1.0)
    rise = 100 * np.exp(0.001 * np.arange(400) + swing)
    swings = np.where(np.arange(100) % 2 == 0, 0.04, -0.06)
    closes = np.concatenate([rise, rise[-1] * np.exp(np.cumsum(swings))])
    return np.busday_offset(START, np.arange(500), roll="forward"), closes


def _book(model: str, strategy: str, dates: list[dt.date], pnl: np.ndarray) -> pl.DataFrame:
    # intake 10 at price 5 every 20th day; value = cumsum(pnl + intake x price), so
    # daily_pnl(value, intake, price) gives pnl back (and would not if intake were ignored).
    intake = np.where(np.arange(len(dates)) % 20 == 0, 10.0, 0.0)
    price = np.full(len(dates), 5.0)
    return pl.DataFrame({"commodity": "coffee", "model": model, "strategy": strategy,
                         "date": dates, "price": price, "intake": intake,
                         "value": np.cumsum(pnl + intake * price), "inventory": 0.0,
                         "sold": 0.0, "forced": 0.0})


def _metrics(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    # the backtest's whole-span metrics: build_candidates keeps only the labels (family, name,
    # spec hash) and measures the windows itself, so the Sharpe given here must not matter.
    return pl.DataFrame({
        "commodity": "coffee", "model": [r[0] for r in rows], "strategy": [r[1] for r in rows],
        "family": "forecast", "name": "Consensus", "spec_hash": "abc", "net_earnings": 100.0,
        "sharpe": [r[2] for r in rows], "max_drawdown": -0.1, "calmar": 1.0, "turnover": 0.1,
        "annual_return": 0.1})


def _mixed_book(market_dates: np.ndarray) -> dict[dt.date, float]:
    # Daily P&L by date: -1000 on market days 264-268 (warm-up, unknown) and on the Saturday
    # after day 300 (not a market day, unknown); +1 on days 269-399 (calm_up); -2 on days
    # 405-499 (volatile_down). Days 400-404 are left out.
    after = market_dates[300] + np.arange(1, 8)
    saturday = after[~np.is_busday(after)][0]
    segments = [(market_dates[264:269], -1000.0), (np.array([saturday]), -1000.0),
                (market_dates[269:400], 1.0), (market_dates[405:500], -2.0)]
    return {day: pnl for days, pnl in segments for day in days.astype(dt.date).tolist()}


def test_build_candidates_given_loss_in_one_regime_scores_half_consistency_and_drops_synthetic():
    market_dates, closes = _market()
    book = _mixed_book(market_dates)
    dates = sorted(book)
    mixed = np.array([book[d] for d in dates])
    # xgboost x consensus: calm_up mean +1 >= 0, volatile_down mean -2 < 0, the unknown days
    # ignored: consistency 1/2. xgboost x equal_batch: +1 every day: 2/2 = 1.
    daily = pl.concat([
        _book("xgboost", "consensus", dates, mixed),
        _book("xgboost", "equal_batch", dates, np.ones(len(dates))),
        _book("perfect_foresight", "consensus", dates, np.ones(len(dates))),
    ]).reverse()  # rows out of date order: build_candidates sorts them
    metrics = _metrics([("xgboost", "consensus", 1.5), ("xgboost", "equal_batch", 2.0),
                        ("perfect_foresight", "consensus", 9.0)])
    result = build_candidates(metrics, daily, market_dates, closes, {"perfect_foresight"},
                              NO_HOLDOUT, annual_volume=10.0)
    assert result.excluded_models == ["perfect_foresight"]
    table = result.table
    assert table.columns[:12] == ["model", "strategy", "family", "name", "spec_hash",
                                  "sharpe", "max_drawdown", "annual_return", "calmar",
                                  "turnover", "value_added", "regime_consistency"]
    # equal_batch earns +1 every day (Sharpe 0 for a constant series, but no drawdown and
    # consistency 1): it ranks first.
    assert table["strategy"].to_list() == ["equal_batch", "consensus"]
    assert table["regime_consistency"].to_list() == pytest.approx([1.0, 0.5])
    regimes = result.regimes.filter(pl.col("strategy") == "consensus").sort("regime")
    # calm_up: 131 days (269-399) x +1; volatile_down: 95 days (405-499) x -2 = -190.
    assert regimes.select("regime", "days", "total_pnl").rows() == [
        ("calm_up", 131, 131.0), ("volatile_down", 95, -190.0)]


def test_build_candidates_given_only_synthetic_models_raises_naming_them():
    market_dates, closes = _market()
    metrics = _metrics([("perfect_foresight", "consensus", 9.0)])
    daily = _book("perfect_foresight", "consensus", [dt.date(2021, 1, 4)], np.ones(1))
    with pytest.raises(ValueError, match=r"no candidate of a real model.*perfect_foresight"):
        build_candidates(metrics, daily, market_dates, closes, ["perfect_foresight"],
                         SelectionConfig(), 10.0)


def test_build_candidates_given_candidate_without_daily_rows_raises_naming_it():
    market_dates, closes = _market()
    metrics = _metrics([("xgboost", "consensus", 1.0), ("xgboost", "price_threshold", 1.0)])
    daily = _book("xgboost", "consensus", [dt.date(2021, 1, 4)], np.ones(1))
    with pytest.raises(ValueError, match=r"no rows for candidate.*xgboost x price_threshold"):
        build_candidates(metrics, daily, market_dates, closes, [], SelectionConfig(), 10.0)


def _two_candidates(pnl_a: np.ndarray, pnl_b: np.ndarray, days: int = 100) -> tuple:
    market_dates, closes = _market()
    dates = market_dates[:days].astype(dt.date).tolist()
    daily = pl.concat([_book("xgboost", "consensus", dates, pnl_a[:days]),
                       _book("lightgbm", "consensus", dates, pnl_b[:days])])
    metrics = _metrics([("xgboost", "consensus", 0.0), ("lightgbm", "consensus", 0.0)])
    return metrics, daily, market_dates, closes


def test_build_candidates_given_holdout_measures_selection_and_holdout_apart():
    # 100 shared days, holdout 20 %: days 0-79 select, 80-99 are the holdout. xgboost adds 1 a
    # day while selecting and loses 3 a day on the holdout; notional = 10 (annual volume) x
    # mean |price| 5 of the selection window = 50.
    pnl = np.where(np.arange(100) < 80, 1.0, -3.0)
    metrics, daily, market_dates, closes = _two_candidates(pnl, np.ones(100))
    result = build_candidates(metrics, daily, market_dates, closes, [], SelectionConfig(),
                              annual_volume=10.0)
    assert result.windows.cut == 80 and result.unequal_windows == []
    row = result.table.filter(pl.col("model") == "xgboost").row(0, named=True)
    assert row["value_added"] == pytest.approx(80.0)  # 80 days x 1
    assert row["holdout_value_added"] == pytest.approx(-60.0)  # 20 days x -3
    assert row["annual_return"] == pytest.approx(1 / 50 * 252)  # mean return 1 / 50 a day
    assert row["holdout_annual_return"] == pytest.approx(-3 / 50 * 252)
    # the holdout's equity starts at 1 and ends at 1 - 20 x 3 / 50 = -0.2: drawdown -1.2.
    assert row["holdout_max_drawdown"] == pytest.approx(-1.2)
    assert row["n_candidates"] == 2


def test_build_candidates_given_later_holdout_prices_leaves_selection_metrics_unchanged():
    # Planted: the holdout's prices change (a later price level). Nothing measured on the
    # selection window may move: the notional uses the selection window's prices only.
    rng = np.random.default_rng(8)
    a, b = rng.normal(1, 2, 100), rng.normal(0.5, 2, 100)
    metrics, daily, market_dates, closes = _two_candidates(a, b)
    shifted = daily.with_columns(price=pl.when(pl.col("date") >= daily["date"].sort()[80 * 2])
                                 .then(pl.col("price") * 3).otherwise(pl.col("price")))
    first = build_candidates(metrics, daily, market_dates, closes, [], SelectionConfig(), 10.0)
    second = build_candidates(metrics, shifted, market_dates, closes, [], SelectionConfig(), 10.0)
    columns = ["model", "sharpe", "max_drawdown", "calmar", "annual_return", "dsr"]
    assert first.table.select(columns).sort("model").equals(
        second.table.select(columns).sort("model"))


def test_build_candidates_given_unequal_windows_compares_shared_dates_and_names_the_odd_one():
    market_dates, closes = _market()
    dates = market_dates[:100].astype(dt.date).tolist()
    daily = pl.concat([_book("xgboost", "consensus", dates, np.ones(100)),
                       _book("lightgbm", "consensus", dates[10:], np.ones(90))])
    metrics = _metrics([("xgboost", "consensus", 0.0), ("lightgbm", "consensus", 0.0)])
    result = build_candidates(metrics, daily, market_dates, closes, [], SelectionConfig(), 10.0)
    assert result.windows.dates.size == 90
    assert [(r["model"], r["days"]) for r in result.unequal_windows] == [("xgboost", 100)]


def test_build_candidates_dsr_falls_as_more_candidates_are_compared():
    # The same xgboost book, compared with 1 and with 5 other candidates of similar Sharpe
    # spread: more candidates raise the bar, so its DSR falls.
    rng = np.random.default_rng(4)
    market_dates, closes = _market()
    dates = market_dates[:300].astype(dt.date).tolist()
    books = {f"m{i}": rng.normal(0.3 * (i % 3), 2, 300) for i in range(6)}

    def dsr_of_first(n: int) -> float:
        keys = list(books)[:n]
        daily = pl.concat([_book(k, "consensus", dates, books[k]) for k in keys])
        metrics = _metrics([(k, "consensus", 0.0) for k in keys])
        table = build_candidates(metrics, daily, market_dates, closes, [], SelectionConfig(),
                                 10.0).table
        return table.filter(pl.col("model") == "m1")["dsr"][0]

    assert dsr_of_first(6) < dsr_of_first(2)
