"""The warehouse IO manager: round trips on the real partitions, idempotence, atomic replace."""

import datetime as dt

import dagster as dg
import duckdb
import polars as pl
import pytest

from trading_platform.defs.partitions import PartitionSlice, run_slice
from trading_platform.defs.universe import MARKET_PARTITIONS, UNIVERSE
from trading_platform.domain.market.schema import QUARANTINE_SCHEMA
from trading_platform.resources.warehouse import Warehouse
from trading_platform.resources.warehouse_io import WarehouseIOManager

META = {"partition_expr": {"commodity": "commodity", "date": "date"}, "schema": "test"}


def _rows(context: dg.AssetExecutionContext, value: float) -> pl.DataFrame:
    part = run_slice(context.partition_key_range, UNIVERSE.commodity_keys)
    days = pl.date_range(part.start, part.end, eager=True)
    days = days.filter(days.dt.weekday() <= 5)
    return pl.DataFrame(
        {"commodity": [c for c in part.commodities for _ in days],
         "date": list(days) * len(part.commodities),
         "value": [value] * (len(days) * len(part.commodities))}
    )


def _assets(value: float | str, empty: bool = False):
    @dg.asset(partitions_def=MARKET_PARTITIONS, metadata=META,
              backfill_policy=dg.BackfillPolicy.single_run())
    def source(context: dg.AssetExecutionContext) -> pl.DataFrame:
        frame = _rows(context, 0.0)
        if empty:
            return frame.head(0)
        return frame.with_columns(value=pl.lit(value))

    @dg.asset(partitions_def=MARKET_PARTITIONS, metadata=META,
              backfill_policy=dg.BackfillPolicy.single_run(),
              )
    def reader(source: pl.DataFrame) -> pl.DataFrame:
        return source.with_columns(value=pl.col("value") * 2)

    return source, reader


def _run(db: str, part: PartitionSlice, assets, selection, instance) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        assets, selection=selection, instance=instance, tags=part.range_tags,
        resources={"io_manager": WarehouseIOManager(database=db)}, raise_on_error=False,
    )


def _table(db: str, name: str) -> pl.DataFrame:
    with duckdb.connect(db) as connection:
        return connection.sql(f"select * from test.{name} order by commodity, date").pl()


@pytest.fixture()
def instance():
    with dg.instance_for_test() as instance:
        yield instance


JAN = PartitionSlice(("coffee", "corn"), dt.date(2024, 1, 1), dt.date(2024, 1, 31))
FEB = PartitionSlice(("coffee", "corn"), dt.date(2024, 2, 1), dt.date(2024, 2, 29))


def test_io_manager_given_written_slices_reads_back_only_the_requested_one(tmp_path, instance):
    db = str(tmp_path / "w.duckdb")
    assets = _assets(1.5)
    assert _run(db, JAN, assets, ["source"], instance).success
    assert _run(db, FEB, assets, ["source"], instance).success
    result = _run(db, FEB, assets, ["reader"], instance)
    assert result.success
    read = _table(db, "reader")
    # 21 weekdays in February 2024, for two commodities; January stays out of the slice
    assert read.height == 21 * 2
    assert read["value"].unique().to_list() == [3.0]
    assert read["date"].dtype == pl.Date


def test_io_manager_given_rerun_of_same_slice_is_idempotent(tmp_path, instance):
    db = str(tmp_path / "w.duckdb")
    assets = _assets(1.5)
    _run(db, JAN, assets, ["source"], instance)
    first = _table(db, "source")
    _run(db, JAN, assets, ["source"], instance)
    assert _table(db, "source").equals(first)


def test_io_manager_given_empty_frame_creates_table_and_clears_slice(tmp_path, instance):
    db = str(tmp_path / "w.duckdb")
    assert _run(db, JAN, _assets(1.0, empty=True), ["source"], instance).success
    assert _table(db, "source").height == 0
    _run(db, FEB, _assets(1.0), ["source"], instance)
    _run(db, JAN, _assets(1.0), ["source"], instance)
    assert _run(db, JAN, _assets(1.0, empty=True), ["source"], instance).success
    remaining = _table(db, "source")
    assert remaining["date"].min() == dt.date(2024, 2, 1)  # only January was cleared


def test_io_manager_given_failed_insert_keeps_previous_rows(tmp_path, instance):
    db = str(tmp_path / "w.duckdb")
    _run(db, JAN, _assets(1.5), ["source"], instance)
    before = _table(db, "source")
    # A string where the table holds doubles fails the insert after the delete ran: the
    # transaction rolls back, so January's rows must still be there, unchanged.
    result = _run(db, JAN, _assets("not a number"), ["source"], instance)
    assert not result.success
    assert _table(db, "source").equals(before)


def test_upgrade_tables_given_pre_provenance_warehouse_adds_columns_and_derives_origin(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute("create schema market")
        connection.execute(
            "create table market.market_data (commodity varchar, date date, open double, "
            "high double, low double, close double, volume bigint, flags varchar, "
            "source varchar)")
        connection.execute(
            "insert into market.market_data values ('coffee', '2024-01-02', 1, 2, 1, 1, 5, '', "
            "'synthetic:seed=42'), ('sugar', '2024-01-02', 1, 2, 1, 1, 5, '', 'sugar.csv')")
        connection.execute('create table market.quarantine (file varchar, "row" bigint, '
                           "commodity varchar, date varchar, rule varchar, reason varchar, "
                           "raw varchar, quarantined_at timestamp)")
    warehouse = Warehouse(database=str(database))
    assert warehouse.upgrade_tables() == 2
    assert warehouse.upgrade_tables() == 0  # idempotent
    mix = warehouse.source_mix()
    assert mix.select("commodity", "origin").rows() == [("coffee", "synthetic"),
                                                        ("sugar", "vendor")]
    # The guards now see the old synthetic rows, and the new quarantine columns are writable.
    refusal = pl.DataFrame([{name: None for name in QUARANTINE_SCHEMA}],
                           schema=QUARANTINE_SCHEMA).with_columns(
        file=pl.lit("x.csv"), sha256=pl.lit("0" * 64), rule=pl.lit("unreadable"))
    warehouse.replace_quarantine(["x.csv"], refusal)
    assert warehouse.read_quarantine()["sha256"].to_list() == ["0" * 64]
    [change] = warehouse.read_table("market.source_changes").rows(named=True)
    assert (change["change"], change["rows"]) == ("add_provenance", 2)
