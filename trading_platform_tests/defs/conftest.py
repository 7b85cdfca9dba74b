"""Run the real assets against a throwaway warehouse and instance."""

import datetime as dt
import hashlib
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from trading_platform.defs.market.features import features
from trading_platform.defs.market.market_data import market_data
from trading_platform.defs.partitions import PartitionSlice
from trading_platform.defs.research.forecasts import forecasts
from trading_platform.resources.forecast_store import ForecastStore
from trading_platform.resources.tracker import MlflowTracker
from trading_platform.resources.warehouse import Warehouse
from trading_platform.resources.warehouse_io import WarehouseIOManager

AS_OF = "2026-11-21"


class Harness:
    """Materialize slices into one warehouse file and read back what is stored."""

    def __init__(self, database: Path, instance: dg.DagsterInstance) -> None:
        self.database = str(database)
        self.root = database.parent
        self.instance = instance

    def run(self, part: PartitionSlice, files: list[Path] | None = None,
            selection: list[str] | None = None) -> dg.ExecuteInProcessResult:
        """One single-run backfill of ``part`` (range tags), as the CLI and backfills launch."""
        return self._materialize(selection, files, tags=part.range_tags)

    def run_partition(self, key: str, as_of: str = AS_OF) -> dg.ExecuteInProcessResult:
        """One run of a single ``commodity|date`` partition, as the daily schedule launches."""
        return self._materialize(None, None, partition_key=key, as_of=as_of)

    def _materialize(self, selection, files, as_of: str = AS_OF, **target):
        config = {"as_of": as_of, "files": [str(f) for f in files or []]}
        return dg.materialize(
            [market_data, features], selection=selection or ["market_data", "features"],
            instance=self.instance, raise_on_error=False,
            run_config={"ops": {"market_data": {"config": config}}},
            resources={"io_manager": WarehouseIOManager(database=self.database),
                       "warehouse": Warehouse(database=self.database)},
            **target,
        )

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(self.database) as connection:
            return connection.execute(sql).fetchall()

    def checksum(self, table: str = "market.market_data", where: str = "true") -> str:
        rows = self.query(f"select * from {table} where {where} order by all")
        return hashlib.sha256(repr(rows).encode()).hexdigest()


class ForecastHarness:
    """Materialize forecasts partitions against the warehouse under ``root``."""

    def __init__(self, root: Path, instance: dg.DagsterInstance, config: dict) -> None:
        self.root = root
        self.instance = instance
        self.config = config
        self.store = ForecastStore(root=str(root / "forecasts"))
        self.tracker = MlflowTracker(root=str(root / "mlflow"))

    def materialize(self, key: str) -> dg.ExecuteInProcessResult:
        return dg.materialize(
            [forecasts], partition_key=key, instance=self.instance, raise_on_error=False,
            run_config={"ops": {"forecasts": {"config": self.config}}},
            resources={"warehouse": Warehouse(database=str(self.root / "warehouse.duckdb")),
                       "forecast_store": self.store, "tracker": self.tracker},
        )


def production_like_instance(home: Path):
    """A test instance with the event log storage of dagster.yaml."""
    home.mkdir(parents=True, exist_ok=True)
    storage = {"module": "trading_platform.dagster_storage",
               "class": "BatchingSqliteEventLogStorage", "config": {"base_dir": str(home)}}
    return dg.instance_for_test(overrides={"event_log_storage": storage}, temp_dir=str(home))


@pytest.fixture()
def harness(tmp_path: Path):
    with production_like_instance(tmp_path / "dagster_home") as instance:
        yield Harness(tmp_path / "warehouse.duckdb", instance)


def january(*commodities: str) -> PartitionSlice:
    return PartitionSlice(tuple(sorted(commodities)), dt.date(2024, 1, 1), dt.date(2024, 1, 31))
