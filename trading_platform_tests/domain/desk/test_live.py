"""The live day uses the backtest's code path: chained live days equal the backtest, and the
parity check replays them exactly (and fails when a decision is tampered with)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from trading_platform.config.universe import HarvestSpec
from trading_platform.domain.desk.ledger import (
    PendingFillError,
    opening_from_backtest,
    opening_from_ledger,
    settle,
)
from trading_platform.domain.desk.live import Opening, decide_day
from trading_platform.domain.desk.parity import backtest_live_parity
from trading_platform.domain.inventory.backtest import BookSetup, run_backtest
from trading_platform.domain.inventory.engine_kernels import DAILY_COLUMNS
from trading_platform.domain.inventory.strategies import default_strategies

SETUP = BookSetup(HarvestSpec(intake_start="09-15", intake_end="11-30", annual_volume=20000),
                  storage_rate=0.00007, tx_rate=0.0001)
LIVE_DAYS = 120  # from mid-August: the intake window, sales and a season end


@pytest.fixture(scope="module")
def market():
    days = np.arange(np.datetime64("2021-01-04"), np.datetime64("2023-01-31"))
    dates = days[np.is_busday(days)]
    rng = np.random.default_rng(11)
    closes = 400 * np.exp(np.cumsum(rng.normal(0, 0.015, dates.size)))
    drift = rng.normal(0, 0.03, (dates.size, 1, 1)) * np.arange(1, 15)[None, None, :] / 14
    paths = (closes[:, None, None] * np.exp(drift + rng.normal(0, 0.04, (dates.size, 50, 14)))
             ).astype(np.float32)
    return dates, closes, paths


def _live_ledger(market, key: str) -> tuple[pl.DataFrame, dict, object]:
    dates, closes, paths = market
    spec = default_strategies()[key]
    full = run_backtest(dates, closes, paths, SETUP, {key: spec})
    first = dates.size - LIVE_DAYS
    daily = pl.DataFrame({"date": dates[:first],
                          **{c: full.results[key].daily[:first, i]
                             for i, c in enumerate(DAILY_COLUMNS)}})
    sales = full.results[key].sales
    sales_frame = pl.DataFrame({"date": dates[sales[:, 0].astype(int)],
                                "reason": np.where(sales[:, 3] == 1, "forced", "strategy")})
    opening = opening_from_backtest(daily, sales_frame, dates[first].astype(object))
    rows, matrices = [], {}
    for t in range(first, dates.size):
        day = dates[t].astype(object)
        following = dates[t + 1].astype(object) if t + 1 < dates.size else None
        decision = decide_day(dates[: t + 1], closes[: t + 1], paths[t], SETUP, spec, opening,
                              following)
        settled = settle(opening, decision.intake, decision.price, decision.quantity,
                         decision.action == "SELL", SETUP)
        rows.append({"date": day, "model": "m", "strategy_hash": spec.content_hash,
                     "opening_inventory": opening.book.inventory,
                     "opening_since": opening.book.days_since_sale,
                     "opening_cash": opening.cash, "decided_quantity": decision.quantity,
                     "executed_quantity": decision.quantity, "next_day": following,
                     "closing_inventory": settled.closing.inventory,
                     "closing_since": settled.closing.days_since_sale,
                     "closing_cash": settled.closing_cash, "state": "executed",
                     "commodity": "corn", "backtest": float(
                         full.results[key].daily[t, 2] + full.results[key].daily[t, 3])})
        matrices[day] = paths[t]
        opening = Opening(settled.closing, settled.closing_cash)
    return pl.DataFrame(rows), matrices, spec


@pytest.mark.parametrize("key", ["consensus", "expected_value", "risk_adjusted",
                                 "price_threshold_forecast", "equal_batch"])
def test_decide_day_given_chained_days_reproduces_the_backtest_exactly(market, key):
    ledger, _, _ = _live_ledger(market, key)
    # Live days opened from the backtest's own book: every decision equals the backtest's.
    assert ledger["decided_quantity"].to_list() == ledger["backtest"].to_list()
    assert (ledger["decided_quantity"] > 0).any()


def test_backtest_live_parity_given_recorded_days_passes_and_fails_when_tampered(market):
    dates, closes, _ = market
    ledger, matrices, spec = _live_ledger(market, "consensus")
    specs = {spec.content_hash: spec}
    outcome = backtest_live_parity(ledger, dates, closes, matrices, SETUP, specs, days=20)
    assert outcome.passed and outcome.metadata["days_compared"] == 20, outcome.description
    sold_day = ledger.with_row_index().filter(pl.col("decided_quantity") > 0)["index"][-1]
    tampered = ledger.with_columns(decided_quantity=pl.when(pl.int_range(pl.len()) == sold_day)
                                   .then(pl.col("decided_quantity") * 0.5)
                                   .otherwise(pl.col("decided_quantity")))
    failed = backtest_live_parity(tampered, dates, closes, matrices, SETUP, specs, days=40)
    assert not failed.passed and failed.metadata["observed"] >= 1


def test_backtest_live_parity_given_a_strategy_change_replays_each_segment_with_its_spec(market):
    # The ledger's last 20 days traded consensus; the 10 before them equal_batch (a champion
    # change). Each segment replays with its own spec: both pass.
    dates, closes, _ = market
    early, early_matrices, early_spec = _live_ledger(market, "equal_batch")
    late, late_matrices, late_spec = _live_ledger(market, "consensus")
    cut = late["date"][-20]
    mixed = pl.concat([early.filter(pl.col("date") < cut).tail(10),
                       late.filter(pl.col("date") >= cut)])
    specs = {early_spec.content_hash: early_spec, late_spec.content_hash: late_spec}
    matrices = {**early_matrices, **late_matrices}
    outcome = backtest_live_parity(mixed, dates, closes, matrices, SETUP, specs, days=30)
    assert outcome.passed and outcome.metadata["spans"] == 2, outcome.description
    # Without the earlier spec (changed since it traded) the check fails and says so, rather
    # than raising.
    unknown = backtest_live_parity(mixed, dates, closes, matrices, SETUP,
                                   {late_spec.content_hash: late_spec}, days=30)
    assert not unknown.passed
    assert unknown.metadata["mismatches"][0]["backtest"] == (
        f"no strategy spec {early_spec.content_hash}")


def test_opening_from_ledger_given_pending_manual_day_refuses_naming_the_command():
    rows = pl.DataFrame({"commodity": ["corn"], "date": [dt.date(2024, 1, 2)],
                         "state": ["pending"], "closing_inventory": [1.0],
                         "closing_since": [3], "closing_cash": [0.0]})
    with pytest.raises(PendingFillError, match="cli fill --commodity corn --date 2024-01-02"):
        opening_from_ledger(rows, dt.date(2024, 1, 3))


def test_settle_given_more_than_stock_refuses():
    opening = Opening(default_book := __import__(
        "trading_platform.domain.inventory.reference", fromlist=["BookState"]).BookState(10.0, 5),
        0.0)
    assert default_book.inventory == 10.0
    with pytest.raises(ValueError, match="cannot settle"):
        settle(opening, 0.0, 100.0, 11.0, True, SETUP)
    settled = settle(opening, 2.0, 100.0, 6.0, True, SETUP)
    # 10 + 2 - 6 = 6 left; proceeds 600; cost 0.0001 x 600 = 0.06; storage 0.00007 x 6 x 100.
    assert settled.closing.inventory == 6.0 and settled.closing.days_since_sale == 0
    assert settled.closing_cash == pytest.approx(600 - 0.06 - 0.042)
