"""The live day uses the backtest's code path: chained live days equal the backtest, and the
parity check replays them exactly (and fails when a decision is tampered with)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import polars as pl
import pytest

from trading_platform.config.universe import HarvestSpec
from trading_platform.domain.desk import live
from trading_platform.domain.desk.ledger import (
    PendingFillError,
    opening_from_backtest,
    opening_from_ledger,
    settle,
)
from trading_platform.domain.desk.live import Opening, decide_day
from trading_platform.domain.desk.parity import backtest_live_parity
from trading_platform.domain.inventory.backtest import BookSetup, run_backtest
from trading_platform.domain.inventory.backtest_checks import _state_before
from trading_platform.domain.inventory.book import BookState
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


def _live_ledger(market, key: str, decide=decide_day) -> tuple[pl.DataFrame, dict, object]:
    """Chain LIVE_DAYS live days (``decide``: the live path) from the backtest's own book the
    evening before, executing every order as decided."""
    dates, closes, paths = market
    spec = default_strategies()[key]
    full = run_backtest(dates, closes, paths, SETUP, {key: spec})
    first = dates.size - LIVE_DAYS
    book, cash = _state_before(full, key, first)
    opening = Opening(book, cash)
    column = full.results[key].column
    rows, matrices = [], {}
    for t in range(first, dates.size):
        day = dates[t].astype(object)
        following = dates[t + 1].astype(object) if t + 1 < dates.size else None
        decision = decide(dates[: t + 1], closes[: t + 1], paths[t], SETUP, spec, opening,
                          following)
        settled = settle(opening, decision.intake, decision.price, decision.quantity,
                         decision.action == "FORCED_SALE", SETUP)
        forced = float(column("forced")[t])
        rows.append({"date": day, "model": "m", "strategy_hash": spec.content_hash,
                     "opening_inventory": opening.book.inventory,
                     "opening_since": opening.book.days_since_sale,
                     "opening_pending": opening.book.pending,
                     "opening_cash": opening.cash, "decided_quantity": decision.quantity,
                     "filled_quantity": settled.filled,
                     "executed_quantity": decision.quantity, "next_day": following,
                     "closing_inventory": settled.closing.inventory,
                     "closing_since": settled.closing.days_since_sale,
                     "closing_pending": settled.closing.pending,
                     "closing_cash": settled.closing_cash, "value": settled.value,
                     "state": "executed", "commodity": "corn",
                     "backtest": forced if forced > 0 else float(column("ordered")[t]),
                     "backtest_fill": float(column("sold")[t]),
                     "backtest_value": float(column("value")[t])})
        matrices[day] = paths[t]
        opening = Opening(settled.closing, settled.closing_cash)
    return pl.DataFrame(rows), matrices, spec


@pytest.mark.parametrize("key", ["consensus", "expected_value", "risk_adjusted",
                                 "price_threshold_forecast", "equal_batch"])
def test_decide_day_given_chained_days_reproduces_the_backtest_exactly(market, key):
    ledger, _, _ = _live_ledger(market, key)
    # Live days opened from the backtest's own book: every order, fill and value equals the
    # backtest's, bit for bit, with next-session fills (SETUP's fill lag is the default, 1).
    assert SETUP.fill_lag == 1
    assert ledger["decided_quantity"].to_list() == ledger["backtest"].to_list()
    assert ledger["filled_quantity"].to_list() == ledger["backtest_fill"].to_list()
    assert ledger["value"].to_list() == ledger["backtest_value"].to_list()
    assert (ledger["decided_quantity"] > 0).any()


def test_backtest_live_parity_given_recorded_days_passes_and_fails_when_tampered(market):
    dates, closes, _ = market
    ledger, matrices, spec = _live_ledger(market, "consensus")
    assert (ledger["filled_quantity"] > 0).any()  # orders carried into the next session
    specs = {spec.content_hash: spec}
    outcome = backtest_live_parity(ledger, dates, closes, matrices, SETUP, specs, days=20)
    assert outcome.passed and outcome.metadata["days_compared"] == 20, outcome.description
    sold_day = ledger.with_row_index().filter(pl.col("decided_quantity") > 0)["index"][-1]
    tampered = ledger.with_columns(decided_quantity=pl.when(pl.int_range(pl.len()) == sold_day)
                                   .then(pl.col("decided_quantity") * 0.5)
                                   .otherwise(pl.col("decided_quantity")))
    failed = backtest_live_parity(tampered, dates, closes, matrices, SETUP, specs, days=40)
    assert not failed.passed and failed.metadata["observed"] >= 1


def test_backtest_live_parity_given_a_live_only_rule_change_fails(market, monkeypatch):
    # Planted: the live path alone sells 10 % less than its strategy's plan says (a rule
    # change made in live.py and nowhere in research). Parity replays the research backtest,
    # so the recorded days no longer match it.
    dates, closes, _ = market
    original = live.run_span

    def smaller_sales(dates, closes, plan, setup, first, opening):
        tweaked = dataclasses.replace(plan, share=plan.share * 0.9)
        return original(dates, closes, tweaked, setup, first, opening)

    monkeypatch.setattr(live, "run_span", smaller_sales)
    ledger, matrices, spec = _live_ledger(market, "consensus", live.decide_day)
    outcome = backtest_live_parity(ledger, dates, closes, matrices, SETUP,
                                   {spec.content_hash: spec}, days=40)
    assert not outcome.passed and outcome.metadata["observed"] >= 1, outcome.description
    first = outcome.metadata["mismatches"][0]
    assert first["live"] == pytest.approx(0.9 * first["backtest"])


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
    opening = Opening(BookState(10.0, 5), 0.0)
    with pytest.raises(ValueError, match="cannot settle"):
        settle(opening, 0.0, 100.0, 11.0, False, SETUP)


def test_settle_given_next_session_fills_carries_the_order_and_fills_it_next_day():
    # Day 1: 10 held + 2 arrive; an order of 6 waits: nothing sold, storage 0.00007 x 12 x 100
    # = 0.084. Day 2 at 110: the 6 fill: proceeds 660, cost 0.066, storage 0.00007 x 6 x 110.
    day1 = settle(Opening(BookState(10.0, 5), 0.0), 2.0, 100.0, 6.0, False, SETUP)
    assert day1.closing == BookState(12.0, 0, 6.0) and day1.filled == 0.0
    assert day1.closing_cash == pytest.approx(-0.084)
    day2 = settle(Opening(day1.closing, day1.closing_cash), 0.0, 110.0, 0.0, False, SETUP)
    assert day2.filled == 6.0 and day2.fill_price == 110.0
    assert day2.closing == BookState(6.0, 1, 0.0)
    assert day2.closing_cash == pytest.approx(-0.084 + 660 - 0.066 - 0.00007 * 6 * 110)


def test_settle_given_a_recorded_fill_price_uses_it_for_the_carried_order():
    opening = Opening(BookState(12.0, 0, 6.0), 0.0, pending_price=104.0)
    settled = settle(opening, 0.0, 110.0, 0.0, False, SETUP)
    assert settled.fill_price == 104.0 and settled.proceeds == pytest.approx(624.0)


def test_settle_given_same_close_fills_sells_at_once():
    same = BookSetup(HarvestSpec(intake_start="09-15", intake_end="11-30", annual_volume=20000,
                                 fill_lag_days=0), storage_rate=0.00007, tx_rate=0.0001)
    settled = settle(Opening(BookState(10.0, 5), 0.0), 2.0, 100.0, 6.0, False, same)
    # 10 + 2 - 6 = 6 left; proceeds 600; cost 0.0001 x 600 = 0.06; storage 0.00007 x 6 x 100.
    assert settled.closing == BookState(6.0, 0, 0.0)
    assert settled.closing_cash == pytest.approx(600 - 0.06 - 0.042)


def test_opening_from_backtest_takes_the_stock_but_not_the_cash_nor_a_waiting_order():
    daily = pl.DataFrame({"date": [dt.date(2024, 1, d) for d in (2, 3, 4, 5)],
                          "inventory": [10.0, 10.0, 6.0, 6.0], "cash": [0.0, 5.0, 400.0, 399.0],
                          "ordered": [0.0, 4.0, 0.0, 3.0], "sold": [0.0, 0.0, 4.0, 0.0]})
    opening = opening_from_backtest(daily, dt.date(2024, 1, 8))
    # last decision on the 5th (the day before the live day): 0 days since; cash starts at 0
    assert opening == Opening(BookState(6.0, 0, 0.0), 0.0)
    assert opening_from_backtest(daily, dt.date(2024, 1, 2)) is None
