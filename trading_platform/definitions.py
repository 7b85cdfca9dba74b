"""The one Definitions object: assets, checks, jobs and resources of the platform."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from trading_platform.defs.alerts import alert_sensor
from trading_platform.defs.backtests import backtest_comparison, backtest_results
from trading_platform.defs.daily_report import daily_report
from trading_platform.defs.features import features
from trading_platform.defs.file_drop import incoming_files_sensor
from trading_platform.defs.forecasts import forecasts
from trading_platform.defs.jobs import (
    backtests_job,
    comparison_job,
    daily_market_job,
    forecasts_job,
    market_history_job,
    report_job,
    selection_job,
    trading_job,
)
from trading_platform.defs.market import market_data
from trading_platform.defs.schedules import (
    daily_after_close,
    report_after_close,
    trading_after_close,
    weekly_backtests,
    weekly_forecasts,
    weekly_selection,
)
from trading_platform.defs.selection import champion_model, model_candidates
from trading_platform.defs.trading import trade_recommendations
from trading_platform.resources.forecast_store import ForecastStore
from trading_platform.resources.registry import ChampionRegistry
from trading_platform.resources.reports import ReportFolder
from trading_platform.resources.tracker import MlflowTracker
from trading_platform.resources.warehouse import Warehouse
from trading_platform.resources.warehouse_io import WarehouseIOManager
from trading_platform.settings import Paths, apply_dagster_event_defaults, paths

apply_dagster_event_defaults()


def build_definitions(data_dir: str | None = None) -> dg.Definitions:
    """Definitions wired to the state under ``data_dir`` (default: the configured data dir)."""
    where = Paths(Path(data_dir).resolve()) if data_dir else paths()
    warehouse_path = str(where.warehouse)
    return dg.Definitions(
        assets=[market_data, features, forecasts, backtest_results, backtest_comparison,
                model_candidates, champion_model, trade_recommendations, daily_report],
        jobs=[market_history_job, daily_market_job, forecasts_job, backtests_job,
              comparison_job, selection_job, trading_job, report_job],
        schedules=[daily_after_close, trading_after_close, report_after_close,
                   weekly_forecasts, weekly_backtests, weekly_selection],
        sensors=[incoming_files_sensor, alert_sensor],
        resources={
            "io_manager": WarehouseIOManager(database=warehouse_path),
            "warehouse": Warehouse(database=warehouse_path),
            "forecast_store": ForecastStore(root=str(where.forecasts)),
            "tracker": MlflowTracker(root=str(where.mlflow)),
            "registry": ChampionRegistry(root=str(where.mlflow)),
            "reports": ReportFolder(root=str(where.reports)),
        },
    )


defs = build_definitions()
