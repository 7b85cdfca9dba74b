from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import spearmanr

from trading_platform.domain.forecasting.metrics import (
    crps_sorted,
    forecast_metrics,
    sorted_quantiles,
    spearman,
    summarise,
)
from trading_platform.domain.forecasting.protocol import HORIZONS


def _flat(values: list[float]) -> np.ndarray:
    """Paths constant across horizons: (1, p, 14) float32 closes."""
    return np.tile(np.asarray(values, dtype=np.float32)[None, :, None], (1, 1, HORIZONS))


def test_forecast_metrics_given_two_paths_100_110_and_realised_104_hand_values() -> None:
    # Today 100. Path returns x = 0 and ln 1.1 = 0.0953102; realised y = ln 1.04 = 0.0392207.
    # median = 0.0953102 / 2 = 0.0476551; error = 0.0476551 - 0.0392207 = 0.0084344.
    # pinball_50 = 0.5 * 0.0084344 = 0.0042172
    # q10 = 0.1 * 0.0953102 = 0.0095310; y - q10 = 0.0296897 > 0 -> 0.1 * 0.0296897 = 0.0029690
    # q90 = 0.9 * 0.0953102 = 0.0857792; y - q90 = -0.0465585 -> -0.1 * -0.0465585 = 0.0046559
    # CRPS = mean|x - y| - 0.5 mean|x - x'|
    #      = (0.0392207 + 0.0560895) / 2 - 0.5 * (2 * 0.0953102 / 4) = 0.0476551 - 0.0238276
    #      = 0.0238275
    # Band on closes: 100 + 0.1 * 10 = 101 .. 100 + 0.9 * 10 = 109 contains 104 -> coverage 1.
    m = forecast_metrics(_flat([100.0, 110.0]), np.array([100.0]), np.full((1, HORIZONS), 104.0))
    row = m.row(0, named=True)
    assert row["n_days"] == 1
    assert row["rmse"] == pytest.approx(0.0084344, abs=1e-6)
    assert row["mae"] == pytest.approx(0.0084344, abs=1e-6)
    assert row["directional_accuracy"] == 1.0
    assert row["pinball_50"] == pytest.approx(0.0042172, abs=1e-6)
    assert row["pinball_10"] == pytest.approx(0.0029690, abs=1e-6)
    assert row["pinball_90"] == pytest.approx(0.0046559, abs=1e-6)
    assert row["crps"] == pytest.approx(0.0238275, abs=1e-6)
    assert row["coverage_80"] == 1.0
    assert math.isnan(row["ic"])  # one day: no rank correlation


def test_forecast_metrics_given_one_day_outside_band_and_one_unknown_skips_and_halves() -> None:
    # Day 0 realised 104 is inside 101..109; day 1 realised 112 is outside -> coverage 1/2.
    # Day 2 has an unknown future (NaN) and is skipped, so n_days = 2.
    paths = np.concatenate([_flat([100.0, 110.0])] * 3)
    future = np.array([[104.0] * HORIZONS, [112.0] * HORIZONS, [np.nan] * HORIZONS])
    m = forecast_metrics(paths, np.full(3, 100.0), future)
    assert m["n_days"].to_list() == [2] * HORIZONS
    assert m["coverage_80"].to_list() == [0.5] * HORIZONS


def test_forecast_metrics_given_flat_median_and_rising_price_counts_a_miss() -> None:
    # Paths 90 and 110 around today's 100: median log return ln(.9)/2 + ln(1.1)/2 = -0.0050 < 0
    # against a realised rise -> miss; paths 100 and 100: median 0 (flat) vs rise -> miss by the
    # tie convention.
    for values in ([90.0, 110.0], [100.0, 100.0]):
        m = forecast_metrics(_flat(values), np.array([100.0]), np.full((1, HORIZONS), 101.0))
        assert m["directional_accuracy"].to_list() == [0.0] * HORIZONS


def test_forecast_metrics_given_perfect_forecast_zero_error_full_accuracy_and_coverage() -> None:
    rng = np.random.default_rng(0)
    today = 100.0 * np.exp(rng.normal(0, 0.1, 50))
    future = today[:, None] * np.exp(np.cumsum(rng.normal(0, 0.02, (50, HORIZONS)), axis=1))
    exact = np.repeat(future[:, None, :], 5, axis=1).astype(np.float32)
    m = forecast_metrics(exact, today, future.astype(np.float32))
    assert np.allclose(m["rmse"].to_numpy(), 0.0, atol=1e-6)
    assert np.allclose(m["crps"].to_numpy(), 0.0, atol=1e-6)
    assert (m["directional_accuracy"].to_numpy() == 1.0).all()
    assert np.allclose(m["ic"].to_numpy(), 1.0)
    bracket = (future[:, None, :] * np.array([0.95, 1.0, 1.05])[None, :, None]).astype(np.float32)
    m = forecast_metrics(bracket, today, future.astype(np.float32))
    assert (m["coverage_80"].to_numpy() == 1.0).all()
    assert np.allclose(m["rmse"].to_numpy(), 0.0, atol=1e-6)


def _slow_crps(samples: np.ndarray, y: float) -> float:
    p = samples.size
    first = sum(abs(x - y) for x in samples) / p
    pairs = sum(abs(a - b) for a in samples for b in samples) / p**2
    return first - 0.5 * pairs


def test_crps_sorted_given_random_inputs_matches_double_loop_reference() -> None:
    rng = np.random.default_rng(1)
    samples = rng.normal(0, 1, (6, 37, 3))
    y = rng.normal(0, 1, (6, 3))
    fast = crps_sorted(np.sort(samples, axis=1), y)
    slow = np.array([[_slow_crps(samples[i, :, h], y[i, h]) for h in range(3)] for i in range(6)])
    np.testing.assert_allclose(fast, slow, rtol=1e-10, atol=1e-12)


def test_forecast_metrics_given_random_inputs_matches_numpy_scipy_and_slow_crps() -> None:
    rng = np.random.default_rng(2)
    n, p = 40, 25
    today = 50.0 + rng.uniform(0, 10, n)
    future = today[:, None] * np.exp(rng.normal(0, 0.03, (n, HORIZONS)))
    future[rng.uniform(size=(n, HORIZONS)) < 0.1] = np.nan
    paths = (today[:, None, None] * np.exp(rng.normal(0, 0.03, (n, p, HORIZONS)))).astype(
        np.float32
    )
    m = forecast_metrics(paths, today, future)
    r = np.log(paths.astype(np.float64) / today[:, None, None])
    y = np.log(future / today[:, None])
    for h in (0, 6, 13):
        ok = np.isfinite(y[:, h])
        med = np.median(r[ok, :, h], axis=1)
        q10 = np.quantile(r[ok, :, h], 0.1, axis=1)
        diff = y[ok, h] - q10
        row = m.row(h, named=True)
        assert row["rmse"] == pytest.approx(np.sqrt(np.mean((med - y[ok, h]) ** 2)))
        assert row["ic"] == pytest.approx(spearmanr(med, y[ok, h]).statistic)
        assert row["pinball_10"] == pytest.approx(np.mean(np.maximum(0.1 * diff, -0.9 * diff)))
        crps = np.mean([_slow_crps(r[i, :, h], y[i, h]) for i in np.flatnonzero(ok)])
        assert row["crps"] == pytest.approx(crps)
        lo, hi = np.quantile(paths[ok, :, h].astype(np.float64), [0.1, 0.9], axis=1)
        inside = (future[ok, h] >= lo) & (future[ok, h] <= hi)
        assert row["coverage_80"] == pytest.approx(inside.mean())


def test_spearman_given_ties_matches_scipy() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        x = np.round(rng.normal(size=30), 1)  # rounding creates ties
        y = np.round(x + rng.normal(size=30), 1)
        assert spearman(x, y) == pytest.approx(spearmanr(x, y).statistic)


def test_sorted_quantiles_given_random_inputs_matches_numpy_quantile() -> None:
    values = np.sort(np.random.default_rng(4).normal(size=(5, 17, 2)), axis=1)
    for q in (0.0, 0.1, 0.5, 0.9, 1.0):
        np.testing.assert_allclose(sorted_quantiles(values, q), np.quantile(values, q, axis=1))


def test_summarise_given_metrics_returns_headline_horizons_and_mean() -> None:
    m = forecast_metrics(_flat([100.0, 110.0]), np.array([100.0]), np.full((1, HORIZONS), 104.0))
    summary = summarise(m)
    assert summary["coverage_80_h1"] == 1.0
    assert summary["rmse_h14"] == pytest.approx(0.0084344, abs=1e-6)
    assert summary["rmse_mean"] == pytest.approx(0.0084344, abs=1e-6)  # same at every horizon
    assert math.isnan(summary["ic_mean"])  # every horizon NaN -> NaN
    assert {"rmse_h1", "rmse_h5", "rmse_h14", "rmse_mean"} <= summary.keys()


def test_forecast_metrics_given_wrong_shapes_raises() -> None:
    with pytest.raises(ValueError, match="paths must be"):
        forecast_metrics(np.ones((2, 3, 5)), np.ones(2), np.ones((2, HORIZONS)))
    with pytest.raises(ValueError, match="close_today must be"):
        forecast_metrics(np.ones((2, 3, HORIZONS)), np.ones(3), np.ones((2, HORIZONS)))
