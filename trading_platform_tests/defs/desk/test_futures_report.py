"""daily_report after the futures desk's paper days: report.html carries the futures section,
monitoring.json's ``futures_book`` carries exactly the stored rows of trading.futures_desk,
trading.futures_positions and the book's verdicts, and a day the desk has not run says which
asset to materialize."""

import datetime as dt
import json
from pathlib import Path

import dagster as dg
import pytest

from trading_platform.defs.desk.daily_report import daily_report
from trading_platform.defs.desk.futures_go_no_go import futures_go_no_go
from trading_platform.defs.desk.futures_orders import CHECKS, futures_orders
from trading_platform_tests.defs.desk.test_futures_orders import DAYS
from trading_platform_tests.defs.desk.test_futures_orders import desk as desk  # its fixture

pytestmark = pytest.mark.slow


def _report(desk, day: dt.date) -> tuple[dg.ExecuteInProcessResult, Path]:
    result = desk.materialize([daily_report], day.isoformat())
    return result, Path(desk.resources["reports"].root) / str(day)


def _metadata(result: dg.ExecuteInProcessResult) -> dict[str, object]:
    (event,) = result.get_asset_materialization_events()
    return {k: v.value for k, v in event.materialization.metadata.items()}


def test_daily_report_given_futures_desk_days_carries_the_stored_figures(desk):
    for day in DAYS[:3]:
        assert desk.materialize([futures_orders], day.isoformat()).success, day
    assert desk.materialize([futures_go_no_go], DAYS[2].isoformat()).success
    result, folder = _report(desk, DAYS[2])
    assert result.success
    page = (folder / "report.html").read_text()
    assert "<section id='futures-desk'>" in page and "Risk utilisation" in page
    assert "href='futures/trades.csv'" in page and (folder / "futures" / "trades.csv").exists()
    document = json.loads((folder / "monitoring.json").read_text())["futures_book"]
    assert document["recorded"] and document["day"] == str(DAYS[2])
    status, stage, equity, pnl, costs, orders = desk.query(
        f"select status, stage, equity, pnl, costs, orders from trading.futures_desk where "
        f"date = '{DAYS[2]}'")[0]
    book = document["book"]
    assert (book["status"], book["stage"], book["value"], book["day_pnl"], book["day_costs"],
            book["orders"]) == (status, stage, equity, pnl, costs, orders)
    assert book["reconciles"] and book["days"] == 3
    stored = desk.query(f"select commodity, held, weight_before, weight_after, plan_weight, "
                        f"pnl from trading.futures_positions where date = '{DAYS[2]}' "
                        f"order by commodity")
    assert [(p["commodity"], p["contracts_held"], p["weight_before"], p["weight_after"],
             p["champion_weight"], p["day_pnl"]) for p in document["positions"]] == stored
    verdicts = dict(desk.query(f"select \"check\", passed from trading.validations where "
                               f"commodity = 'futures_book' and date = '{DAYS[2]}'"))
    assert {v["name"]: v["passed"] for v in document["verdicts"]} == verdicts
    assert set(verdicts) == set(CHECKS)
    metadata = _metadata(result)
    assert (metadata["futures_status"], metadata["futures_value"], metadata["futures_orders"],
            metadata["futures_stage"]) == (status, equity, orders, stage)
    # the go/no-go of the day, as stored, with the link to its report
    assert document["go_no_go"]["decision"] == metadata["futures_go_no_go"] == "PENDING"
    assert document["go_no_go"]["paper_days"] == 3
    assert "href='futures/go_no_go.md'" in page and (folder / "futures" / "go_no_go.md").exists()


def test_daily_report_given_a_day_the_desk_has_not_run_names_futures_orders(desk):
    result, folder = _report(desk, DAYS[4])
    assert result.success
    document = json.loads((folder / "monitoring.json").read_text())["futures_book"]
    assert not document["recorded"]
    assert f"materialize futures_orders for {DAYS[4]}" in document["message"]
    assert f"materialize futures_orders for {DAYS[4]}" in (folder / "report.html").read_text()
    assert _metadata(result)["futures_status"] == "NOT RECORDED"


def test_daily_report_given_its_deps_reads_the_futures_desk_of_the_same_day():
    deps = daily_report.asset_deps[dg.AssetKey("daily_report")]
    assert dg.AssetKey("futures_go_no_go") in deps  # which reads futures_orders of the day
    mapping = daily_report.get_partition_mapping(dg.AssetKey("futures_go_no_go"))
    assert isinstance(mapping, dg.IdentityPartitionMapping)
