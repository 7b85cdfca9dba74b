"""One search definition, whichever book it tunes, shared by the ``strategy_experiments`` and
``promoted_strategies`` assets and the ``experiments`` command: a user strategy replayed bar by
bar, the futures book's moving-average cross over the vectorised sweep, or an inventory kind on
one model's out-of-sample forecasts; and the parent a promotion of its best run names
(docs/research.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from trading_platform.config.futures_strategies import MovingAverageCross
from trading_platform.config.searches import Search
from trading_platform.config.user_strategies import UserStrategySpec
from trading_platform.defs.research.experiment_runs import ExperimentRun, run_experiment
from trading_platform.defs.research.futures_experiments import (
    base_params,
    run_futures_experiment,
)
from trading_platform.defs.research.inventory_experiments import (
    inventory_parent,
    inventory_spec,
    run_inventory_experiment,
)
from trading_platform.defs.research.promotions import Parent, futures_parent, user_parent
from trading_platform.defs.universe import FUTURES_STRATEGIES, USER_STRATEGIES
from trading_platform.domain.inventory.strategy_base import StrategySpec
from trading_platform.domain.research.search import Progress
from trading_platform.resources.experiments import ExperimentStore
from trading_platform.resources.forecast_store import ForecastStore

UserSpecs = Callable[[str], tuple[str, UserStrategySpec]]


def configured_user_spec(name: str) -> tuple[str, UserStrategySpec]:
    """A user strategy of ``user_strategies.yaml`` (ValueError listing them otherwise)."""
    spec = USER_STRATEGIES.strategies.get(name)
    if spec is None:
        raise ValueError(f"strategy {name!r} is not in user_strategies.yaml "
                         f"({', '.join(USER_STRATEGIES.strategies)})")
    return name, spec


def futures_cross(name: str) -> MovingAverageCross:
    """A moving-average cross of ``futures_strategies.yaml`` (the only kind the sweep runs)."""
    spec = FUTURES_STRATEGIES.strategies.get(name)
    if not isinstance(spec, MovingAverageCross):
        crosses = [n for n, s in FUTURES_STRATEGIES.strategies.items()
                   if isinstance(s, MovingAverageCross)]
        raise ValueError(f"strategy {name!r}: futures searches tune a moving-average cross "
                         f"of futures_strategies.yaml ({', '.join(crosses)})")
    return spec


@dataclass(frozen=True)
class SearchSources:
    """Where a search's books come from: the stored forecasts (inventory), the inventory
    versions in force, and how a user strategy's name resolves (configured names; the command
    also takes spec files)."""

    forecasts: ForecastStore
    inventory: dict[str, StrategySpec]
    user_specs: UserSpecs = configured_user_spec


def run_configured(experiment: str, definition: Search, store: ExperimentStore,
                   sources: SearchSources, progress: Progress | None = None) -> ExperimentRun:
    """Run ``definition`` on the book it names and save it under ``experiment``."""
    if definition.book == "futures":
        return run_futures_experiment(experiment, definition.strategy,
                                      futures_cross(definition.strategy), definition, store)
    if definition.book == "inventory":
        return run_inventory_experiment(
            experiment, inventory_spec(definition.strategy, sources.inventory), definition,
            store, sources.forecasts, progress)
    name, spec = sources.user_specs(definition.strategy)
    return run_experiment(experiment, name, spec, definition, store, progress)


def search_parent(book: str, strategy: str, model: str | None, store: ExperimentStore,
                  sources: SearchSources) -> Parent:
    """The parent a promotion from a search of ``strategy`` on ``book`` names."""
    if book == "futures":
        cross = futures_cross(strategy)
        return futures_parent(store.warehouse, strategy, cross, base_params(cross))
    if book == "inventory":
        return inventory_parent(store.warehouse, sources.forecasts,
                                inventory_spec(strategy, sources.inventory), model or "")
    return user_parent(store.warehouse, *sources.user_specs(strategy))
