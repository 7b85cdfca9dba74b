"""Live forecast monitoring: realised returns, rolling IC, direction, drift, regimes, report."""

import json

import numpy as np
import pytest
from scipy.stats import pearsonr, spearmanr

from trading_platform.domain.desk.monitoring import (
    by_regime,
    directional_accuracy,
    drift_verdict,
    monitor_forecasts,
    realised_returns,
    rolling_ic,
)
from trading_platform.domain.reporting.monitoring_chart import monitoring_chart
from trading_platform.domain.selection.regimes import REGIMES

NAN = np.nan
SETTINGS = {"ic_window": 20, "drift_ic_threshold": 0.0, "drift_window": 20, "drift_share": 0.6}


def _days(first: str, n: int) -> np.ndarray:
    return np.datetime64(first, "D") + np.arange(n)


def _market(seed: int, n: int = 600) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return _days("2022-01-03", n), 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))


def test_realised_returns_given_gaps_and_open_future_are_nan():
    market = _days("2024-01-01", 5)  # 01-01 .. 01-05
    closes = np.array([100.0, 110.0, 99.0, 121.0, 120.0])
    forecast = np.array(["2024-01-01", "2024-01-02", "2024-01-06", "2024-01-04", "2024-01-05"],
                        dtype="datetime64[D]")
    out = realised_returns(market, closes, forecast, horizon=2)
    # row 0: 99 / 100 - 1 = -0.01; row 1: 121 / 110 - 1 = 0.1; 01-06 is not a market day;
    # rows 3 and 4 have no row 5 or 6 yet
    np.testing.assert_allclose(out, [-0.01, 0.1, NAN, NAN, NAN])


def test_realised_returns_given_non_positive_start_close_is_nan():
    market = _days("2024-01-01", 3)
    out = realised_returns(market, np.array([0.0, 5.0, 10.0]), market[:2], horizon=1)
    np.testing.assert_allclose(out, [NAN, 1.0])  # 0 is no base; 10 / 5 - 1 = 1


def test_rolling_ic_given_window_three_matches_hand_formula():
    predicted = np.array([1.0, 2.0, NAN, 3.0, 4.0, 4.0])
    realised = np.array([1.0, 3.0, 5.0, 2.0, 6.0, 6.0])
    ic, rank_ic = rolling_ic(predicted, realised, window=3)
    # usable pairs (1,1) (2,3) (3,2) (4,6) (4,6) at rows 0 1 3 4 5; row 2 has no forecast.
    # row 3: x 1 2 3, y 1 3 2 -> dx -1 0 1, dy -1 1 0: 1 / sqrt(2 * 2) = 0.5 (ranks equal values)
    # row 4: x 2 3 4, y 3 2 6 -> dy -2/3 -5/3 7/3: (2/3 + 7/3) / sqrt(2 * 78/9) = 3 / sqrt(52/3);
    #        ranks x 1 2 3, y 2 1 3 -> dy 0 -1 1: 1 / sqrt(2 * 2) = 0.5
    # row 5: x 3 4 4, y 2 6 6 -> dy = 4 * dx: 1; tied ranks 1 2.5 2.5 on both sides: 1
    np.testing.assert_allclose(ic, [NAN, NAN, NAN, 0.5, 3 / np.sqrt(52 / 3), 1.0])
    np.testing.assert_allclose(rank_ic, [NAN, NAN, NAN, 0.5, 0.5, 1.0])


def test_rolling_ic_given_constant_side_in_window_is_nan():
    ic, rank_ic = rolling_ic(np.array([1.0, 1.0, 1.0, 2.0]), np.array([1.0, 2.0, 3.0, 4.0]), 3)
    # row 2: predictions 1 1 1 are constant; row 3: x 1 1 2 -> dx -1/3 -1/3 2/3, y 2 3 4 ->
    # dy -1 0 1: (1/3 + 2/3) / sqrt(6/9 * 2) = sqrt(3) / 2; ranks 1.5 1.5 3 vs 1 2 3 alike
    np.testing.assert_allclose(ic, [NAN, NAN, NAN, np.sqrt(3) / 2])
    np.testing.assert_allclose(rank_ic, [NAN, NAN, NAN, np.sqrt(3) / 2])


def test_rolling_ic_given_window_below_two_raises():
    with pytest.raises(ValueError, match="ic_window_min"):
        rolling_ic(np.ones(5), np.ones(5), 1)


def test_rolling_ic_given_random_data_with_nans_and_ties_matches_scipy():
    rng = np.random.default_rng(7)
    n, window = 300, 25
    predicted = np.round(rng.normal(size=n), 1)  # rounding makes ties
    realised = np.round(0.3 * predicted + rng.normal(size=n), 1)
    predicted[rng.random(n) < 0.1] = NAN
    realised[rng.random(n) < 0.1] = NAN
    ic, rank_ic = rolling_ic(predicted, realised, window)
    usable = np.flatnonzero(np.isfinite(predicted) & np.isfinite(realised))
    assert np.isnan(ic[usable[: window - 1]]).all()
    for k in usable[window - 1:: 17]:
        rows = usable[usable <= k][-window:]
        assert ic[k] == pytest.approx(pearsonr(predicted[rows], realised[rows])[0], abs=1e-12)
        assert rank_ic[k] == pytest.approx(
            spearmanr(predicted[rows], realised[rows])[0], abs=1e-12)
    assert np.isnan(ic[~np.isfinite(predicted) | ~np.isfinite(realised)]).all()


def test_directional_accuracy_given_mixed_signs_counts_usable_hits():
    predicted = np.array([0.1, -0.2, 0.0, 0.3, NAN])
    realised = np.array([0.2, 0.1, 0.0, -0.1, 0.5])
    # hit (+,+), miss (-,+), hit (0,0), miss (+,-); the NaN forecast is not judged: 2 / 4
    assert directional_accuracy(predicted, realised) == 0.5


def test_directional_accuracy_given_no_usable_pairs_is_nan():
    assert np.isnan(directional_accuracy(np.array([NAN, 0.1]), np.array([0.2, NAN])))


IC_PATH = np.array([NAN, 0.1, -0.2, -0.1, NAN, -0.3, 0.2])  # finite tail: -0.2 -0.1 -0.3 0.2


def test_drift_verdict_given_most_recent_ic_below_threshold_trips():
    verdict = drift_verdict(IC_PATH, threshold=0.0, window=4, share=0.5)
    # 3 of the last 4 finite values are below 0: 3 / 4 = 0.75 > 0.5
    assert verdict.drifting
    assert verdict.share_below == 0.75
    assert verdict.judged == 4
    assert verdict.reason == ("rolling IC below 0.00 on 3 of the last 4 forecast days "
                              "(75 %, limit 50 %)")


def test_drift_verdict_given_share_at_limit_does_not_trip():
    verdict = drift_verdict(IC_PATH, threshold=0.0, window=4, share=0.75)
    assert not verdict.drifting  # 0.75 is not above 0.75
    assert verdict.share_below == 0.75


def test_drift_verdict_given_short_history_is_not_enough():
    verdict = drift_verdict(IC_PATH, threshold=0.0, window=6, share=0.5)
    assert not verdict.drifting
    assert np.isnan(verdict.share_below)
    assert verdict.judged == 5
    assert verdict.reason == "not enough history: 5 rolling IC values, 6 needed"


def test_by_regime_given_labelled_pairs_summarises_each_seen_regime():
    predicted = np.array([0.1, 0.2, 0.3, 0.1, -0.1, 0.5, NAN])
    realised = np.array([0.1, 0.3, 0.2, -0.2, -0.1, 0.4, 0.1])
    labels = np.array([0, 0, 0, 1, 1, -1, 3], dtype=np.int8)
    out = by_regime(predicted, realised, labels)
    # unknown (-1) is skipped; volatile_down's only pair has no forecast; volatile_up has none
    assert list(out) == [REGIMES[0], REGIMES[1]]
    # calm_up: x .1 .2 .3, y .1 .3 .2 -> 0.5 as in the rolling hand case; all signs agree;
    # mean realised (0.1 + 0.3 + 0.2) / 3 = 0.2
    assert out["calm_up"] == pytest.approx(
        {"days": 3.0, "ic": 0.5, "directional_accuracy": 1.0, "mean_realised": 0.2})
    # calm_down: 2 pairs (no IC); (+,-) miss, (-,-) hit: 0.5; mean (-0.2 - 0.1) / 2 = -0.15
    calm_down = out["calm_down"]
    assert np.isnan(calm_down.pop("ic"))
    assert calm_down == pytest.approx(
        {"days": 2.0, "directional_accuracy": 0.5, "mean_realised": -0.15})


def _monitor(sign: float, seed: int = 3, horizon: int = 5):
    market, closes = _market(seed)
    forecast = market[280:]
    realised = realised_returns(market, closes, forecast, horizon)
    noise = np.random.default_rng(seed + 1).normal(0, 1e-3, forecast.shape[0])
    predicted = np.where(np.isfinite(realised), sign * realised + noise, 0.0)
    return monitor_forecasts(forecast, predicted, market, closes, horizon=horizon, **SETTINGS)


def test_monitor_forecasts_given_accurate_model_has_high_ic_and_no_drift():
    monitoring = _monitor(sign=1.0)
    assert monitoring.latest()["ic"] > 0.95
    assert monitoring.latest()["rank_ic"] > 0.9
    assert monitoring.directional_accuracy > 0.9
    assert monitoring.recent_directional_accuracy > 0.8
    assert not monitoring.drift.drifting
    assert monitoring.drift.share_below == 0.0
    assert monitoring.usable_days == 320 - 5  # the last 5 forecast days have no outcome yet
    assert set(monitoring.regimes) <= set(REGIMES)
    assert sum(r["days"] for r in monitoring.regimes.values()) == monitoring.usable_days


def test_monitor_forecasts_given_inverted_model_is_drifting():
    monitoring = _monitor(sign=-1.0)
    assert monitoring.latest()["ic"] < -0.95
    assert monitoring.drift.drifting
    assert monitoring.drift.share_below == 1.0
    assert "20 of the last 20" in monitoring.drift.reason


def test_monitor_forecasts_given_bad_inputs_names_the_rule():
    market, closes = _market(0, 50)
    with pytest.raises(ValueError, match="horizon_range"):
        monitor_forecasts(market, np.zeros(50), market, closes, horizon=15, **SETTINGS)
    with pytest.raises(ValueError, match="forecast_shape"):
        monitor_forecasts(market, np.zeros(49), market, closes, horizon=5, **SETTINGS)
    with pytest.raises(ValueError, match="market_shape"):
        monitor_forecasts(market, np.zeros(50), market, closes[:-1], horizon=5, **SETTINGS)


def test_to_json_given_nans_is_strict_json_with_the_recent_series():
    monitoring = _monitor(sign=1.0)
    payload = monitoring.to_json(series_points=30)
    text = json.dumps(payload, allow_nan=False)
    assert payload["series"]["dates"][-1] == str(monitoring.dates[-1])
    assert len(payload["series"]["ic"]) == 30
    assert payload["series"]["ic"][-1] is None  # the last forecast has no outcome yet
    assert json.loads(text)["drift"]["drifting"] is False


def test_to_json_given_no_history_reports_none():
    market, closes = _market(0, 10)
    monitoring = monitor_forecasts(market, np.zeros(10), market, closes, horizon=5, **SETTINGS)
    payload = monitoring.to_json()
    json.dumps(payload, allow_nan=False)
    assert payload["latest_ic"] is None
    assert payload["drift"]["share_below"] is None


def test_monitoring_chart_given_drift_and_empty_history_renders_png():
    assert monitoring_chart(_monitor(sign=-1.0), "corn h5").startswith(b"\x89PNG")
    market, closes = _market(0, 10)
    empty = monitor_forecasts(market, np.zeros(10), market, closes, horizon=5, **SETTINGS)
    assert monitoring_chart(empty, "corn h5").startswith(b"\x89PNG")
