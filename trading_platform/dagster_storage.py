"""SQLite event log storage that writes Dagster's event batches in one transaction.

Why: a single-run backfill of ``market_data`` over six commodities x ten years is ~15,600
partitions, and Dagster records one materialization event per partition. The stock SQLite
storages write each event in its own connection and transaction (and rebuild a SQLAlchemy engine
and re-inspect the schema per event): measured here at ~9 ms per partition, i.e. minutes for one
backfill. Dagster already hands storages whole batches when ``DAGSTER_EVENT_BATCH_SIZE`` is set;
the base class then loops over ``store_event``. This subclass stores a batch in one transaction
and updates each asset's "latest event" row once per batch (the same end state as once per
event, because that row is an upsert of the latest event). Measured: 15,600 partitions in ~6 s
instead of ~5 minutes. Single events (a daily run records ~50) go through one pooled engine per
process, so none opens and closes a connection of its own. Everything else (reads, watchers,
migrations) is the consolidated SQLite storage unchanged. Configure it in ``dagster.yaml`` as
``event_log_storage``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from dagster._core.events import ASSET_CHECK_EVENTS, ASSET_EVENTS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log import ConsolidatedSqliteEventLogStorage
from dagster._core.storage.event_log.schema import SqlEventLogStorageTable
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool


def _is_asset_event(event: EventLogEntry) -> bool:
    dagster_event = event.dagster_event
    return bool(
        dagster_event and event.dagster_event_type in ASSET_EVENTS and dagster_event.asset_key
    )


class BatchingSqliteEventLogStorage(ConsolidatedSqliteEventLogStorage):
    """Consolidated SQLite event log with a one-transaction ``store_event_batch``."""

    _engine_by_pid: tuple[int, Engine] | None = None
    _known_tables: dict[str, bool] | None = None

    def _engine(self) -> Engine:
        # One engine per process, with a pool: the stock storage opens and closes a connection
        # per event, and closing the last connection to a WAL database checkpoints it (~1.6 ms
        # an event measured here, against ~0.01 ms on a pooled connection; a daily run records
        # ~50 events). A process forked with an engine drops the parent's pooled connections
        # without closing them (SQLite connections must not be used across a fork).
        pid = os.getpid()
        if self._engine_by_pid is None or self._engine_by_pid[0] != pid:
            if self._engine_by_pid is not None:
                self._engine_by_pid[1].dispose(close=False)
            engine = create_engine(
                self._conn_string,
                poolclass=QueuePool,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                              "check_same_thread": False},
            )
            self._engine_by_pid = (pid, engine)
        return self._engine_by_pid[1]

    def dispose(self) -> None:
        # The instance's end closes the pooled connections (a CLI batch of runs, a test's).
        super().dispose()
        if self._engine_by_pid is not None and self._engine_by_pid[0] == os.getpid():
            self._engine_by_pid[1].dispose()
        self._engine_by_pid = None

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        with self._engine().connect() as connection, connection.begin():
            yield connection

    def has_table(self, table_name: str) -> bool:
        # Tables are created by migrations and never dropped while we run: cache positives.
        known = self._known_tables if self._known_tables is not None else {}
        if not known.get(table_name):
            known[table_name] = super().has_table(table_name)
        self._known_tables = known
        return known[table_name]

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        # One executemany; RETURNING in parameter order gives each event its id.
        insert = SqlEventLogStorageTable.insert().returning(
            SqlEventLogStorageTable.c.id, sort_by_parameter_order=True
        )
        rows = [self._event_to_row(event) for event in events]
        with self._connect() as connection:
            event_ids = list(connection.execute(insert, rows).scalars())
            asset_events = [
                (event, event_id)
                for event, event_id in zip(events, event_ids, strict=True)
                if _is_asset_event(event)
            ]
            if asset_events:
                self._store_asset_event_tags(
                    connection, [event for event, _ in asset_events], [i for _, i in asset_events]
                )
                latest = {
                    (event.dagster_event.asset_key, event.dagster_event_type): (event, event_id)
                    for event, event_id in asset_events
                }
                for event, event_id in latest.values():
                    self._store_asset_event(connection, event, event_id)
        for event, event_id in zip(events, event_ids, strict=True):
            if event.is_dagster_event and event.dagster_event_type in ASSET_CHECK_EVENTS:
                self.store_asset_check_event(event, event_id)
