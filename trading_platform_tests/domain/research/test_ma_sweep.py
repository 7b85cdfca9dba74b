"""The classic moving-average sweep: a hand-derived book, the compiled sweep == its plain-Python
twin on random series of different lengths, and a series too short to trade."""

from __future__ import annotations

import math

import numpy as np
import pytest

from trading_platform.domain.research.ma_sweep import sweep_ma_cross, sweep_ma_cross_reference


def test_sweep_ma_cross_given_two_round_trips_matches_the_hand_derivation():
    # fast 1 (the close) against slow 2. Bar 0: no slow mean. Bar 1: 11 > 10.5, buy
    # 10,000 / (11 x 1.001) units: equity 10,000 / 1.001. Bar 2: 12 > 11.5, hold: 12/11 of it.
    # Bar 3: 11 < 11.5, sell at 11 x 0.999: cash 10,000 x 0.999 / 1.001. Bar 4: 10 < 10.5,
    # flat. Bar 5: 12 > 11, buy again: equity = cash / 1.001 = 10,000 x 0.999 / 1.001^2.
    closes = np.array([10.0, 11.0, 12.0, 11.0, 10.0, 12.0])
    [row] = sweep_ma_cross({"x": closes}, [1], [2], 0.001)
    final = 10_000 * 0.999 / 1.001 ** 2
    assert row["final_equity"] == pytest.approx(final, rel=1e-12)
    assert row["total_return"] == pytest.approx(final / 10_000 - 1, rel=1e-12)
    assert (row["series"], row["fast"], row["slow"], row["n_trades"]) == ("x", 1, 2, 2)
    path = np.array([10_000, 10_000, 10_000 / 1.001, 10_000 * 12 / 11 / 1.001,
                     10_000 * 0.999 / 1.001, 10_000 * 0.999 / 1.001, final])
    returns = path[1:] / path[:-1] - 1
    assert row["sharpe"] == pytest.approx(returns.mean() / returns.std(ddof=1) * math.sqrt(252))


def test_sweep_ma_cross_given_random_series_equals_the_plain_python_twin():
    rng = np.random.default_rng(5)
    prices = {f"s{i}": 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
              for i, n in enumerate((400, 257, 333))}
    fast, slow = [2, 5, 10, 30], [5, 20, 30, 60]
    compiled = sweep_ma_cross(prices, fast, slow, 0.001)
    reference = sweep_ma_cross_reference(prices, fast, slow, 0.001)
    assert len(compiled) == len(reference) == 3 * 11  # pairs with fast < slow: 4 + 3 + 3 + 1
    for one, two in zip(compiled, reference, strict=True):
        assert (one["series"], one["fast"], one["slow"], one["n_trades"]) == \
            (two["series"], two["fast"], two["slow"], two["n_trades"])
        assert one["final_equity"] == pytest.approx(two["final_equity"], rel=1e-12)
        assert one["sharpe"] == pytest.approx(two["sharpe"], rel=1e-9)
    assert sum(row["n_trades"] for row in compiled) > 100


def test_sweep_ma_cross_given_a_series_shorter_than_the_slow_mean_never_trades():
    [row] = sweep_ma_cross({"short": np.linspace(10, 20, 5)}, [2], [10], 0.001)
    assert (row["final_equity"], row["n_trades"]) == (10_000.0, 0)
    assert math.isnan(row["sharpe"])  # every return is zero
