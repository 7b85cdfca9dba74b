"""Searches of an inventory (producer's book) strategy, run by the ``experiments`` command
(the ``strategy_experiments`` asset runs user-strategy searches only): the stored market closes
and one model's stored out-of-sample forecasts in (the window ``backtest_results`` uses),
every trial on the inventory engine, the gate on the best, and the best re-run against the
engine's plain-Python reference (docs/research.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import numpy as np
import polars as pl

from trading_platform.config.searches import Search
from trading_platform.config.user_strategies import PromotedStrategy, UserStrategySpec
from trading_platform.defs.research.backtests import research_end
from trading_platform.defs.research.experiment_runs import (
    ExperimentRun,
    plain_space,
    run_search,
    split_info,
)
from trading_platform.defs.research.promotions import Parent, figures_table
from trading_platform.defs.universe import UNIVERSE
from trading_platform.domain.inventory.alignment import align_forecasts, require_passed_checks
from trading_platform.domain.inventory.backtest import BookSetup
from trading_platform.domain.inventory.strategies import default_strategies
from trading_platform.domain.inventory.strategy_base import StrategySpec
from trading_platform.domain.partition_keys import commodity_model_key
from trading_platform.domain.research.experiment import ExperimentInfo, code_version
from trading_platform.domain.research.folds import Fold
from trading_platform.domain.research.inventory_book import (
    CODE_PREFIX,
    InventoryInputs,
    InventoryStrategyBook,
    tunable_params,
    with_params,
)
from trading_platform.domain.research.search import Progress
from trading_platform.domain.research.trials import window_metrics
from trading_platform.resources.experiments import ExperimentStore
from trading_platform.resources.forecast_store import ForecastStore
from trading_platform.resources.warehouse import Warehouse

INVENTORY_BOOK = "inventory"


def inventory_spec(kind: str, strategies: dict[str, StrategySpec] | None = None
                   ) -> StrategySpec:
    """The version of ``kind`` in ``strategies`` (the set in force; default the configured
    versions), ValueError listing the kinds when unknown."""
    known = strategies or default_strategies()
    if kind not in known:
        raise ValueError(f"no inventory strategy {kind!r} (kinds: {', '.join(known)})")
    return known[kind]


def inventory_inputs(warehouse: Warehouse, forecasts: ForecastStore, commodity: str,
                     model: str) -> InventoryInputs:
    """One commodity's closes and ``model``'s matrices, aligned as ``backtest_results`` aligns
    them (ValueError naming what to materialize)."""
    if commodity not in UNIVERSE.harvested_keys:
        raise ValueError(f"{commodity} has no harvest: the inventory book trades "
                         f"{', '.join(UNIVERSE.harvested_keys)}")
    store = forecasts.open(commodity, model)
    require_passed_checks(store.checks, commodity_model_key(commodity, model))
    market = warehouse.read_market([commodity], store.dates[0].astype(object),
                                   research_end(store.meta))
    aligned = align_forecasts(market["date"].to_numpy(), market["close"].to_numpy(),
                              store.dates, store.paths)
    setup = BookSetup.for_commodity(UNIVERSE.commodities[commodity],
                                    UNIVERSE.calendar_for(commodity))
    return InventoryInputs(aligned.dates, aligned.price, aligned.paths, setup)


def inventory_book(warehouse: Warehouse, forecasts: ForecastStore, spec: StrategySpec,
                   commodities: list[str], model: str) -> InventoryStrategyBook:
    inputs = {c: inventory_inputs(warehouse, forecasts, c, model) for c in commodities}
    return InventoryStrategyBook(spec.kind, spec, inputs)  # type: ignore[attr-defined]


def run_inventory_experiment(experiment: str, spec: StrategySpec, definition: Search,
                             store: ExperimentStore, forecasts: ForecastStore,
                             progress: Progress | None = None) -> ExperimentRun:
    """Run ``definition`` on inventory strategy ``spec`` and save it under ``experiment``."""
    commodities = definition.commodities or list(UNIVERSE.harvested_keys)
    book = inventory_book(store.warehouse, forecasts, spec, commodities, definition.model)

    def describe(split: Fold) -> ExperimentInfo:
        return ExperimentInfo(
            experiment, definition.method, book.name, INVENTORY_BOOK, spec.content_hash,
            plain_space(definition.space),
            split_info(split, book.dates),
            definition.folds.model_dump() if definition.folds else None, definition.objective,
            definition.seed, list(commodities), _data_version(book, definition.model),
            code_version(type(spec)), definition.model)

    return run_search(experiment, book, definition, store, describe,
                      book.confirm_with_reference, progress)


def inventory_parent(warehouse: Warehouse, forecasts: ForecastStore, spec: StrategySpec,
                     model: str) -> Parent:
    """An inventory search's parent: code ``inventory:<kind>`` with every tunable parameter;
    a promoted version's identity is the inventory spec's own content hash (the one the
    backtests, the champion and the desk record)."""
    kind = spec.kind  # type: ignore[attr-defined]
    file_spec = UserStrategySpec(code=f"{CODE_PREFIX}{kind}", version=spec.version,
                                 params=tunable_params(spec))

    def compare(promoted: PromotedStrategy, start: dt.date, end: dt.date) -> str:
        book = inventory_book(warehouse, forecasts, spec, promoted.commodities, model)
        return inventory_comparison(book, promoted.params, f"{promoted.name} "
                                    f"v{promoted.version}", start, end, full=False)

    def identity(params: dict[str, Any], version: int) -> str:
        return with_params(spec, params, version).content_hash

    return Parent(kind, file_spec, spec.content_hash, compare, identity)


def inventory_figures(book: InventoryStrategyBook, params: dict[str, Any], start: dt.date,
                      end: dt.date, full: bool) -> dict[str, float]:
    """The book's metrics on days ``start`` .. ``end``; ``full`` runs ``run_backtest`` (the
    ordinary backtester), else the search's own engine call (the same days and engine)."""
    equity = book.equity_backtest(params) if full else book.equity(params)
    index = pl.Series(book.dates)
    return window_metrics(equity, book.capital, int(index.search_sorted(start)),
                          int(index.search_sorted(end, side="right")))


def inventory_comparison(book: InventoryStrategyBook, params: dict[str, Any], label: str,
                         start: dt.date, end: dt.date, full: bool) -> str:
    """The base spec and ``params`` on the same commodities, model and days, side by side."""
    base = f"{book.name} v{book.spec.version}"
    figures = [inventory_figures(book, p, start, end, full) for p in ({}, params)]
    return figures_table(f"on {', '.join(book.inputs)}, {start}..{end}, the inventory engine",
                         (base, label), figures)


def _data_version(book: InventoryStrategyBook, model: str) -> str:
    """sha256 (16 hex digits) of the model's name and each commodity's days, closes and
    matrices, in name order."""
    digest = hashlib.sha256(model.encode())
    for name in sorted(book.inputs):
        data = book.inputs[name]
        digest.update(name.encode())
        digest.update(data.dates.tobytes())
        digest.update(data.price.tobytes())
        if data.paths is not None:
            digest.update(np.ascontiguousarray(data.paths).tobytes())
    return digest.hexdigest()[:16]
