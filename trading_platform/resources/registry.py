"""The MLflow model registry of champions, in the tracker's SQLite store.

Inventory book: one registered model per commodity (``inventory_champion_<commodity>``); each
promotion adds a version made from the fitted model a forecasts run logged. Trading book: one
registered model ``trading_book_champion`` whose versions point at the selection run's
``champion`` artifact (the chosen strategy set, model and optimiser with their spec hashes).
Each promotion moves alias ``champion`` to the new version and alias ``previous`` to the
version it replaces. The ``champion_key`` tag makes promotion
idempotent: promoting the champion that already holds the alias changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import dagster as dg

from trading_platform.resources.tracker import MlflowTracker, _quiet_mlflow_logger

CHAMPION_ALIAS = "champion"
PREVIOUS_ALIAS = "previous"
CHALLENGER_ALIAS = "challenger"
CHAMPION_KEY_TAG = "champion_key"
_MISSING = "RESOURCE_DOES_NOT_EXIST"
BOOK_MODEL_NAME = "trading_book_champion"


@dataclass(frozen=True)
class ChampionVersion:
    """One registered version of a commodity's champion model."""

    name: str
    version: str
    tags: dict[str, str]
    source: str


class ChampionRegistry(dg.ConfigurableResource):
    """The MLflow model registry of inventory-book champions: one registered model per
    commodity, alias `champion` on the current version, `previous` on the one before."""

    root: str

    def registered_name(self, commodity: str) -> str:
        return f"inventory_champion_{commodity}"

    def current(self, commodity: str) -> ChampionVersion | None:
        """The version behind alias ``champion``; None before the first promotion."""
        with _quiet_mlflow_logger():
            return _version_at(self._client(), self.registered_name(commodity), CHAMPION_ALIAS)

    def previous(self, commodity: str) -> ChampionVersion | None:
        """The version behind alias ``previous``; None before the second promotion."""
        with _quiet_mlflow_logger():
            return _version_at(self._client(), self.registered_name(commodity), PREVIOUS_ALIAS)

    def promote(self, commodity: str, forecast_run_id: str, tags: Mapping[str, str],
                description: str) -> ChampionVersion:
        """Make the fitted model of ``forecast_run_id`` the champion of ``commodity``.

        ``tags`` must hold ``champion_key``; when the current champion carries the same key it is
        returned unchanged (no new version, aliases untouched). Otherwise a new version gets the
        tags and ``description``, ``previous`` moves to the old champion and ``champion`` to the
        new version. Raises ValueError when the run does not exist or logged no fitted model.
        """
        if CHAMPION_KEY_TAG not in tags:
            raise ValueError(f"promoting a {commodity} champion needs a {CHAMPION_KEY_TAG!r} "
                             f"tag; got tags {sorted(tags)}")
        name, key = self.registered_name(commodity), str(tags[CHAMPION_KEY_TAG])
        with _quiet_mlflow_logger():
            client = self._client()
            champion = _version_at(client, name, CHAMPION_ALIAS)
            if champion is not None and champion.tags.get(CHAMPION_KEY_TAG) == key:
                return champion
            logged = _logged_model(client, commodity, forecast_run_id)
            _ensure_registered_model(client, name, f"Inventory-book champion forecast model of "
                                                   f"{commodity}")
            # The artifact location, not models:/<model_id>: for that URI the registry store looks
            # the model up through a default MlflowClient, i.e. the global tracking URI.
            return _new_version(client, name, champion, source=logged.artifact_location,
                                run_id=forecast_run_id, tags=tags, description=description,
                                model_id=logged.model_id)

    def current_book(self) -> ChampionVersion | None:
        """The trading book's version behind alias ``champion``."""
        with _quiet_mlflow_logger():
            return _version_at(self._client(), BOOK_MODEL_NAME, CHAMPION_ALIAS)

    def promote_book(self, run_id: str, artifact_uri: str, tags: Mapping[str, str],
                     description: str) -> ChampionVersion:
        """Register the trading-book champion chosen in run ``run_id`` (its ``artifact_uri``):
        idempotent on the ``champion_key`` tag, like ``promote``."""
        key = str(tags[CHAMPION_KEY_TAG])
        with _quiet_mlflow_logger():
            client = self._client()
            champion = _version_at(client, BOOK_MODEL_NAME, CHAMPION_ALIAS)
            if champion is not None and champion.tags.get(CHAMPION_KEY_TAG) == key:
                return champion
            _ensure_registered_model(client, BOOK_MODEL_NAME, "Trading-book champion: the "
                                     "strategy set, forecast model and optimiser the futures "
                                     "book trades")
            return _new_version(client, BOOK_MODEL_NAME, champion, source=artifact_uri,
                                run_id=run_id, tags=tags, description=description)

    def register_challenger(self, name: str, run_id: str, artifact_uri: str,
                            tags: Mapping[str, str], description: str) -> ChampionVersion:
        """A promoted strategy version as a new version of the registered model
        ``strategy_<name>``, alias ``challenger`` (``champion`` stays where it is until the
        desk's go decision moves it)."""
        model = f"strategy_{name}"
        with _quiet_mlflow_logger():
            client = self._client()
            _ensure_registered_model(client, model, f"Promoted versions of the strategy {name}")
            created = client.create_model_version(
                model, source=artifact_uri, run_id=run_id,
                tags={tag: str(value) for tag, value in tags.items()}, description=description)
            client.set_registered_model_alias(model, CHALLENGER_ALIAS, str(created.version))
            return _champion_version(client.get_model_version(model, str(created.version)))

    def crown_strategy(self, content_hash: str) -> ChampionVersion | None:
        """Move alias ``champion`` of ``strategy_<name>`` to the promoted version whose spec
        hash is ``content_hash`` (``previous`` to the version it held), once the desk trades
        it; None when no promoted version has that hash (a configured spec)."""
        with _quiet_mlflow_logger():
            client = self._client()
            found = client.search_model_versions(
                f"tags.content_hash = '{content_hash}' AND name LIKE 'strategy_%'")
            if not found:
                return None
            version = max(found, key=lambda v: int(v.version))
            current = _version_at(client, version.name, CHAMPION_ALIAS)
            if current is not None and current.version == str(version.version):
                return current
            if current is not None:
                client.set_registered_model_alias(version.name, PREVIOUS_ALIAS, current.version)
            client.set_registered_model_alias(version.name, CHAMPION_ALIAS, str(version.version))
            return _champion_version(client.get_model_version(version.name,
                                                              str(version.version)))

    def _client(self) -> Any:
        from mlflow import MlflowClient

        # Same store as the tracker: the registry lives in its mlflow.db (re-rooted if copied).
        uri = MlflowTracker(root=self.root).open_store()
        return MlflowClient(tracking_uri=uri, registry_uri=uri)


def _version_at(client: Any, name: str, alias: str) -> ChampionVersion | None:
    from mlflow.exceptions import MlflowException

    try:
        aliases = client.get_registered_model(name).aliases
    except MlflowException as error:
        if error.error_code == _MISSING:
            return None
        raise
    if alias not in aliases:
        return None
    return _champion_version(client.get_model_version(name, aliases[alias]))


def _logged_model(client: Any, commodity: str, run_id: str) -> Any:
    """The fitted model that run ``run_id`` logged (the latest, should it have logged several)."""
    from mlflow.exceptions import MlflowException

    try:
        run = client.get_run(run_id)
    except MlflowException as error:
        if error.error_code != _MISSING:
            raise
        raise ValueError(f"the forecasts run {run_id} of {commodity} is not in the MLflow store "
                         f"{client.tracking_uri}: promote a run of the forecasts asset") from error
    models = client.search_logged_models(
        experiment_ids=[run.info.experiment_id], filter_string=f"source_run_id = '{run_id}'",
    )
    if not models:
        partition = run.data.tags.get("dagster_partition", f"{commodity}|<model>")
        raise ValueError(f"the forecasts run {run_id} of {commodity} logged no fitted model: "
                         f"re-materialize the forecasts partition {partition} and promote its run")
    return max(models, key=lambda model: model.creation_timestamp)


def _new_version(client: Any, name: str, champion: ChampionVersion | None, *, source: str,
                 run_id: str, tags: Mapping[str, str], description: str,
                 model_id: str | None = None) -> ChampionVersion:
    """A new version of ``name``; ``previous`` moves to ``champion``, ``champion`` to it."""
    created = client.create_model_version(
        name, source=source, run_id=run_id, tags={tag: str(value) for tag, value in tags.items()},
        description=description, model_id=model_id)
    if champion is not None:
        client.set_registered_model_alias(name, PREVIOUS_ALIAS, champion.version)
    client.set_registered_model_alias(name, CHAMPION_ALIAS, str(created.version))
    return _champion_version(client.get_model_version(name, str(created.version)))


def _ensure_registered_model(client: Any, name: str, what: str) -> None:
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(name)
    except MlflowException as error:
        if error.error_code != _MISSING:
            raise
        client.create_registered_model(
            name, description=f"{what}: alias {CHAMPION_ALIAS!r} is the current version, "
                              f"{PREVIOUS_ALIAS!r} the one it replaced.",
        )


def _champion_version(version: Any) -> ChampionVersion:
    return ChampionVersion(name=version.name, version=str(version.version),
                           tags=dict(version.tags), source=version.source)
