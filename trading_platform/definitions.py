"""The platform's Definitions: everything under ``trading_platform/defs`` (found by
``dg.load_from_defs_folder``: assets, checks, jobs, schedules, sensors, by group) plus the
resources, wired to one data directory.

``defs`` is what ``dg``, ``dagster dev`` and the workspace load. Code that needs the object
itself (the CLI, tests) calls ``platform_definitions()`` (built once per process) or
``build_definitions(data_dir)`` (wired to another data directory).
"""

from __future__ import annotations

import functools
from pathlib import Path

import dagster as dg

from trading_platform.resources.experiments import ResearchFolder
from trading_platform.resources.forecast_store import ForecastStore
from trading_platform.resources.registry import ChampionRegistry
from trading_platform.resources.reports import ReportFolder
from trading_platform.resources.tracker import MlflowTracker
from trading_platform.resources.warehouse import Warehouse
from trading_platform.resources.warehouse_io import WarehouseIOManager
from trading_platform.settings import Paths, apply_dagster_event_defaults, paths

PACKAGE_DIR = Path(__file__).resolve().parent

apply_dagster_event_defaults()


def resources_for(where: Paths) -> dict[str, object]:
    """The resources every asset, check and sensor may ask for, under one data directory."""
    warehouse_path = str(where.warehouse)
    return {
        "io_manager": WarehouseIOManager(database=warehouse_path),
        "warehouse": Warehouse(database=warehouse_path),
        "forecast_store": ForecastStore(root=str(where.forecasts)),
        "tracker": MlflowTracker(root=str(where.mlflow)),
        "registry": ChampionRegistry(root=str(where.mlflow)),
        "reports": ReportFolder(root=str(where.reports)),
        "research": ResearchFolder(root=str(where.data_dir)),
    }


def build_definitions(data_dir: str | None = None) -> dg.Definitions:
    """Definitions wired to the state under ``data_dir`` (default: the configured data dir)."""
    where = Paths(Path(data_dir).resolve()) if data_dir else paths()
    found = dg.load_from_defs_folder(path_within_project=PACKAGE_DIR)
    return dg.Definitions.merge(found, dg.Definitions(resources=resources_for(where)))


@functools.cache
def platform_definitions() -> dg.Definitions:
    """The Definitions of the configured data directory, built once per process."""
    return build_definitions()


@dg.definitions
def defs() -> dg.Definitions:
    """What `dg check defs`, `dg dev`, `dagster dev` and the workspace load."""
    return platform_definitions()
