"""The DuckDB IO manager for polars frames, fixed for duckdb 2 and made atomic.

Four changes over dagster-duckdb-polars (see the README, "Storage"):
- a multi-partitioned slice is the bounding box of the run's keys (commodity IN (...) and the
  date window from the first to the last key). The stock manager insists on one contiguous key
  range, which a run over several commodities never is; our assets always produce the whole
  rectangle of their run, so reading and replacing the bounding box is exact for them;
- loads use ``connection.sql(...).pl()``: duckdb 2 removed the ``.arrow()`` the stock handler calls;
- the slice delete and the insert run in one transaction, so a run killed mid-write leaves the
  partitions it was replacing intact (DuckDB rolls the open transaction back);
- an empty frame still creates the table (with its schema), and inserts go ``BY NAME`` so a
  column order change can never shift values between columns.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import polars as pl
from dagster import InputContext, MultiPartitionsDefinition, OutputContext, TimeWindow
from dagster import TimeWindowPartitionsDefinition as TimeWindowPartitions
from dagster._core.storage.db_io_manager import (
    DbIOManager,
    DbTypeHandler,
    TablePartitionDimension,
    TableSlice,
)
from dagster_duckdb import DuckDBIOManager
from dagster_duckdb.io_manager import DuckDbClient, _get_cleanup_statement
from dagster_duckdb_polars import DuckDBPolarsTypeHandler


class PolarsTypeHandler(DuckDBPolarsTypeHandler):
    """Stores and loads polars frames; see the module docstring for what differs upstream."""

    def handle_output(
        self, context: OutputContext, table_slice: TableSlice, obj: pl.DataFrame, connection
    ) -> dict[str, object]:
        table = f"{table_slice.schema}.{table_slice.table}"
        connection.register("incoming_rows", obj.to_arrow())
        try:
            connection.execute(
                f"create table if not exists {table} as select * from incoming_rows limit 0"
            )
            connection.execute(f"insert into {table} by name select * from incoming_rows")
        finally:
            connection.unregister("incoming_rows")
        return {}

    def load_input(
        self, context: InputContext, table_slice: TableSlice, connection
    ) -> pl.DataFrame:
        if table_slice.partition_dimensions and len(context.asset_partition_keys) == 0:
            return pl.DataFrame()
        return connection.sql(DuckDbClient.get_select_statement(table_slice)).pl()


class AtomicDuckDbClient(DuckDbClient):
    """A DuckDB client whose connection is one transaction: commit on success, else roll back."""

    @staticmethod
    @contextmanager
    def connect(context, table_slice) -> Iterator:
        with DuckDbClient.connect(context, table_slice) as connection:
            connection.begin()
            try:
                yield connection
            except BaseException:
                # The stock client closes only on success; a leaked handle would block the
                # file for the rest of this process.
                connection.rollback()
                connection.close()
                raise
            connection.commit()

    @staticmethod
    def delete_table_slice(context: OutputContext, table_slice: TableSlice, connection) -> None:
        # Checked first, not caught: inside a transaction a failed statement aborts it.
        exists = connection.execute(
            "select count(*) from information_schema.tables where table_schema = ? "
            "and table_name = ?",
            [table_slice.schema, table_slice.table],
        ).fetchall()[0][0]
        if exists:
            connection.execute(_get_cleanup_statement(table_slice))


def _dimension(
    dimension, keys: set[str], partition_expr: str
) -> TablePartitionDimension:
    definition = dimension.partitions_def
    if isinstance(definition, TimeWindowPartitions):
        first = definition.time_window_for_partition_key(min(keys))
        last = definition.time_window_for_partition_key(max(keys))
        return TablePartitionDimension(partition_expr, TimeWindow(first.start, last.end))
    return TablePartitionDimension(partition_expr, sorted(keys))


class RectangleDbIOManager(DbIOManager):
    """DbIOManager whose multi-partitioned slices are the bounding box of the run's keys."""

    def _get_table_slice(
        self, context: OutputContext | InputContext, output_context: OutputContext
    ) -> TableSlice:
        partitions_def = context.asset_partitions_def if context.has_asset_partitions else None
        if not isinstance(partitions_def, MultiPartitionsDefinition):
            return super()._get_table_slice(context, output_context)
        metadata = output_context.definition_metadata or {}
        keys = context.asset_partition_keys
        dimensions = [
            _dimension(
                dimension,
                {key.keys_by_dimension[dimension.name] for key in keys},
                metadata["partition_expr"][dimension.name],
            )
            for dimension in partitions_def.partitions_defs
        ] if keys else []
        return TableSlice(
            table=context.asset_key.path[-1],
            schema=metadata.get("schema") or self._schema or "public",
            database=self._database,
            partition_dimensions=dimensions,
            columns=(context.definition_metadata or {}).get("columns"),
        )


class WarehouseIOManager(DuckDBIOManager):
    """DuckDB IO manager for polars frames, one schema per asset group (``metadata.schema``)."""

    @staticmethod
    def type_handlers() -> Sequence[DbTypeHandler]:
        return [PolarsTypeHandler()]

    @staticmethod
    def default_load_type() -> type | None:
        return pl.DataFrame

    def create_io_manager(self, context) -> DbIOManager:
        return RectangleDbIOManager(
            db_client=AtomicDuckDbClient(),
            database=self.database,
            schema=self.schema_,
            type_handlers=self.type_handlers(),
            default_load_type=self.default_load_type(),
            io_manager_name="WarehouseIOManager",
        )
