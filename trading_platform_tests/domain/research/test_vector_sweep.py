"""The vectorised sweep: a hand-derived book with and without its stop, and every combination
equal to the plain-Python twin on a random book with holidays."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from trading_platform.domain.research.vector_sweep import (
    combo_returns,
    sweep_reference,
    vector_sweep,
)
from trading_platform.domain.research.vector_sweep_kernels import one_combo, shared_kernel


def _hand(prices):
    prices = np.array([prices])
    atr = np.ones_like(prices)
    move, _ = shared_kernel(prices, atr, np.array([10.0]), 1000.0)
    size = np.full_like(prices, 2.0)  # 2 contracts per unit of volatility target
    return prices, atr, move, size, np.ones((1, prices.shape[1]), dtype=np.int8)


def test_one_combo_given_a_long_without_its_stop_matches_the_hand_derivation():
    # Long from bar 0's decision: 0.5 x 2 = 1 contract, filled at bar 1 (cost 1): 999. Bar 2
    # marks 1 x (101 - 102) x 10 = -10: 989. Bar 3 marks +30: 1019. Drawdown 989 / 1000 - 1.
    prices, atr, move, size, up = _hand([100.0, 102.0, 101.0, 104.0])
    daily = np.zeros(4)
    equity, sharpe, worst, traded, train, test = one_combo(
        prices, atr, move, size, up, np.array([1.0]), 10.0, 0.5, 1000.0, 2, daily)
    assert (equity, traded) == (1019.0, 1.0) and worst == pytest.approx(-0.011)
    returns = np.array([0.0, -1 / 1000, -10 / 999, 30 / 989])
    np.testing.assert_allclose(daily, returns)
    assert sharpe == pytest.approx(returns.mean() / returns.std(ddof=1) * math.sqrt(252))
    # the split at bar 2: train returns 0 and -0.001, test -10/999 and 30/989
    assert train == pytest.approx(returns[:2].mean() / returns[:2].std(ddof=1) * math.sqrt(252))
    assert test == pytest.approx(returns[2:].mean() / returns[2:].std(ddof=1) * math.sqrt(252))


def test_one_combo_given_a_close_through_the_stop_sells_at_the_next_close():
    # Stop 1.5 ATRs under 100: 98.5. Bar 2 closes 98 <= 98.5: flat from bar 3's close, which
    # still marks the contract (+60) and pays 1 to sell: 999 - 40 + 59 = 1018, 2 contracts.
    prices, atr, move, size, up = _hand([100.0, 102.0, 98.0, 104.0])
    equity, _, _, traded, _, _ = one_combo(prices, atr, move, size, up, np.array([1.0]), 1.5,
                                           0.5, 1000.0, 4, np.empty(0))
    assert (equity, traded) == (1018.0, 2.0)


def test_vector_sweep_given_a_random_book_with_holidays_equals_the_twin():
    rng = np.random.default_rng(4)

    def frame(n, skip):
        days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(n) if i % skip]
        return pl.DataFrame({"date": days,
                             "adjusted_close": 100 + np.cumsum(rng.normal(0, 1, len(days)))})

    book = {"a": frame(500, 7), "b": frame(470, 11)}
    point_value, cost = np.array([10.0, 50.0]), np.array([5.0, 12.0])
    out = vector_sweep(book, point_value, cost, [5, 10, 40], [30, 60], [1.0, 3.0], [0.1, 0.5],
                       1e6)
    assert out.height == 5 * 2 * 2  # pairs with fast < slow: (5,30) (5,60) (10,30) (10,60) (40,60)
    assert (out["contracts_traded"] > 0).all()
    for row in out.iter_rows(named=True):
        twin = sweep_reference(book, point_value, cost, row["fast"], row["slow"],
                               row["stop_mult"], row["vol_target"], 1e6)
        for key, value in twin.items():
            assert row[key] == pytest.approx(value, rel=1e-9, abs=1e-9), (key, row)
    row = out.row(7, named=True)
    daily = combo_returns(book, point_value, cost, row["fast"], row["slow"], row["stop_mult"],
                          row["vol_target"], 1e6)
    assert daily.std(ddof=1) > 0 and daily.mean() / daily.std(ddof=1) * math.sqrt(252) == \
        pytest.approx(row["sharpe"], rel=1e-9)
