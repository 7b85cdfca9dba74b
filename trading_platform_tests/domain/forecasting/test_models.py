"""Models: protocol, a planted signal learned out of sample, and the zoo builder."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from trading_platform.config.models import load_model_zoo
from trading_platform.domain.forecasting.models import (
    EnsembleModel,
    LightGBMModel,
    RandomForestModel,
    RandomWalkModel,
    XGBoostModel,
    build_model,
)
from trading_platform.domain.forecasting.protocol import HORIZONS, ForecastModel, training_key
from trading_platform.domain.forecasting.walk_forward import KeptFits

TREES = {
    "xgboost": lambda: XGBoostModel(n_estimators=40, max_depth=2, learning_rate=0.2, n_jobs=1),
    "lightgbm": lambda: LightGBMModel(n_estimators=40, num_leaves=4, learning_rate=0.2, n_jobs=1),
    "random_forest": lambda: RandomForestModel(n_estimators=20, max_depth=4, n_jobs=1),
}


def _planted(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Y = 0.01 * X[:, 0] + noise(sd 0.002) on every horizon."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, 0.01 * X[:, [0]] + rng.normal(0.0, 0.002, (n, HORIZONS))


@pytest.mark.parametrize("kind", sorted(TREES))
def test_tree_model_given_planted_signal_learns_and_beats_random_walk(kind):
    X, Y = _planted(400, seed=1)
    X_test, Y_test = _planted(200, seed=2)
    forecast = TREES[kind]().fit(X, Y).predict(X_test)
    assert forecast.shape == (200, HORIZONS)
    assert np.corrcoef(forecast.ravel(), Y_test.ravel())[0, 1] > 0.5
    walk = RandomWalkModel().fit(X, Y).predict(X_test)
    assert np.sqrt(np.mean((forecast - Y_test) ** 2)) < np.sqrt(np.mean((walk - Y_test) ** 2))


@pytest.mark.parametrize("kind", sorted(TREES))
def test_tree_model_given_same_rows_bit_identical(kind):
    X, Y = _planted(200, seed=3)
    first = TREES[kind]().fit(X, Y).predict(X)
    np.testing.assert_array_equal(first, TREES[kind]().fit(X, Y).predict(X))


def test_ensemble_given_members_mean_of_predictions():
    X, Y = _planted(200, seed=4)
    members = [TREES["xgboost"](), RandomWalkModel()]
    mean = EnsembleModel(members).fit(X, Y).predict(X)
    # (xgboost + 0) / 2
    np.testing.assert_allclose(mean, members[0].predict(X) / 2)


def test_ensemble_given_member_fits_on_the_same_rows_reuses_them_bit_for_bit():
    X, Y = _planted(200, seed=4)
    kept = {name: KeptFits() for name in ("xgboost", "random_forest")}
    for name, fits in kept.items():
        fits.put(training_key(X, Y), TREES[name]().fit(X, Y))
    fresh = EnsembleModel([TREES["xgboost"](), TREES["random_forest"]()]).fit(X, Y)
    reused = EnsembleModel([TREES["xgboost"](), TREES["random_forest"]()],
                           [kept["xgboost"], kept["random_forest"]]).fit(X, Y)
    assert reused.reused == 2 and fresh.reused == 0
    np.testing.assert_array_equal(reused.predict(X), fresh.predict(X))
    # Other rows have no kept fit: both members are fitted, and none is kept by the ensemble.
    other = EnsembleModel([TREES["xgboost"](), TREES["random_forest"]()],
                          [kept["xgboost"], kept["random_forest"]]).fit(X[1:], Y[1:])
    assert other.reused == 0 and all(len(f) == 1 for f in kept.values())
    # A kept ensemble carries its fitted members, not the caches they came from.
    assert pickle.loads(pickle.dumps(reused)).member_fits == [None, None]


def test_ensemble_given_member_caches_not_matching_members_raises():
    with pytest.raises(ValueError, match="1 member caches for 2 members"):
        EnsembleModel([RandomWalkModel(), RandomWalkModel()], [None])


def test_build_model_given_zoo_every_buildable_kind_is_a_forecast_model():
    zoo = load_model_zoo()
    for key in ("naive_rw", "xgboost", "lightgbm", "random_forest", "ensemble"):
        assert isinstance(build_model(zoo.models[key], zoo), ForecastModel)
    assert len(build_model(zoo.models["ensemble"], zoo).members) == 3


@pytest.mark.parametrize("key", ["xgboost_tuned", "synthetic_60"])
def test_build_model_given_kind_built_elsewhere_raises(key):
    zoo = load_model_zoo()
    with pytest.raises(ValueError, match=r"not built by models\.build_model"):
        build_model(zoo.models[key], zoo)
