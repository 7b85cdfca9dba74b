"""Searches of an inventory strategy: a trial's book is the inventory engine's own daily returns,
the ordinary backtester gives the same path, parameters are validated by the strategy's class,
and the desk trades a kind's configured version until one is promoted under the kind's name."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from trading_platform.config.user_strategies import PromotedStrategy
from trading_platform.domain.inventory.backtest import BookSetup, backtest_frames, run_backtest
from trading_platform.domain.inventory.strategies import default_strategies
from trading_platform.domain.inventory.strategies_baseline import PriceThreshold
from trading_platform.domain.market.synthetic import generate_universe_market
from trading_platform.domain.research.folds import ratio_split
from trading_platform.domain.research.inventory_book import (
    InventoryInputs,
    InventoryStrategyBook,
    traded_strategies,
    version_spec,
    with_params,
)
from trading_platform.domain.research.search import run_points
from trading_platform.domain.research.trials import daily_returns, window_metrics


@pytest.fixture(scope="module")
def inputs(universe):
    market = generate_universe_market(universe, dt.date(2016, 1, 4), dt.date(2022, 12, 30),
                                      ["coffee", "corn"])
    out = {}
    for name in ("coffee", "corn"):
        rows = market.filter(market["commodity"] == name).sort("date")
        out[name] = InventoryInputs(rows["date"].to_numpy().astype("datetime64[D]"),
                                    rows["close"].to_numpy(), None,
                                    BookSetup.for_commodity(universe.commodities[name]))
    return out


def _book(inputs, names):
    return InventoryStrategyBook("price_threshold", PriceThreshold(),
                                 {n: inputs[n] for n in names})


def test_inventory_book_given_one_commodity_returns_the_engines_daily_returns(inputs):
    book = _book(inputs, ["coffee"])
    equity = book.equity({"threshold_pct": 0.08})
    spec = PriceThreshold(threshold_pct=0.08)
    data = inputs["coffee"]
    backtest = run_backtest(data.dates, data.price, None, data.setup, {"pt": spec})
    # the inventory book's own Sharpe of the whole window is the trial's (same returns)
    expected = backtest_frames(backtest).metrics.row(0, named=True)["sharpe"]
    whole = window_metrics(equity, book.capital, 0, len(book.dates))
    assert whole["sharpe"] == pytest.approx(expected, rel=1e-9)
    np.testing.assert_allclose(daily_returns(equity, book.capital),
                               book.commodity_returns("coffee", {"threshold_pct": 0.08}),
                               atol=1e-15)


def test_inventory_book_given_the_backtester_gives_the_same_path_bit_for_bit(inputs):
    book = _book(inputs, ["coffee", "corn"])
    params = {"threshold_pct": 0.03, "batch_size": 0.5}
    np.testing.assert_array_equal(book.equity_backtest(params), book.equity(params))
    *_, (last, final) = book.stages(params)
    assert final
    np.testing.assert_array_equal(last, book.equity(params))
    assert all(o.passed for o in book.confirm_with_reference(params))


def test_run_points_given_a_value_outside_a_field_fails_that_trial_naming_the_field(inputs):
    book = _book(inputs, ["coffee"])
    trials = run_points([{"threshold_pct": 0.05}, {"threshold_pct": 2.0}, {"window": 3}],
                        book.equity, book.capital, ratio_split(len(book.dates)), "sharpe")
    assert [t.status for t in trials] == ["done", "failed", "failed"]
    assert "threshold_pct" in trials[1].error and "less than or equal to 1" in trials[1].error
    assert "has no parameter ['window']" in trials[2].error


def _promoted(name, version, code, params):
    return PromotedStrategy.model_validate({
        "name": name, "version": version, "code": code, "params": params, "parent": "p v1",
        "parent_hash": "x", "experiment": "e", "commodities": ["coffee"], "data_range": {},
        "data_version": "d", "code_version": "c", "metrics": {}, "gate": [],
        "gate_passed": True, "promoted_on": "2026-12-01", "content_hash": "h"})


def test_traded_strategies_given_promotions_trade_the_highest_version_under_the_kinds_name():
    defaults = default_strategies()
    promoted = [_promoted("price_threshold", 3, "inventory:price_threshold",
                          {"threshold_pct": 0.09}),
                _promoted("price_threshold", 2, "inventory:price_threshold",
                          {"threshold_pct": 0.07}),
                _promoted("pt_tuned", 4, "inventory:price_threshold", {"threshold_pct": 0.2}),
                _promoted("fusion", 2, "fusion", {"threshold": 0.8})]
    traded = traded_strategies(defaults, promoted)
    assert traded["price_threshold"] == PriceThreshold(threshold_pct=0.09, version=3)
    assert traded["price_threshold"].content_hash != defaults["price_threshold"].content_hash
    assert {k: v for k, v in traded.items() if k != "price_threshold"} == {
        k: v for k, v in defaults.items() if k != "price_threshold"}
    assert traded_strategies(defaults, []) == defaults


def test_version_spec_given_a_user_strategy_version_refuses_it():
    with pytest.raises(ValueError, match="is not an inventory strategy version"):
        version_spec(_promoted("fusion", 2, "fusion", {}), default_strategies())
    assert with_params(PriceThreshold(), {}, 2).version == 2
