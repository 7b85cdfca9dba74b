"""incoming_files_sensor over cursor scenarios, and one requested run executed end to end."""

from __future__ import annotations

import datetime as dt
import gzip
import os
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from trading_platform.defs.market.features import features
from trading_platform.defs.market.file_drop import FILE_TAG, build_incoming_files_sensor
from trading_platform.defs.market.market_data import market_data
from trading_platform.defs.universe import UNIVERSE
from trading_platform.resources.market_sources import ingest_file
from trading_platform.resources.warehouse import Warehouse
from trading_platform.resources.warehouse_io import WarehouseIOManager
from trading_platform.settings import DATA_DIR_ENV
from trading_platform_tests.defs.conftest import AS_OF, january

TODAY = dt.date.fromisoformat(AS_OF)
# 2024-01-02..05 are Tuesday..Friday: four coffee trading days, closes 102..105.
COFFEE = "date,open,high,low,close,volume\n" + "".join(
    f"2024-01-0{d},100,106,99,10{d},1000\n" for d in (2, 3, 4, 5))
JANUARY_COFFEE = "commodity = 'coffee' and date between '2024-01-01' and '2024-01-31'"


class Ticks:
    """Evaluates a sensor on one folder, as the daemon would, against a test instance."""

    def __init__(self, folder: Path, instance: dg.DagsterInstance) -> None:
        self.folder = folder
        self.instance = instance
        self.sensor = build_incoming_files_sensor(folder, settle_seconds=0, today=lambda: TODAY)

    def tick(self, cursor: str | None = None) -> dg.SensorResult | dg.SkipReason:
        return self.sensor(self.context(cursor))

    def evaluate(self, cursor: str | None = None):
        return self.sensor.evaluate_tick(self.context(cursor))

    def context(self, cursor: str | None) -> dg.SensorEvaluationContext:
        warehouse = Warehouse(database=str(self.folder.parent / "warehouse.duckdb"))
        return dg.build_sensor_context(instance=self.instance, instance_ref=self.instance.get_ref(),
                                       cursor=cursor, resources={"warehouse": warehouse})

    def drop(self, name: str, content: str | bytes = COFFEE) -> Path:
        path = self.folder / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path


@pytest.fixture()
def ticks(tmp_path: Path):
    with dg.instance_for_test() as instance:
        yield Ticks(tmp_path / "incoming", instance)


def test_sensor_given_empty_folder_skips_and_creates_folder(ticks):
    result = ticks.tick()
    assert isinstance(result, dg.SkipReason)
    assert "no new or changed vendor files" in result.skip_message
    assert ticks.folder.is_dir()


def test_sensor_given_valid_file_requests_one_run_over_its_range(ticks):
    ticks.folder.mkdir()
    path = ticks.drop("coffee_2024_01.csv")
    [request] = ticks.evaluate().run_requests
    assert request.tags["dagster/asset_partition_range_start"] == "coffee|2024-01-02"
    assert request.tags["dagster/asset_partition_range_end"] == "coffee|2024-01-05"
    assert request.tags[FILE_TAG] == "coffee_2024_01.csv"
    config = request.run_config["ops"]["market_data"]["config"]
    assert config == {"files": [str(path.resolve())], "as_of": AS_OF}
    assert request.run_key.startswith("coffee_2024_01.csv:")


def test_sensor_given_saved_cursor_requests_nothing_again_even_after_restart(ticks):
    ticks.folder.mkdir()
    ticks.drop("coffee_2024_01.csv")
    first = ticks.evaluate()
    assert len(first.run_requests) == 1
    assert ticks.evaluate(first.cursor).run_requests == []
    restarted = Ticks(ticks.folder, ticks.instance)  # new sensor object, the stored cursor
    again = restarted.evaluate(first.cursor)
    assert again.run_requests == [] and again.cursor == first.cursor


def test_sensor_given_modified_file_requests_new_run_key(ticks):
    ticks.folder.mkdir()
    path = ticks.drop("coffee_2024_01.csv")
    first = ticks.evaluate()
    ticks.drop("coffee_2024_01.csv", COFFEE.replace(",1000\n", ",2000\n"))
    mtime = path.stat().st_mtime_ns + 10**9  # a clock tick coarser than the rewrite
    os.utime(path, ns=(mtime, mtime))
    [request] = ticks.evaluate(first.cursor).run_requests
    assert request.run_key != first.run_requests[0].run_key


def test_sensor_given_corrupt_cursor_starts_over_with_same_run_key(ticks):
    ticks.folder.mkdir()
    ticks.drop("coffee_2024_01.csv")
    first = ticks.evaluate()
    [request] = ticks.evaluate("{broken").run_requests
    # Dagster launches a run key once per sensor, so this request does not ingest it twice.
    assert request.run_key == first.run_requests[0].run_key


def test_sensor_given_unreadable_files_rejects_them_and_keeps_stored_data(ticks, harness):
    assert harness.run(january("coffee"), selection=["market_data"]).success
    before = harness.checksum(where=JANUARY_COFFEE)
    ticks.folder.mkdir()
    bad = {"coffee_14.csv": (bytes(range(256)) * 8, "unreadable"),
           "coffee_18.csv": (b"", "empty_file")}
    for name, (content, _) in bad.items():
        ticks.drop(name, content)
    result = ticks.evaluate()
    assert result.run_requests == []
    rejected = ticks.folder / "rejected"
    for name, (content, rule) in bad.items():
        assert (rejected / name).read_bytes() == content
        assert f"rule: {rule}\n" in (rejected / f"{name}.reason.txt").read_text()
        assert not (ticks.folder / name).exists()
    assert harness.checksum(where=JANUARY_COFFEE) == before
    assert ticks.evaluate(result.cursor).run_requests == []


def test_sensor_given_symlink_out_of_folder_refuses_and_never_follows_it(ticks, tmp_path):
    secret = tmp_path / "coffee_33.csv"
    secret.write_text(COFFEE)
    ticks.folder.mkdir()
    (ticks.folder / "coffee_25.csv").symlink_to(secret)
    assert ticks.evaluate().run_requests == []
    moved = ticks.folder / "rejected" / "coffee_25.csv"
    assert moved.is_symlink() and secret.read_text() == COFFEE
    assert "rule: path_escape" in moved.with_name("coffee_25.csv.reason.txt").read_text()


def test_default_sensor_given_data_dir_reads_incoming_at_tick_time(tmp_path, monkeypatch):
    from trading_platform.defs.market.file_drop import incoming_files_sensor

    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))
    incoming = tmp_path / "data" / "incoming"
    incoming.mkdir(parents=True)
    (incoming / "coffee_2024_01.csv").write_text(COFFEE)
    settled = (incoming / "coffee_2024_01.csv").stat().st_mtime_ns - 60 * 10**9
    os.utime(incoming / "coffee_2024_01.csv", ns=(settled, settled))
    with dg.instance_for_test() as instance:
        warehouse = Warehouse(database=str(tmp_path / "data" / "warehouse.duckdb"))
        context = dg.build_sensor_context(instance=instance, resources={"warehouse": warehouse})
        result = incoming_files_sensor.evaluate_tick(context)
    assert incoming_files_sensor.name == "incoming_files_sensor"
    assert [r.tags[FILE_TAG] for r in result.run_requests] == ["coffee_2024_01.csv"]


def test_sensor_run_request_executed_stores_exactly_the_accepted_rows(ticks, harness):
    ticks.folder.mkdir()
    path = ticks.drop("coffee_2024_01.csv", COFFEE + "2024-01-06,100,106,99,101,1000\n")  # Saturday
    [request] = ticks.evaluate().run_requests
    result = dg.materialize(
        [market_data, features], selection=["market_data", "features"],
        instance=harness.instance, tags=request.tags, run_config=request.run_config,
        resources={"io_manager": WarehouseIOManager(database=harness.database),
                   "warehouse": Warehouse(database=harness.database)},
    )
    assert result.success
    expected = ingest_file(path, UNIVERSE, today=TODAY).accepted.drop("batch", "ingested_at")
    stored = harness.query(
        "select commodity, date, open, high, low, close, volume, flags, origin, source, "
        "source_sha256 from market.market_data order by commodity, date")
    assert stored == expected.rows()
    batches = harness.query("select distinct batch from market.market_data")
    assert batches == [(result.run_id,)]
    assert [row[5] for row in stored] == [102.0, 103.0, 104.0, 105.0]


def test_sensor_given_commodity_subfolder_forces_its_commodity(ticks):
    (ticks.folder / "coffee").mkdir(parents=True)
    ticks.drop("coffee/export_robusta_grade.csv")  # a name that alone would be refused
    [request] = ticks.evaluate().run_requests
    assert request.run_config["ops"]["market_data"]["config"]["commodity"] == "coffee"
    assert request.tags["dagster/asset_partition_range_start"] == "coffee|2024-01-02"


def test_sensor_given_compressed_file_requests_its_run(ticks):
    ticks.folder.mkdir()
    ticks.drop("coffee_2024_01.csv.gz", gzip.compress(COFFEE.encode()))
    [request] = ticks.evaluate().run_requests
    assert request.tags[FILE_TAG] == "coffee_2024_01.csv.gz"


def test_sensor_given_file_with_no_good_row_records_every_row_and_lists_them(ticks, harness):
    ticks.folder.mkdir()
    rows = "".join(f"2024-01-0{d},100,90,99,101,1000\n" for d in (2, 3, 4))  # high < low
    ticks.drop("coffee_2024_01.csv", "date,open,high,low,close,volume\n" + rows)
    assert ticks.evaluate().run_requests == []
    recorded = harness.query("select file, row, \"column\", value, rule, length(sha256) from "
                             "market.quarantine order by row")
    assert recorded == [("coffee_2024_01.csv", line, "high", "90", "ohlc_impossible", 64)
                        for line in (2, 3, 4)]
    reason = (ticks.folder / "rejected" / "coffee_2024_01.csv.reason.txt").read_text()
    assert "rule: no_accepted_rows" in reason
    assert "  row 3 column high value '90': high 90.0 < low 99.0 (rule ohlc_impossible)" in reason
    assert "counts by rule: ohlc_impossible 3" in reason


def test_sensor_given_file_unlike_stored_series_rejects_it_without_a_run(ticks, harness,
                                                                         tmp_path):
    ticks.folder.mkdir()
    days = [f"2024-01-{d:02d}" for d in (2, 3, 4, 5, 8, 9, 10, 11)]
    base = tmp_path / "coffee_2024_01.csv"
    base.write_text("date,open,high,low,close,volume\n" + "".join(
        f"{day},100,106,99,{102 + n},1000\n" for n, day in enumerate(days)))
    assert harness.run(january("coffee"), files=[base]).success
    before = harness.checksum()
    # The same eight days, every price 10 % higher: a deferred contract, not the front month.
    ticks.drop("coffee_2024_02.csv", "date,open,high,low,close,volume\n" + "".join(
        f"{day},110,116.6,108.9,{(102 + n) * 1.1:.4f},1000\n" for n, day in enumerate(days)))
    result = ticks.evaluate()
    assert result.run_requests == []
    reason = (ticks.folder / "rejected" / "coffee_2024_02.csv.reason.txt").read_text()
    assert "rule: level_mismatch" in reason and "1.1x the stored ones" in reason
    assert harness.checksum() == before
    assert harness.query("select rule from market.quarantine where file = "
                         "'coffee_2024_02.csv'") == [("level_mismatch",)]


def test_sensor_given_other_files_rejects_unsupported_and_lets_partial_uploads_wait(ticks):
    ticks.folder.mkdir()
    ticks.drop("prices.xlsx", b"PK\x03\x04")
    ticks.drop("coffee_2024_01.csv.part")
    result = ticks.tick()
    assert (ticks.folder / "rejected" / "prices.xlsx").exists()
    assert "unsupported_format" in (ticks.folder / "rejected" / "prices.xlsx.reason.txt"
                                    ).read_text()
    assert (ticks.folder / "coffee_2024_01.csv.part").exists()
    assert "1 waiting" in (result.skip_reason.skip_message if isinstance(result, dg.SensorResult)
                           else result.skip_message)


def test_sensor_given_busy_warehouse_lets_accepted_files_wait_for_next_tick(ticks, monkeypatch):
    ticks.folder.mkdir()
    ticks.drop("coffee_2024_01.csv")

    def busy(self):
        raise duckdb.IOException("Could not set lock on file")

    monkeypatch.setattr(Warehouse, "latest_market_dates", busy)
    result = ticks.evaluate()
    assert result.run_requests == [] and "coffee_2024_01.csv" not in (result.cursor or "")
    monkeypatch.undo()
    [request] = ticks.evaluate(result.cursor).run_requests
    assert request.tags[FILE_TAG] == "coffee_2024_01.csv"
