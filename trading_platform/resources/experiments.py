"""Where searches live: their tables in the warehouse (research schema), each TPE study's
Optuna journal under ``<data>/experiments/`` (so a search killed half-way resumes), and the
promoted versions under ``<data>/strategies/`` (``ResearchFolder``, the Dagster resource)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import optuna
import polars as pl

from trading_platform.domain.inventory.strategies import default_strategies
from trading_platform.domain.inventory.strategy_base import StrategySpec
from trading_platform.domain.research.inventory_book import traded_strategies
from trading_platform.resources.strategy_folder import StrategyFolder
from trading_platform.resources.tables import EXPERIMENT_GATE, EXPERIMENTS, TRIAL_RETURNS, TRIALS
from trading_platform.resources.warehouse import Warehouse


class ExperimentStore:
    """An experiment's rows, replaced together (idempotent per experiment id)."""

    def __init__(self, warehouse: Warehouse, root: Path) -> None:
        self.warehouse, self.root = warehouse, root

    def save(self, experiment: str, row: pl.DataFrame, trials: pl.DataFrame,
             returns: pl.DataFrame, gate: pl.DataFrame) -> None:
        self.warehouse.replace_rows({"experiment": experiment}, {
            EXPERIMENTS: row.drop("experiment"), TRIALS: trials, TRIAL_RETURNS: returns,
            EXPERIMENT_GATE: gate})

    def load(self, experiment: str) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame,
                                             pl.DataFrame]:
        """(experiment row, trials, returns, gate); the row is empty when it does not exist."""
        row, trials, returns, gate = (self.warehouse.read_where(t, experiment=experiment)
                                      for t in (EXPERIMENTS, TRIALS, TRIAL_RETURNS,
                                                EXPERIMENT_GATE))
        return row, trials, returns, gate

    def names(self) -> list[str]:
        stored = self.warehouse.read_where(EXPERIMENTS)
        return sorted(stored["experiment"].to_list()) if stored.height else []

    def study(self, experiment: str, seed: int, prune: bool = False) -> optuna.Study:
        """The experiment's TPE study, created or resumed from its journal file; with ``prune``,
        a median pruner (after five finished trials, ``domain.research.search``)."""
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        self.root.mkdir(parents=True, exist_ok=True)
        storage = JournalStorage(JournalFileBackend(str(self.root / f"{experiment}.journal")))
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        return optuna.create_study(study_name=experiment, storage=storage, direction="maximize",
                                   sampler=optuna.samplers.TPESampler(seed=seed),
                                   pruner=optuna.pruners.MedianPruner(n_startup_trials=5)
                                   if prune else optuna.pruners.NopPruner(),
                                   load_if_exists=True)


class ResearchFolder(dg.ConfigurableResource):
    """Where searches (Optuna journals) and promoted strategy versions live, under the data
    directory ``root``."""

    root: str

    def store(self, warehouse: Warehouse) -> ExperimentStore:
        return ExperimentStore(warehouse, Path(self.root) / "experiments")

    def strategies(self) -> StrategyFolder:
        return StrategyFolder(Path(self.root) / "strategies")

    def inventory_strategies(self) -> dict[str, StrategySpec]:
        """The inventory strategies the research chain backtests and the desk trades: the
        configured versions, each replaced by the highest version promoted under its kind's
        name (``domain.research.inventory_book.traded_strategies``)."""
        return traded_strategies(default_strategies(), self.strategies().promoted())
