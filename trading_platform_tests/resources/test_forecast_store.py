"""ForecastStore's fit folder: pickled fits survive the round trip bit for bit, and the folder
stays bounded."""

import numpy as np

from trading_platform.config.models import load_model_zoo
from trading_platform.domain.forecasting.build import model_factory
from trading_platform.domain.forecasting.protocol import WalkForwardConfig
from trading_platform.domain.forecasting.walk_forward import daily_forecast
from trading_platform.resources import forecast_store
from trading_platform.resources.forecast_store import ForecastStore, fit_identity

CONFIG = WalkForwardConfig(refit_every=20, oos_years=0.5, min_train_rows=60, n_paths=50,
                           residual_window=40, seed=3)


def _series(n: int = 240):
    rng = np.random.default_rng(4)
    dates = np.datetime64("2021-01-01") + np.arange(n)
    return dates, rng.normal(size=(n, 5)), 50 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))


def test_fit_folder_given_ensemble_fits_reuses_them_bit_for_bit(tmp_path):
    zoo = load_model_zoo()
    dates, X, close = _series()
    store = ForecastStore(root=str(tmp_path))
    fits = store.fits("coffee", "ensemble", fit_identity(zoo, "ensemble"))
    calls = []
    base = model_factory(zoo.models["ensemble"], zoo)

    def counted():
        calls.append(1)
        return base()

    fresh = daily_forecast(dates, X, close, counted, CONFIG, dates[-1], fits=fits)
    fitted = len(calls)
    again = daily_forecast(dates, X, close, counted, CONFIG, dates[-1], fits=fits)
    assert fitted >= 3 and len(calls) == fitted  # the second day reads every fit from disk
    np.testing.assert_array_equal(again, fresh)
    assert len(list(fits.folder.glob("*.pkl"))) == fitted


def test_fit_folder_given_more_fits_than_kept_drops_the_oldest(tmp_path, monkeypatch):
    monkeypatch.setattr(forecast_store, "FITS_KEPT", 3)
    fits = ForecastStore(root=str(tmp_path)).fits("corn", "naive_rw", "abc")
    for key in "abcde":
        fits.put(key, {"fit": key})
    assert sorted(p.stem for p in fits.folder.glob("*.pkl")) == ["c", "d", "e"]
    assert fits.get("e") == {"fit": "e"} and fits.get("a") is None


def test_spec_hash_given_a_member_changes_changes_the_ensemble():
    zoo = load_model_zoo()
    changed = zoo.model_copy(update={"models": {**zoo.models, "lightgbm": zoo.models[
        "lightgbm"].model_copy(update={"params": {"n_estimators": 61}})}})
    assert changed.spec_hash("ensemble") != zoo.spec_hash("ensemble")
    assert changed.spec_hash("xgboost") == zoo.spec_hash("xgboost")


def test_fit_folder_given_an_unreadable_fit_treats_it_as_missing(tmp_path):
    fits = ForecastStore(root=str(tmp_path)).fits("corn", "naive_rw", "abc")
    fits.put("k", {"fit": 1})
    (fits.folder / "k.pkl").write_bytes(b"not a pickle")
    assert fits.get("k") is None


def test_fit_identity_given_a_changed_spec_or_library_version_names_a_new_folder(monkeypatch):
    zoo = load_model_zoo()
    changed = zoo.model_copy(update={"models": {**zoo.models, "xgboost": zoo.models[
        "xgboost"].model_copy(update={"params": {"n_estimators": 81}})}})
    assert fit_identity(zoo, "xgboost") == fit_identity(load_model_zoo(), "xgboost")
    assert fit_identity(changed, "xgboost") != fit_identity(zoo, "xgboost")
    assert fit_identity(changed, "lightgbm") == fit_identity(zoo, "lightgbm")
    before = fit_identity(zoo, "lightgbm")
    monkeypatch.setattr(forecast_store.xgboost, "__version__", "0.0.0")
    assert fit_identity(zoo, "lightgbm") != before  # a fit depends on the whole stack


def test_member_fits_given_the_ensemble_names_each_members_folder(tmp_path):
    zoo = load_model_zoo()
    store = ForecastStore(root=str(tmp_path))
    members = store.member_fits("corn", zoo, "ensemble")
    assert sorted(members) == ["lightgbm", "random_forest", "xgboost"]
    assert members["xgboost"].folder == store.fits("corn", "xgboost",
                                                   fit_identity(zoo, "xgboost")).folder
    assert store.member_fits("corn", zoo, "xgboost") == {}
