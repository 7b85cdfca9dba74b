"""The inventory book: hand-derived accounting, identities, parity with the slow reference."""

from __future__ import annotations

import numpy as np
import pytest

from trading_platform.domain.inventory.engine import run_book
from trading_platform.domain.inventory.reference import run_book_reference

DAILY = ("intake", "inventory", "sold", "forced", "proceeds", "transaction_cost",
         "storage_cost", "cash", "value", "ordered")


def test_run_book_given_same_close_fills_matches_hand_derived_accounting():
    # Day 0: 100 arrive, sell half at 10: proceeds 500, tx 0.01 x 500 = 5,
    #        storage 0.001 x 50 x 10 = 0.5, cash 494.5, value 494.5 + 50 x 10 = 994.5.
    # Day 1: cadence 2 forbids a sale; storage 0.001 x 50 x 12 = 0.6; cash 493.9.
    # Day 2: forced liquidation of 50 at 8: proceeds 400, tx 4, storage 0; cash 889.9.
    result = run_book(np.array([10.0, 12.0, 8.0]), np.array([100.0, 0, 0]),
                      np.array([False, False, True]), np.array([0.5, 0.5, 0.5]), cadence=2,
                      storage_rate=0.001, tx_rate=0.01, lag=0)
    np.testing.assert_allclose(result.column("sold"), [50, 0, 0])
    np.testing.assert_allclose(result.column("forced"), [0, 0, 50])
    np.testing.assert_allclose(result.column("cash"), [494.5, 493.9, 889.9])
    np.testing.assert_allclose(result.column("value"), [994.5, 1093.9, 889.9])
    assert result.sales[:, 3].tolist() == [0, 1]  # strategy, then forced
    assert result.sales[:, 4].tolist() == [0, 2]  # each decided at its own close


def test_run_book_given_next_session_fills_matches_hand_derived_accounting():
    # Day 0: 100 arrive; at the close the strategy orders half (50); nothing is sold yet:
    #        storage 0.001 x 100 x 10 = 1, cash -1, value -1 + 100 x 10 = 999.
    # Day 1: the order fills at 12: proceeds 600, tx 6, storage 0.001 x 50 x 12 = 0.6,
    #        cash -1 + 600 - 6 - 0.6 = 592.4; cadence 2 forbids a new order (1 day since).
    # Day 2: an order at 8 (2 days since): 25 wait; storage 0.001 x 50 x 8 = 0.4, cash 592.0.
    # Day 3: forced liquidation at 9: all 50 go (the waiting 25 lapse into it): proceeds 450,
    #        tx 4.5, cash 592.0 + 445.5 = 1037.5.
    result = run_book(np.array([10.0, 12.0, 8.0, 9.0]), np.array([100.0, 0, 0, 0]),
                      np.array([False, False, False, True]), np.full(4, 0.5), cadence=2,
                      storage_rate=0.001, tx_rate=0.01, lag=1)
    np.testing.assert_allclose(result.column("ordered"), [50, 0, 25, 0])
    np.testing.assert_allclose(result.column("sold"), [0, 50, 0, 0])
    np.testing.assert_allclose(result.column("forced"), [0, 0, 0, 50])
    np.testing.assert_allclose(result.column("cash"), [-1, 592.4, 592.0, 1037.5])
    np.testing.assert_allclose(result.column("value"), [999, 1192.4, 992.0, 1037.5])
    assert result.sales.tolist() == [[1, 50, 12, 0, 0], [3, 50, 9, 1, 3]]
    assert result.final.pending == 0.0


def test_run_book_given_order_waiting_at_the_end_carries_it_in_the_final_state():
    result = run_book(np.array([10.0, 11.0]), np.array([10.0, 0]), np.zeros(2, bool),
                      np.array([0.0, 0.4]), cadence=0, storage_rate=0.0, tx_rate=0.0)
    assert result.final.pending == pytest.approx(4.0)  # 0.4 x 10, fills at the next session
    assert result.sales.shape[0] == 0 and result.column("inventory")[-1] == 10.0


def test_run_book_given_fill_lag_outside_zero_and_one_refuses():
    with pytest.raises(ValueError, match="fill lag must be 0"):
        run_book(np.ones(1), np.zeros(1), np.zeros(1, bool), np.zeros(1), 0, 0.0, 0.0, lag=2)


def _random_case(seed: int, n: int = 400):
    rng = np.random.default_rng(seed)
    price = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    price[rng.integers(0, n, 3)] = 0.0  # zero-price days: the strategy may not sell on them
    intake = np.where(rng.random(n) < 0.2, rng.uniform(0, 50, n), 0.0)
    liquidate = rng.random(n) < 0.02
    share = np.where(rng.random(n) < 0.3, rng.uniform(0, 1, n), 0.0)
    return price, intake, liquidate, share


@pytest.mark.parametrize("lag", [0, 1])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_run_book_given_random_inputs_keeps_inventory_and_cash_identities(seed, lag):
    price, intake, liquidate, share = _random_case(seed)
    result = run_book(price, intake, liquidate, share, 5, 0.00005, 0.0001, lag=lag)
    sold, forced = result.column("sold").sum(), result.column("forced").sum()
    assert intake.sum() == pytest.approx(sold + forced + result.column("inventory")[-1])
    cash = (result.column("proceeds").sum() - result.column("transaction_cost").sum()
            - result.column("storage_cost").sum())
    assert result.column("cash")[-1] == pytest.approx(cash)
    assert not (result.column("sold")[price <= 0] > 0).any()
    # every strategy sale was decided at the close `lag` days before its fill
    strategy = result.sales[result.sales[:, 3] == 0]
    np.testing.assert_array_equal(strategy[:, 4], strategy[:, 0] - lag)


@pytest.mark.parametrize("lag", [0, 1])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_run_book_given_random_inputs_equals_the_plain_python_reference(seed, lag):
    price, intake, liquidate, share = _random_case(seed)
    result = run_book(price, intake, liquidate, share, 3, 0.00005, 0.0001, lag=lag)
    days, sales = run_book_reference(price, intake, liquidate,
                                     lambda state, market, forecast: share[market.day],
                                     3, 0.00005, 0.0001, lag=lag)
    for i, name in enumerate(DAILY):
        np.testing.assert_allclose(result.daily[:, i], [d[name] for d in days], rtol=1e-12,
                                   atol=1e-9, err_msg=name)
    assert [(int(s[0]), int(s[4])) for s in result.sales] == [(s[0], s[4]) for s in sales]


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
                      tx_rate=0.0, lag=0)
    np.testing.assert_allclose(result.column("sold"), [0, 10, 0])
    np.testing.assert_allclose(result.column("forced"), [0, 0, 4])
    np.testing.assert_allclose(result.column("cash"), [0, 50, 50])
    assert result.column("inventory")[-1] == 0


def test_run_book_given_next_session_order_at_a_zero_close_lapses():
    # Day 0: order all 10 at 5. Day 1: the close is 0: the order lapses unfilled, and the
    # strategy may not order at a zero close. Day 2: a new order at 6. Day 3: it fills at 7.
    result = run_book(np.array([5.0, 0.0, 6.0, 7.0]), np.array([10.0, 0, 0, 0]),
                      np.zeros(4, bool), np.ones(4), cadence=0, storage_rate=0.0, tx_rate=0.0)
    np.testing.assert_allclose(result.column("sold"), [0, 0, 0, 10])
    np.testing.assert_allclose(result.column("ordered"), [10, 0, 10, 0])
    assert result.column("cash")[-1] == 70.0


@pytest.mark.parametrize("lag", [0, 1])
def test_run_book_given_split_at_any_day_continues_exactly_from_the_state(lag):
    # Running days 0..k-1, then k..n-1 from the first run's final state, gives the same book
    # bit for bit as one run: what the live path relies on.
    rng = np.random.default_rng(3)
    n = 120
    price = 100 + np.cumsum(rng.normal(0, 1, n))
    intake = np.where(np.arange(n) % 40 < 10, 5.0, 0.0)
    liquidate = np.arange(n) % 40 == 39
    share = rng.choice([0.0, 0.25, 0.5], n)
    whole = run_book(price, intake, liquidate, share, 3, 0.0001, 0.001, lag=lag)
    for k in (1, 17, 60, 119):
        head = run_book(price[:k], intake[:k], liquidate[:k], share[:k], 3, 0.0001, 0.001,
                        lag=lag)
        tail = run_book(price[k:], intake[k:], liquidate[k:], share[k:], 3, 0.0001, 0.001,
                        initial=head.final, initial_cash=head.final_cash, lag=lag)
        np.testing.assert_array_equal(np.vstack([head.daily, tail.daily]), whole.daily)
        assert tail.final == whole.final and tail.final_cash == whole.final_cash
