"""The warehouse resource: the few direct queries the IO manager cannot express.

Reads the current contents of a market slice (so a vendor file upserts rather than replaces),
the latest stored date per commodity (freshness), and keeps the quarantine table. Every write
is idempotent per file: a file's quarantine rows are replaced, never appended twice.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from trading_platform.domain.market.schema import MARKET_SCHEMA, QUARANTINE_SCHEMA
from trading_platform.resources.data_mode import declare_mode, read_mode
from trading_platform.resources.tables import (
    FEATURES,
    MARKET_DATA,
    QUARANTINE,
    REVISIONS,
    SOURCE_CHANGES,
)

LOCK_WAIT_S = 120.0  # how long a reader waits for another process's write to finish
HOLD_WAIT_S = 10.0  # how long ``held_open`` waits before a run goes on without holding the file
# Columns added to tables written before provenance existed, with their DuckDB types.
_ADDED_COLUMNS = {
    MARKET_DATA: {"origin": "VARCHAR", "source_sha256": "VARCHAR", "batch": "VARCHAR",
                   "ingested_at": "TIMESTAMP"},
    QUARANTINE: {"sha256": "VARCHAR", "column": "VARCHAR", "value": "VARCHAR"},
}
SOURCE_MIX_SCHEMA: dict[str, pl.DataType] = {
    "commodity": pl.String(), "origin": pl.String(), "rows": pl.Int64(), "first": pl.Date(),
    "last": pl.Date(), "sources": pl.Int64(),
}


# The configuration dagster-duckdb's IO manager connects with. DuckDB refuses a second
# connection to a file this process has open under another configuration, so every connection
# here uses the same one, and the IO manager's can share a file held open (``held_open``).
CONNECTION_CONFIG = {"custom_user_agent": "dagster"}


def _connect_when_free(database: str, wait_s: float = LOCK_WAIT_S) -> duckdb.DuckDBPyConnection:
    """Connect, retrying while another process holds the file's lock (one writer at a time).

    Assets that only read (forecasts) are not in the ``duckdb_write`` pool, so their minutes of
    compute never hold up the daily job; their short reads wait here instead.
    """
    deadline = time.monotonic() + wait_s
    delay = 0.05
    while True:
        try:
            return duckdb.connect(database, config=CONNECTION_CONFIG)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


@contextmanager
def held_open(database: str, wait_s: float = HOLD_WAIT_S) -> Iterator[bool]:
    """Keep ``database`` open in this process while the block runs; yields whether it is held.

    Every query here (and the IO manager's) opens its own connection. Opening the file cold
    costs ~15 ms (the lock, the catalog), its existence check ~10 ms and the close a checkpoint;
    while one connection stays open, a new one shares the open database: ~2 ms in all. A daily
    run makes a few dozen such queries, so the CLI holds the file open around each daily-path
    run. Other processes wait for the lock (``_connect_when_free``) while it is held, so hold it
    around short runs only, never around minutes of compute.

    Holding is a saving, never a new failure: when another process keeps the file past
    ``wait_s``, the block runs without it, each query waiting for the lock on its own as always.
    """
    try:
        anchor = _connect_when_free(database, wait_s)
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        yield False
        return
    try:
        yield True
    finally:
        anchor.close()


class Warehouse(dg.ConfigurableResource):
    """Direct access to the DuckDB warehouse file."""

    database: str
    lock_wait_s: float = LOCK_WAIT_S

    @contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        connection = _connect_when_free(self.database, self.lock_wait_s)
        try:
            yield connection
        finally:
            connection.close()

    def _has_table(self, connection: duckdb.DuckDBPyConnection, qualified: str) -> bool:
        schema, table = qualified.split(".")
        found = connection.execute(
            "select count(*) from information_schema.tables where table_schema = ? "
            "and table_name = ?",
            [schema, table],
        ).fetchall()
        return bool(found[0][0])

    def read_market(
        self, commodities: Sequence[str], start: dt.date, end: dt.date
    ) -> pl.DataFrame:
        """Stored market rows for ``commodities`` with ``start <= date <= end``."""
        with self._connect() as connection:
            if not self._has_table(connection, MARKET_DATA):
                return pl.DataFrame(schema=MARKET_SCHEMA)
            frame = connection.sql(
                f"select * from {MARKET_DATA} where commodity in (select unnest(?)) "
                "and date between ? and ? order by commodity, date",
                params=[list(commodities), start, end],
            ).pl()
        return frame.select([pl.col(c).cast(t) for c, t in MARKET_SCHEMA.items()])

    @property
    def warehouse_exists(self) -> bool:
        return Path(self.database).exists()

    @property
    def data_dir(self) -> Path:
        """The data directory: the warehouse file's folder."""
        return Path(self.database).resolve().parent

    def data_mode(self) -> str | None:
        """The data directory's declared mode (``synthetic``/``vendor``), None if undeclared."""
        return read_mode(self.data_dir)

    def declare_mode(self, mode: str, by: str) -> None:
        declare_mode(self.data_dir, mode, by)

    def upgrade_tables(self) -> int:
        """Give market tables written before provenance existed their new columns; returns the
        market rows upgraded (0 when there was nothing to do).

        A row's ``origin`` is derived from its ``source``, which always said where it came from
        (``synthetic:seed=<n>`` or the vendor file name), so the mixed-source guards hold for
        old rows too; batch, time and sha256 stay empty (unknown). Recorded in
        ``market.source_changes``; one transaction; a second call changes nothing.
        """
        with self._connect() as connection:
            connection.begin()
            present = self._columns(connection)
            added = {table: [c for c in columns if c not in present[table]]
                     for table, columns in _ADDED_COLUMNS.items() if table in present}
            for table, missing in added.items():
                for column in missing:
                    connection.execute(f'alter table {table} add column "{column}" '
                                       f"{_ADDED_COLUMNS[table][column]}")
            upgraded = 0
            if "origin" in added.get(MARKET_DATA, []):
                upgraded = connection.execute(
                    f"update {MARKET_DATA} set origin = case when source like 'synthetic:%' "
                    "then 'synthetic' else 'vendor' end").fetchall()[0][0]
                self._append(connection, SOURCE_CHANGES, pl.DataFrame([{
                    "commodity": "*", "rows": upgraded, "first": None, "last": None,
                    "by": "upgrade", "reason": "provenance columns added; origin from source",
                    "at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
                    "change": "add_provenance"}], schema_overrides={"first": pl.Date(),
                                                                      "last": pl.Date()}))
            connection.commit()
        return int(upgraded)

    def _columns(self, connection: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
        """The columns of each existing table that ``upgrade_tables`` may extend."""
        rows = connection.execute(
            "select table_schema || '.' || table_name, column_name from "
            "information_schema.columns where table_schema || '.' || table_name in "
            "(select unnest(?))", [list(_ADDED_COLUMNS)]).fetchall()
        found: dict[str, set[str]] = {}
        for table, column in rows:
            found.setdefault(table, set()).add(column)
        return found

    def source_mix(self) -> pl.DataFrame:
        """Per stored (commodity, origin): rows, first and last date, distinct sources."""
        with self._connect() as connection:
            if not self._has_table(connection, MARKET_DATA):
                return pl.DataFrame(schema=SOURCE_MIX_SCHEMA)
            frame = connection.sql(
                f"select commodity, origin, count(*) as rows, min(date) as first, "
                f"max(date) as last, count(distinct source) as sources from {MARKET_DATA} "
                "group by commodity, origin order by commodity, origin").pl()
        return frame.cast(SOURCE_MIX_SCHEMA)  # type: ignore[arg-type]

    def market_around(self, commodities: Sequence[str], first: dt.date,
                      last: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(stored rows of ``commodities`` dated ``first..last``, the latest stored row of each
        dated before ``first``), read over one connection."""
        empty = pl.DataFrame(schema=MARKET_SCHEMA)
        with self._connect() as connection:
            if not self._has_table(connection, MARKET_DATA):
                return empty, empty
            params = [list(commodities), first, last]
            inside = connection.sql(
                f"select * from {MARKET_DATA} where commodity in (select unnest(?)) and date "
                "between ? and ? order by commodity, date", params=params).pl()
            before = connection.sql(
                f"select * from {MARKET_DATA} where commodity in (select unnest(?)) and "
                "date < ? qualify row_number() over (partition by commodity order by date "
                "desc) = 1", params=params[:2]).pl()
        return tuple(frame.select([pl.col(c).cast(t) for c, t in MARKET_SCHEMA.items()])
                     for frame in (inside, before))  # type: ignore[return-value]

    def delete_synthetic(self, commodity: str, by: str, reason: str) -> dict[str, object]:
        """Delete ``commodity``'s synthetic market rows and their features, and record it in
        ``market.source_changes``, in one transaction; returns what was deleted."""
        with self._connect() as connection:
            if not self._has_table(connection, MARKET_DATA):
                return {"commodity": commodity, "rows": 0}
            connection.begin()
            found = connection.execute(
                f"select count(*), min(date), max(date) from {MARKET_DATA} where commodity = ? "
                "and origin = 'synthetic'", [commodity]).fetchall()[0]
            change = {"commodity": commodity, "rows": int(found[0]), "first": found[1],
                      "last": found[2], "by": by, "reason": reason,
                      "at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
                      "change": "replace_synthetic"}
            if change["rows"] and self._has_table(connection, FEATURES):
                connection.execute(
                    f"delete from {FEATURES} where commodity = ? and date in (select date "
                    f"from {MARKET_DATA} where commodity = ? and origin = 'synthetic')",
                    [commodity, commodity])
            connection.execute(f"delete from {MARKET_DATA} where commodity = ? and "
                               "origin = 'synthetic'", [commodity])
            self._append(connection, SOURCE_CHANGES, pl.DataFrame([change]))
            connection.commit()
        return change

    def record_revisions(self, revised: pl.DataFrame, file: str, batch: str) -> None:
        """Append revised closes (``REVISION_SCHEMA`` rows) with the file and batch."""
        if revised.is_empty():
            return
        rows = revised.with_columns(file=pl.lit(file), batch=pl.lit(batch),
                                    at=pl.lit(dt.datetime.now(dt.UTC).replace(tzinfo=None)))
        with self._connect() as connection:
            connection.begin()
            self._append(connection, REVISIONS, rows)
            connection.commit()

    def _append(self, connection: duckdb.DuckDBPyConnection, qualified: str,
                rows: pl.DataFrame) -> None:
        connection.execute(f"create schema if not exists {qualified.split('.')[0]}")
        connection.register("appended_rows", rows.to_arrow())
        connection.execute(f"create table if not exists {qualified} as select * from "
                           "appended_rows limit 0")
        connection.execute(f"insert into {qualified} by name select * from appended_rows")
        connection.unregister("appended_rows")

    def read_features_of(self, commodities: Sequence[str]) -> pl.DataFrame:
        """The stored features of ``commodities`` (empty if none), by commodity and date."""
        with self._connect() as connection:
            if not self._has_table(connection, FEATURES):
                return pl.DataFrame()
            return connection.sql(
                f"select * from {FEATURES} where commodity in (select unnest(?)) "
                "order by commodity, date", params=[list(commodities)]).pl()

    def read_features(self, commodity: str) -> pl.DataFrame:
        """The whole stored feature history of ``commodity``, in date order (empty if none)."""
        with self._connect() as connection:
            if not self._has_table(connection, FEATURES):
                return pl.DataFrame()
            return connection.sql(
                f"select * from {FEATURES} where commodity = ? order by date",
                params=[commodity],
            ).pl()

    def latest_market_dates(self) -> dict[str, dt.date]:
        """The latest stored date per commodity (commodities with no rows are absent)."""
        with self._connect() as connection:
            if not self._has_table(connection, MARKET_DATA):
                return {}
            rows = connection.execute(
                f"select commodity, max(date) from {MARKET_DATA} group by commodity"
            ).fetchall()
        return {commodity: latest for commodity, latest in rows}

    def replace_quarantine(self, files: Sequence[str], rows: pl.DataFrame) -> None:
        """Replace the quarantine rows of ``files`` with ``rows`` in one transaction."""
        stamped = rows.select(list(QUARANTINE_SCHEMA)).with_columns(
            quarantined_at=pl.lit(dt.datetime.now(dt.UTC).replace(tzinfo=None))
        )
        arrow_rows = stamped.to_arrow()
        with self._connect() as connection:
            connection.begin()
            connection.execute("create schema if not exists market")
            connection.register("incoming_rows", arrow_rows)
            connection.execute(
                f"create table if not exists {QUARANTINE} as "
                "select * from incoming_rows limit 0"
            )
            connection.execute(
                f"delete from {QUARANTINE} where file in (select unnest(?))", [list(files)]
            )
            connection.execute(
                f"insert into {QUARANTINE} by name select * from incoming_rows"
            )
            connection.commit()

    def read_quarantine(self) -> pl.DataFrame:
        """All quarantined rows, newest file first."""
        with self._connect() as connection:
            if not self._has_table(connection, QUARANTINE):
                return pl.DataFrame(schema=QUARANTINE_SCHEMA)
            return connection.sql(
                f"select * from {QUARANTINE} order by file, row"
            ).pl()

    def replace_rows(self, keys: Mapping[str, str], tables: Mapping[str, pl.DataFrame]) -> None:
        """Replace, in one transaction, the rows of each ``schema.table`` whose ``keys`` columns
        equal the given values with the frame's rows (the key columns are added to them).

        Idempotent: a rerun of the same partition replaces its rows, never appends a copy; a
        failure rolls everything back, so the previous rows stay.
        """
        conditions = " and ".join(f'"{column}" = ?' for column in keys)
        with self._connect() as connection:
            connection.begin()
            try:
                for qualified, frame in tables.items():
                    rows = frame.with_columns(
                        [pl.lit(value).alias(column) for column, value in keys.items()]
                    ).select([*keys, *frame.columns]).to_arrow()
                    connection.execute(f"create schema if not exists {qualified.split('.')[0]}")
                    connection.register("incoming_rows", rows)
                    connection.execute(f"create table if not exists {qualified} as "
                                       "select * from incoming_rows limit 0")
                    _add_new_columns(connection, qualified)
                    connection.execute(f"delete from {qualified} where {conditions}",
                                       list(keys.values()))
                    connection.execute(f"insert into {qualified} by name select * from "
                                       "incoming_rows")
                    connection.unregister("incoming_rows")
                connection.commit()
            except BaseException:
                connection.rollback()
                raise

    def read_table(self, qualified: str) -> pl.DataFrame:
        """Every row of ``schema.table`` (an empty frame when the table does not exist yet)."""
        with self._connect() as connection:
            if not self._has_table(connection, qualified):
                return pl.DataFrame()
            return connection.sql(f"select * from {qualified}").pl()

    def read_where(self, qualified: str, **equals: object) -> pl.DataFrame:
        """Rows of ``schema.table`` whose columns equal the given values (empty if no table)."""
        conditions = " and ".join(f'"{column}" = ?' for column in equals) or "true"
        with self._connect() as connection:
            if not self._has_table(connection, qualified):
                return pl.DataFrame()
            return connection.sql(f"select * from {qualified} where {conditions}",
                                  params=list(equals.values())).pl()


def _add_new_columns(connection: duckdb.DuckDBPyConnection, qualified: str) -> None:
    """Add the incoming rows' columns that ``qualified`` lacks (a table written before a
    release added them); existing rows get NULL there. Columns are never dropped or retyped."""
    have = {row[0] for row in connection.execute(f"describe {qualified}").fetchall()}
    for name, kind, *_ in connection.execute("describe incoming_rows").fetchall():
        if name not in have:
            connection.execute(f'alter table {qualified} add column "{name}" {kind}')
