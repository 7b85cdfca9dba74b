"""The inventory book: hand-derived accounting, identities, parity with the slow reference."""

from __future__ import annotations

import numpy as np
import pytest

from trading_platform.domain.inventory.engine import run_book
from trading_platform.domain.inventory.reference import run_book_reference

DAILY = ("intake", "inventory", "sold", "forced", "proceeds", "transaction_cost",
         "storage_cost", "cash", "value")


def test_run_book_given_three_days_matches_hand_derived_accounting():
    # Day 0: 100 arrive, sell half at 10: proceeds 500, tx 0.01 x 500 = 5,
    #        storage 0.001 x 50 x 10 = 0.5, cash 494.5, value 494.5 + 50 x 10 = 994.5.
    # Day 1: cadence 2 forbids a sale; storage 0.001 x 50 x 12 = 0.6; cash 493.9.
    # Day 2: forced liquidation of 50 at 8: proceeds 400, tx 4, storage 0; cash 889.9.
    result = run_book(np.array([10.0, 12.0, 8.0]), np.array([100.0, 0, 0]),
                      np.array([False, False, True]), np.array([0.5, 0.5, 0.5]), cadence=2,
                      storage_rate=0.001, tx_rate=0.01)
    np.testing.assert_allclose(result.column("sold"), [50, 0, 0])
    np.testing.assert_allclose(result.column("forced"), [0, 0, 50])
    np.testing.assert_allclose(result.column("cash"), [494.5, 493.9, 889.9])
    np.testing.assert_allclose(result.column("value"), [994.5, 1093.9, 889.9])
    assert result.sales[:, 3].tolist() == [0, 1]  # strategy, then forced


def _random_case(seed: int, n: int = 400):
    rng = np.random.default_rng(seed)
    price = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    price[rng.integers(0, n, 3)] = 0.0  # zero-price days: the strategy may not sell on them
    intake = np.where(rng.random(n) < 0.2, rng.uniform(0, 50, n), 0.0)
    liquidate = rng.random(n) < 0.02
    share = np.where(rng.random(n) < 0.3, rng.uniform(0, 1, n), 0.0)
    return price, intake, liquidate, share


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_run_book_given_random_inputs_keeps_inventory_and_cash_identities(seed):
    price, intake, liquidate, share = _random_case(seed)
    result = run_book(price, intake, liquidate, share, 5, 0.00005, 0.0001)
    sold, forced = result.column("sold").sum(), result.column("forced").sum()
    assert intake.sum() == pytest.approx(sold + forced + result.column("inventory")[-1])
    cash = (result.column("proceeds").sum() - result.column("transaction_cost").sum()
            - result.column("storage_cost").sum())
    assert result.column("cash")[-1] == pytest.approx(cash)
    assert not (result.column("sold")[price <= 0] > 0).any()


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_run_book_given_random_inputs_equals_the_plain_python_reference(seed):
    price, intake, liquidate, share = _random_case(seed)
    result = run_book(price, intake, liquidate, share, 3, 0.00005, 0.0001)
    days, sales = run_book_reference(price, intake, liquidate,
                                     lambda state, market, forecast: share[market.day],
                                     3, 0.00005, 0.0001)
    for i, name in enumerate(DAILY):
        np.testing.assert_allclose(result.daily[:, i], [d[name] for d in days], rtol=1e-12,
                                   atol=1e-9, err_msg=name)
    assert [int(s[0]) for s in result.sales] == [s[0] for s in sales]


def test_run_book_given_missing_price_names_the_day_and_rule():
    dates = np.array(["2024-01-02", "2024-01-03"], dtype="datetime64[D]")
    with pytest.raises(ValueError, match=r"price on 2024-01-03 is nan; rule: price must be"):
        run_book(np.array([1.0, np.nan]), np.zeros(2), np.zeros(2, bool), np.zeros(2), 0,
                 0.0, 0.0, dates=dates)


def test_run_book_given_share_above_one_refuses():
    with pytest.raises(ValueError, match=r"share on day 0 is 1.5; rule: share must be in"):
        run_book(np.ones(1), np.zeros(1), np.zeros(1, bool), np.array([1.5]), 0, 0.0, 0.0)


def test_run_book_given_zero_price_day_strategy_waits_but_forced_sale_happens():
    # Day 0: 10 arrive at a zero close: the strategy's full sale is skipped (nothing earned).
    # Day 1: close 5, sell all 10: proceeds 50. Day 2: 4 arrive, forced at a zero close: the
    # stock leaves the book for 0 (a loss the desk sees in forced_volume and net earnings).
    result = run_book(np.array([0.0, 5.0, 0.0]), np.array([10.0, 0, 4]),
                      np.array([False, False, True]), np.ones(3), cadence=0, storage_rate=0.0,
                      tx_rate=0.0)
    np.testing.assert_allclose(result.column("sold"), [0, 10, 0])
    np.testing.assert_allclose(result.column("forced"), [0, 0, 4])
    np.testing.assert_allclose(result.column("cash"), [0, 50, 50])
    assert result.column("inventory")[-1] == 0


def test_run_book_given_split_at_any_day_continues_exactly_from_the_state():
    # Running days 0..k-1, then k..n-1 from the first run's final state, gives the same book
    # bit for bit as one run: what the live path relies on.
    rng = np.random.default_rng(3)
    n = 120
    price = 100 + np.cumsum(rng.normal(0, 1, n))
    intake = np.where(np.arange(n) % 40 < 10, 5.0, 0.0)
    liquidate = np.arange(n) % 40 == 39
    share = rng.choice([0.0, 0.25, 0.5], n)
    whole = run_book(price, intake, liquidate, share, 3, 0.0001, 0.001)
    for k in (1, 17, 60, 119):
        head = run_book(price[:k], intake[:k], liquidate[:k], share[:k], 3, 0.0001, 0.001)
        tail = run_book(price[k:], intake[k:], liquidate[k:], share[k:], 3, 0.0001, 0.001,
                        initial=head.final, initial_cash=head.final_cash)
        np.testing.assert_array_equal(np.vstack([head.daily, tail.daily]), whole.daily)
        assert tail.final == whole.final and tail.final_cash == whole.final_cash
