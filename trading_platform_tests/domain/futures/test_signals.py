"""Signal strategies: hand-derived bars, the breakout kernel against its plain twin, the
forecast strength, and every signal computed from past bars only."""

from __future__ import annotations

import numpy as np
import pytest

from trading_platform.domain.futures.signals import (
    average_true_range,
    breakout_reference,
    donchian_breakout,
    forecast_strength,
    moving_average,
    moving_average_cross,
    path_return_stats,
)


def test_moving_average_given_five_values_averages_the_last_window():
    np.testing.assert_allclose(moving_average(np.array([1.0, 2, 3, 4, 5]), 2),
                               [np.nan, 1.5, 2.5, 3.5, 4.5])


def test_average_true_range_given_gaps_uses_the_previous_close():
    # TR1 = max(1, |11.5 - 10|, |10.5 - 10|) = 1.5; TR2 = max(1.5, |10 - 11|, |8.5 - 11|) = 2.5
    atr = average_true_range(np.array([10.0, 11, 9]), np.array([10.5, 11.5, 10]),
                             np.array([9.5, 10.5, 8.5]), 2)
    np.testing.assert_allclose(atr, [np.nan, np.nan, 2.0])


def test_moving_average_cross_given_a_peak_turns_from_long_to_short():
    # MA2 = [-, 1.5, 2.5, 3.5, 3.5, 2.5, 1.5], MA3 = [-, -, 2, 3, 3.33, 3, 2]
    close = np.array([1.0, 2, 3, 4, 3, 2, 1])
    np.testing.assert_array_equal(moving_average_cross(close, 2, 3), [0, 0, 1, 1, 1, -1, -1])
    np.testing.assert_array_equal(moving_average_cross(close, 2, 3, long_short=False),
                                  [0, 0, 1, 1, 1, 0, 0])
    with pytest.raises(ValueError, match="0 < fast < slow"):
        moving_average_cross(close, 3, 3)


def test_donchian_breakout_given_a_break_and_a_reversal_enters_exits_and_reverses():
    # t3: 11 > max(10, 10, 10) -> long; t6: 10.5 < min(12, 11.5) exits, and 10.5 < min(11, 12,
    # 11.5) enters short on the same close; t7: 9 is not above max(11.5, 10.5): still short.
    close = np.array([10.0, 10, 10, 11, 12, 11.5, 10.5, 9])
    signal = donchian_breakout(close, close, close, 3, 2, np.ones(8), 0.0)
    np.testing.assert_array_equal(signal, [0, 0, 0, 1, 1, 1, -1, -1])
    quiet = donchian_breakout(close, close, close, 3, 2, np.full(8, 0.01), 0.01)
    np.testing.assert_array_equal(quiet, np.zeros(8))  # ATR 0.1 % of the close: no regime


@pytest.mark.parametrize("seed", range(6))
def test_breakout_kernel_given_random_bars_equals_its_twin(seed):
    rng = np.random.default_rng(seed)
    close = 100 + np.cumsum(rng.normal(0, 1, 400))
    high, low = close + rng.uniform(0, 1, 400), close - rng.uniform(0, 1, 400)
    atr = average_true_range(close, high, low, 14)
    entry, exit_ = int(rng.integers(5, 40)), int(rng.integers(2, 5))
    for long_short in (True, False):
        args = (close, high, low, entry, exit_, atr, 0.005 * seed, long_short)
        np.testing.assert_array_equal(donchian_breakout(*args), breakout_reference(*args))


def test_forecast_strength_given_z_scores_scales_and_clips():
    # z = (2, -1, 0.5, no uncertainty) with threshold 1, full size at 2: (1, -0.5, 0, 0)
    strength = forecast_strength(np.array([0.02, -0.01, 0.005, 0.03]),
                                 np.array([0.01, 0.01, 0.01, 0.0]), 1.0, 2.0)
    np.testing.assert_allclose(strength, [1.0, -0.5, 0.0, 0.0])


def test_path_return_stats_given_two_paths_is_the_mean_and_sample_sd_of_log_returns():
    paths = np.zeros((1, 2, 14))
    paths[0, :, -1] = [100 * np.e ** 0.1, 100 * np.e ** -0.1]
    mean, sd = path_return_stats(np.array([100.0]), paths)
    np.testing.assert_allclose([mean[0], sd[0]], [0.0, np.sqrt(0.02)], atol=1e-12)


def test_every_signal_given_history_cut_at_a_day_equals_the_full_run_up_to_it():
    # The point-in-time guard: no signal may use a bar after the one it is decided at.
    rng = np.random.default_rng(9)
    close = 50 + np.cumsum(rng.normal(0, 1, 300))
    high, low = close + 0.5, close - 0.5

    def signals(n):
        c, h, lo = close[:n], high[:n], low[:n]
        atr = average_true_range(c, h, lo, 10)
        return [moving_average_cross(c, 5, 20), donchian_breakout(c, h, lo, 20, 10, atr, 0.0),
                atr, forecast_strength(np.diff(c, prepend=c[0]), np.ones(n), 0.5, 2.0)]

    full = signals(300)
    for cut in (40, 150, 299):
        for part, whole in zip(signals(cut), full, strict=True):
            np.testing.assert_array_equal(part, whole[:cut])


def test_strategy_signal_given_each_default_spec_runs_its_signal(tmp_path):
    from trading_platform.config.futures_strategies import load_futures_strategies
    from trading_platform.domain.futures.signals import strategy_signal

    specs = load_futures_strategies().strategies
    close = 50 + np.cumsum(np.random.default_rng(2).normal(0, 1, 400))
    direction, atr = strategy_signal(specs["ma_cross_20_100"], close, close, close)
    np.testing.assert_array_equal(direction, moving_average_cross(close, 20, 100))
    assert np.isnan(atr[:20]).all() and np.isfinite(atr[20:]).all()
    with pytest.raises(ValueError, match="needs the forecasts' expected returns"):
        strategy_signal(specs["forecast_z"], close, close, close)
    long_only = specs["forecast_z"].model_copy(update={"long_short": False})
    strength, _ = strategy_signal(long_only, close[:2], close[:2], close[:2],
                                  np.array([-0.02, 0.02]), np.array([0.01, 0.01]))
    np.testing.assert_allclose(strength, [0.0, 1.0])


def test_futures_strategies_given_a_fast_average_slower_than_the_slow_names_the_file(tmp_path):
    from trading_platform.config.futures_strategies import load_futures_strategies

    bad = tmp_path / "futures_strategies.yaml"
    bad.write_text("strategies:\n  x: {kind: moving_average_cross, fast: 200, slow: 50}\n")
    with pytest.raises(ValueError, match=r"futures strategies config .*futures_strategies.yaml"
                                         r"(.|\n)*fast \(200\) must be below slow \(50\)"):
        load_futures_strategies(bad)
    bad.write_text("strategies:\n  x: {kind: turtle_soup}\n")
    with pytest.raises(ValueError, match="turtle_soup"):
        load_futures_strategies(bad)
