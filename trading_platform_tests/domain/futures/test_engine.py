"""The futures position engine: hand-derived days (fills at the close and at the open, a roll,
a stop and no re-entry, margin scaling, a day without a bar) and the kernel against its plain
twin on random books."""

from __future__ import annotations

import numpy as np
import pytest

from trading_platform.domain.futures.engine import (
    EngineConfig,
    EngineInputs,
    run_positions,
    run_positions_reference,
)

NAN = np.nan
CLOSE_FILLS = EngineConfig(capital=100_000, vol_target=0.1, stop_atr=0.0, max_margin=0.5,
                           use_open=False)


def _inputs(close, target=None, open_=None, roll=None, next_close=None, atr=None, risk=10_000.0,
            margin=1_000.0):
    close = np.asarray(close, dtype=float).reshape(len(close), -1)
    n, m = close.shape

    def full(value, default):
        return np.full((n, m), default) if value is None else \
            np.asarray(value, dtype=float).reshape(n, m)

    return EngineInputs(close=close, open_=full(open_, NAN), roll=full(roll, 0.0),
                        next_close=full(next_close, NAN), target=full(target, 1.0),
                        risk=np.full((n, m), risk), atr=full(atr, 2.0),
                        point_value=np.full(m, 10.0), commission=np.full(m, 2.0),
                        slippage=np.full(m, 3.0), margin=np.full(m, margin))


def _both(inputs, config):
    fast, slow = run_positions(inputs, config), run_positions_reference(inputs, config)
    for name in ("equity", "positions", "pnl", "costs", "pending", "trades"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(slow, name), err_msg=name)
    return fast


def test_engine_given_one_contract_fills_at_the_next_close_and_marks_to_market():
    # t0 decides 1 x 100,000 x 0.1 / 10,000 = 1 contract; t1 fills at 101 for 2 + 3 of costs;
    # then (103 - 101) x 10 = +20 and (102 - 103) x 10 = -10.
    result = _both(_inputs([100.0, 101, 103, 102]), CLOSE_FILLS)
    np.testing.assert_array_equal(result.equity, [100_000, 99_995, 100_015, 100_005])
    np.testing.assert_array_equal(result.positions[:, 0], [0, 1, 1, 1])
    np.testing.assert_array_equal(result.trades, [[1, 0, 1, 101, 2, 3, 0]])


def test_engine_given_a_decision_on_the_last_day_leaves_it_pending_as_the_target():
    # Held 1 from t1; at the t2 close the target doubles: 2 x 100,000 x 0.1 / 10,000 = 2
    # wanted, 1 held, so +1 is pending after the last day and the target is 2 contracts.
    result = _both(_inputs([100.0, 101, 103], target=[1.0, 1.0, 2.0]), CLOSE_FILLS)
    np.testing.assert_array_equal(result.positions[:, 0], [0, 1, 1])
    np.testing.assert_array_equal(result.pending, [1.0])
    np.testing.assert_array_equal(result.target, [2.0])


def test_engine_given_opens_fills_at_the_next_open():
    # Filled at the t1 open 100.5, marked to the t1 close 101: +5 against 5 of costs.
    config = EngineConfig(capital=100_000, vol_target=0.1, stop_atr=0.0, use_open=True)
    result = _both(_inputs([100.0, 101, 103], open_=[NAN, 100.5, 102]), config)
    np.testing.assert_array_equal(result.equity, [100_000, 100_000, 100_020])
    assert result.trades[0, 3] == 100.5


def test_engine_given_a_roll_trades_both_contracts_and_marks_the_new_one():
    # t2: +20 on the old contract, sold at 103 and bought at 105 (10 of costs); t3 marks the
    # new contract from 105 to 106: +10.
    result = _both(_inputs([100.0, 101, 103, 106], roll=[0, 0, 1, 0],
                           next_close=[NAN, NAN, 105, NAN]), CLOSE_FILLS)
    np.testing.assert_array_equal(result.equity, [100_000, 99_995, 100_005, 100_015])
    np.testing.assert_array_equal(result.trades[1:], [[2, 0, -1, 103, 2, 3, 2],
                                                      [2, 0, 1, 105, 2, 3, 3]])


def test_engine_given_a_stop_exits_and_waits_for_the_target_to_leave_the_side():
    # Filled at 101 with ATR 2 and a 1-ATR stop: stop 99. t3 closes at 98.5: flat at the t4
    # close (99). The target stays long through t5, so no re-entry; it goes flat at t6 and long
    # again at t7, which fills at t8.
    config = EngineConfig(capital=100_000, vol_target=0.1, stop_atr=1.0, use_open=False)
    close = [100.0, 101, 100, 98.5, 99, 101, 102, 103, 104]
    target = [1, 1, 1, 1, 1, 1, 0, 1, 1]
    result = _both(_inputs(close, target=target), config)
    np.testing.assert_array_equal(result.positions[:, 0], [0, 1, 1, 1, 0, 0, 0, 0, 1])
    reasons = result.trades[:, 6].tolist()
    assert reasons == [0, 1, 0] and result.trades[1, 3] == 99


def test_engine_given_wanted_margin_above_the_limit_scales_every_position_down():
    # Two assets each want 3 contracts (1 x 100,000 x 0.1 / 3,333.33); margin 3 x 2 x 10,000 =
    # 60,000 > 0.5 x 100,000: scaled by 50,000 / 60,000 and truncated, 2.5 -> 2 each.
    inputs = _inputs(np.full((3, 2), 100.0), risk=100_000 * 0.1 / 3, margin=10_000.0)
    result = _both(inputs, CLOSE_FILLS)
    np.testing.assert_array_equal(result.positions[-1], [2, 2])


def test_engine_given_a_day_without_a_bar_carries_the_order_and_the_position():
    # t1 has no bar: no fill, no mark; the order from t0 fills at the t2 close (102).
    result = _both(_inputs([100.0, NAN, 102, 104]), CLOSE_FILLS)
    np.testing.assert_array_equal(result.positions[:, 0], [0, 0, 1, 1])
    np.testing.assert_array_equal(result.equity, [100_000, 100_000, 99_995, 100_015])


def test_engine_given_a_no_trade_band_keeps_positions_close_to_the_wanted_count():
    # Risk 10,000 per contract and 100,000 x 0.1 at risk: target k wants k contracts, filled
    # at the next close. Held 4: wanting 5 is within 25 % of 4 (kept), 6 is not (traded),
    # -1 is the other side (traded).
    banded = EngineConfig(capital=100_000, vol_target=0.1, stop_atr=0.0, max_margin=1.0,
                          use_open=False, band=0.25)
    result = _both(_inputs([100.0, 100, 100, 100, 100, 100],
                           target=[4.0, 5.0, 6.0, 6.0, -1.0, -1.0]), banded)
    np.testing.assert_array_equal(result.positions[:, 0], [0, 4, 4, 6, 6, -1])
    unbanded = _both(_inputs([100.0, 100, 100, 100, 100, 100],
                             target=[4.0, 5.0, 6.0, 6.0, -1.0, -1.0]),
                     EngineConfig(capital=100_000, vol_target=0.1, stop_atr=0.0,
                                  max_margin=1.0, use_open=False))
    np.testing.assert_array_equal(unbanded.positions[:, 0], [0, 4, 5, 6, 6, -1])


def test_engine_inputs_given_a_roll_without_the_next_close_name_the_day():
    with pytest.raises(ValueError, match="roll on day 1 of asset 0 has no close"):
        _inputs([100.0, 101], roll=[0, 1])


@pytest.mark.parametrize("seed", range(8))
def test_engine_kernel_given_random_books_equals_its_twin(seed):
    rng = np.random.default_rng(seed)
    n, m = 250, 3
    close = 50 + np.cumsum(rng.normal(0, 1, (n, m)), axis=0)
    close[rng.random((n, m)) < 0.03] = NAN
    roll = (rng.random((n, m)) < 0.02).astype(float)
    next_close = np.where(roll == 1, close + rng.normal(0, 2, (n, m)), NAN)
    inputs = EngineInputs(
        close=close, open_=np.where(rng.random((n, m)) < 0.5, close + rng.normal(0, .5, (n, m)),
                                    NAN),
        roll=roll, next_close=next_close, target=np.round(rng.uniform(-1, 1, (n, m)), 1),
        risk=rng.uniform(2_000, 20_000, (n, m)), atr=rng.uniform(0.5, 3, (n, m)),
        point_value=rng.uniform(5, 50, m), commission=np.full(m, 2.5),
        slippage=rng.uniform(5, 20, m), margin=rng.uniform(1_000, 8_000, m))
    config = EngineConfig(capital=250_000, vol_target=0.15, stop_atr=float(seed % 3),
                          max_margin=0.3 if seed % 4 else 1.0, use_open=bool(seed % 2),
                          band=0.3 * (seed % 3 == 0))
    result = _both(inputs, config)
    assert result.trades.shape[0] > 20 and np.isfinite(result.equity).all()
