"""The champion registry promotes fitted forecast models and moves aliases once per champion."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from trading_platform.resources.registry import ChampionRegistry
from trading_platform.resources.tracker import MlflowTracker


class _ZeroForecaster:
    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.zeros((len(X), 14))


@dataclass(frozen=True)
class _Store:
    registry: ChampionRegistry
    client: MlflowClient
    fitted_a: str  # run ids
    fitted_b: str
    unfitted: str


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> _Store:
    # One SQLite store for the module (MLflow takes seconds to create one); each test promotes
    # for its own commodity, so the tests do not depend on each other's order.
    root = str(tmp_path_factory.mktemp("registry") / "mlflow")
    tracker = MlflowTracker(root=root)
    run_ids = []
    for name in ("a", "b"):
        with tracker.run("forecasts", f"any/{name}", {"dagster_partition": f"any|{name}"}) as run:
            run.log_forecast_model(_ZeroForecaster(), np.zeros((2, 3)))
        run_ids.append(run.run_id)
    with tracker.run("forecasts", "any/unfitted", {"dagster_partition": "any|naive"}) as run:
        run.log_metrics({"rmse_h1": 0.3})
    client = MlflowClient(tracking_uri=tracker.tracking_uri, registry_uri=tracker.tracking_uri)
    return _Store(ChampionRegistry(root=root), client, *run_ids, run.run_id)


def _versions(store: _Store, commodity: str) -> list[str]:
    name = store.registry.registered_name(commodity)
    return sorted(str(v.version) for v in store.client.search_model_versions(f"name = '{name}'"))


@pytest.mark.slow
def test_current_given_no_promotion_none(store):
    assert store.registry.current("coffee") is None
    assert store.registry.previous("coffee") is None


@pytest.mark.slow
def test_promote_given_first_champion_champion_v1_with_tags_and_no_previous(store):
    import mlflow

    tags = {"champion_key": "k1", "model": "a"}
    promoted = store.registry.promote("cocoa", store.fitted_a, tags, "first champion")

    assert promoted.name == "inventory_champion_cocoa"
    assert promoted.version == "1"
    assert promoted.tags == tags
    assert store.registry.current("cocoa") == promoted
    assert store.registry.previous("cocoa") is None
    stored = store.client.get_model_version("inventory_champion_cocoa", "1")
    assert (stored.description, stored.run_id) == ("first champion", store.fitted_a)
    # The version serves the run's fitted model: 3 rows in, 3 x 14 zeros out.
    loaded = mlflow.pyfunc.load_model(promoted.source)
    np.testing.assert_array_equal(loaded.predict(np.ones((3, 3))), np.zeros((3, 14)))


@pytest.mark.slow
def test_promote_given_new_champion_key_champion_v2_and_previous_v1(store):
    store.registry.promote("sugar", store.fitted_a, {"champion_key": "k1"}, "first")
    promoted = store.registry.promote("sugar", store.fitted_b, {"champion_key": "k2"}, "second")

    assert (promoted.version, promoted.tags["champion_key"]) == ("2", "k2")
    assert store.registry.current("sugar") == promoted
    previous = store.registry.previous("sugar")
    assert previous is not None
    assert (previous.version, previous.tags["champion_key"]) == ("1", "k1")


@pytest.mark.slow
def test_promote_given_same_champion_key_returns_current_without_new_version(store):
    store.registry.promote("wheat", store.fitted_a, {"champion_key": "k1"}, "first")
    second = store.registry.promote("wheat", store.fitted_b, {"champion_key": "k2"}, "second")

    again = store.registry.promote("wheat", store.fitted_a, {"champion_key": "k2"}, "again")

    assert again == second
    assert _versions(store, "wheat") == ["1", "2"]
    previous = store.registry.previous("wheat")
    assert previous is not None and previous.version == "1"


@pytest.mark.slow
def test_promote_given_run_without_model_raises_naming_run_and_registers_nothing(store):
    with pytest.raises(ValueError, match=rf"run {store.unfitted} of corn logged no fitted model"):
        store.registry.promote("corn", store.unfitted, {"champion_key": "k1"}, "none")
    assert store.registry.current("corn") is None


@pytest.mark.slow
def test_promote_given_unknown_run_raises_naming_run(store):
    with pytest.raises(ValueError, match="run 0123abcd of corn is not in the MLflow store"):
        store.registry.promote("corn", "0123abcd", {"champion_key": "k1"}, "none")


def test_promote_given_tags_without_champion_key_raises(tmp_path):
    registry = ChampionRegistry(root=str(tmp_path / "mlflow"))
    with pytest.raises(ValueError, match="champion_key"):
        registry.promote("corn", "0123abcd", {"model": "a"}, "none")


def test_crown_strategy_given_promoted_versions_moves_champion_and_previous(store):
    # two promoted versions of one strategy, each registered as challenger with its hash
    for version, content_hash in ((1, "hash_v1"), (2, "hash_v2")):
        store.registry.register_challenger("crowned", store.fitted_a, "file:///spec",
                                           {"content_hash": content_hash}, f"v{version}")
    assert store.registry.crown_strategy("configured_hash") is None
    first = store.registry.crown_strategy("hash_v1")
    assert (first.name, first.version) == ("strategy_crowned", "1")
    assert store.registry.crown_strategy("hash_v1").version == "1"  # again: unchanged
    store.registry.crown_strategy("hash_v2")
    aliases = store.client.get_registered_model("strategy_crowned").aliases
    assert aliases == {"challenger": 2, "champion": 2, "previous": 1}
