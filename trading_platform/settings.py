"""The one place that reads the environment.

``TRADING_PLATFORM_DATA_DIR`` (default ``./data``) holds all runtime state:

    data/
      warehouse.duckdb     the DuckDB warehouse (schemas market, research, trading)
      dagster_home/        the Dagster instance (DAGSTER_HOME): runs, event log, schedules
      incoming/            vendor file drop folder (rejected/ inside it for refused files)
      alerts/              alerts.jsonl (every alert) and one retry queue per notification channel
      mlflow/              MLflow tracking store + model registry (mlflow.db) and artifacts
      forecasts/           prediction matrices, one folder per <commodity>/<model>
      reports/             report packs and charts

``TRADING_PLATFORM_UNIVERSE`` optionally points at another universe YAML;
``TRADING_PLATFORM_NOTIFICATIONS`` at another notification channels YAML. The channels' own
variables (``TRADING_PLATFORM_ALERT_WEBHOOK``, the URL alerts are POSTed to in the bundled
config, a Slack URL, an SMTP password) are named by that YAML and read through
``environment_value``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DATA_DIR_ENV = "TRADING_PLATFORM_DATA_DIR"
UNIVERSE_ENV = "TRADING_PLATFORM_UNIVERSE"
FUTURES_BOOK_ENV = "TRADING_PLATFORM_FUTURES_BOOK"
ALERT_WEBHOOK_ENV = "TRADING_PLATFORM_ALERT_WEBHOOK"
NOTIFICATIONS_ENV = "TRADING_PLATFORM_NOTIFICATIONS"

# Dagster reads these two at event time. They make single-run backfills of thousands of
# partitions write their events in batches (see trading_platform.dagster_storage).
DAGSTER_EVENT_DEFAULTS = {
    "DAGSTER_EVENT_BATCH_SIZE": "1000",
    "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "true",
}


@dataclass(frozen=True)
class Paths:
    """Where runtime state lives, derived from one data directory."""

    data_dir: Path

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster_home"

    @property
    def incoming(self) -> Path:
        return self.data_dir / "incoming"

    @property
    def rejected(self) -> Path:
        return self.incoming / "rejected"

    @property
    def reports(self) -> Path:
        return self.data_dir / "reports"

    @property
    def alerts(self) -> Path:
        return self.data_dir / "alerts"

    @property
    def mlflow(self) -> Path:
        return self.data_dir / "mlflow"

    @property
    def forecasts(self) -> Path:
        return self.data_dir / "forecasts"


def paths() -> Paths:
    """Return the runtime paths for the configured data directory (resolved, not created)."""
    return Paths(Path(os.environ.get(DATA_DIR_ENV, "data")).resolve())


def universe_path() -> Path | None:
    """The universe YAML to load, or None for the bundled default."""
    configured = os.environ.get(UNIVERSE_ENV)
    return Path(configured) if configured else None


def futures_book_path() -> Path | None:
    """The futures book YAML to load (a universe of its own needs its own weight bounds), or
    None for the bundled default."""
    configured = os.environ.get(FUTURES_BOOK_ENV)
    return Path(configured) if configured else None


def notifications_path() -> Path | None:
    """The notification channels YAML to load, or None for the bundled default."""
    configured = os.environ.get(NOTIFICATIONS_ENV)
    return Path(configured) if configured else None


def environment_value(name: str) -> str | None:
    """The variable a config file names (a channel's URL or password), None when unset or
    empty; read when called, never at import."""
    return os.environ.get(name) or None


def apply_dagster_event_defaults() -> None:
    """Set the batch-writing defaults for this process unless the operator set them already."""
    for name, value in DAGSTER_EVENT_DEFAULTS.items():
        os.environ.setdefault(name, value)
