"""The market commands as an operator runs them: one paragraph per failure, exit codes, the
source mix, the recorded replacement of synthetic rows and the demo refused over real data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from dagster._core.event_api import EventRecordsFilter
from dagster._core.events import DagsterEventType

from trading_platform.defs.partitions import PartitionSlice
from trading_platform_tests.defs.conftest import Harness, january, production_like_instance

pytestmark = pytest.mark.slow  # every case starts the CLI in its own process
REPO = Path(__file__).resolve().parents[2]
COFFEE = "date,open,high,low,close,volume\n" + "".join(
    f"2024-01-{d:02d},150,152,149,{150 + d / 10:.1f},900\n" for d in (2, 3, 4, 5, 8, 9, 10))


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    home = data / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "TRADING_PLATFORM_DATA_DIR": str(data), "DAGSTER_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "trading_platform.cli", *args], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=300)


def _rows(data: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(data / "warehouse.duckdb")) as connection:
        return connection.execute(sql).fetchall()


def test_cli_ingest_given_misnamed_file_exits_2_with_one_paragraph_and_records_it(tmp_path):
    data, path = tmp_path / "data", tmp_path / "coffee_robusta.csv"
    path.write_text(COFFEE)
    done = _cli(data, "ingest", str(path), "--as-of", "2024-02-01")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("refused: market data file coffee_robusta.csv: ")
    assert "(rule partial_commodity_match)" in done.stderr
    assert "`ingest --commodity coffee`" in done.stderr
    assert _rows(data, "select file, rule from market.quarantine") == [
        ("coffee_robusta.csv", "partial_commodity_match")]
    debug = _cli(data, "ingest", str(path), "--as-of", "2024-02-01", "--debug")
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_cli_ingest_given_commodity_option_stores_vendor_rows_and_shows_sources(tmp_path):
    data, path = tmp_path / "data", tmp_path / "coffee_robusta.csv"
    path.write_text(COFFEE)
    done = _cli(data, "ingest", str(path), "--commodity", "coffee", "--as-of", "2024-02-01")
    assert done.returncode == 0, done.stderr
    assert _rows(data, "select count(*), min(origin), min(source) from market.market_data") == [
        (7, "vendor", "coffee_robusta.csv")]
    sources = _cli(data, "market", "sources")
    assert sources.stdout.splitlines()[1].split() == ["coffee", "vendor", "7", "2024-01-02",
                                                      "2024-01-10", "1"]
    assert "vendor mode" in _cli(data, "market", "mode").stdout
    demo = _cli(data, "demo", "--years", "1")
    assert demo.returncode == 2 and "is in vendor mode" in demo.stderr
    # The next day's file never arrives: the daily command fails freshness and exits 1.
    daily = _cli(data, "daily", "--date", "2024-01-11", "--market-only")
    assert daily.returncode == 1
    assert "coffee|2024-01-11: succeeded" in daily.stdout and "failed checks: is_fresh" in \
        daily.stdout
    assert _rows(data, "select count(*) from market.market_data where origin = 'synthetic'") \
        == [(0,)]


def test_cli_replace_synthetic_deletes_them_recorded_then_vendor_file_ingests(tmp_path):
    data = tmp_path / "data"
    with production_like_instance(data / "dagster_home") as instance:
        harness = Harness(data / "warehouse.duckdb", instance)
        assert harness.run(january("coffee", "corn")).success  # the demo's synthetic rows
    path = tmp_path / "coffee_2024.csv"
    path.write_text(COFFEE)
    refused = _cli(data, "ingest", str(path), "--as-of", "2024-02-01")
    assert refused.returncode == 2 and "(rule mixed_sources)" in refused.stderr
    done = _cli(data, "market", "replace-synthetic", "--commodity", "coffee", "--by", "ops",
                "--reason", "real prices arrived")
    assert done.returncode == 0 and done.stdout.startswith("deleted 21 synthetic coffee rows")
    assert "20 forecasts and backtest partitions flagged stale" in done.stdout
    with production_like_instance(data / "dagster_home") as instance:
        records = instance.get_event_records(
            EventRecordsFilter(event_type=DagsterEventType.ASSET_CHECK_EVALUATION))
    flagged = {(e.check_name, e.partition) for e in
               (r.event_log_entry.dagster_event.event_specific_data for r in records)
               if not e.passed and e.check_name.endswith("_inputs_current")}
    assert ("forecasts_inputs_current", "coffee|xgboost") in flagged and len(flagged) == 20
    assert _cli(data, "ingest", str(path), "--as-of", "2024-02-01").returncode == 0
    mix = _rows(data, "select commodity, origin, count(*) from market.market_data "
                      "group by all order by all")
    assert mix == [("coffee", "vendor", 7), ("corn", "synthetic", 21)]
    assert _rows(data, 'select commodity, rows, "by", reason from market.source_changes') == [
        ("coffee", 21, "ops", "real prices arrived")]


def test_cli_ingest_given_failing_run_prints_the_step_paragraph_not_a_trace(tmp_path):
    # Two files holding the same coffee days: the run refuses the conflict (cross_file_conflict).
    data = tmp_path / "data"
    first, second = tmp_path / "coffee_2024.csv", tmp_path / "coffee_2024_01.csv"
    first.write_text(COFFEE)
    second.write_text(COFFEE.replace(",900\n", ",901\n"))
    done = _cli(data, "ingest", str(first), str(second), "--as-of", "2024-02-01")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "ingest failed (run " in done.stderr and "cross_file_conflict" in done.stderr
    assert "--debug" in done.stderr
    assert PartitionSlice  # the CLI planned one rectangle for both files
