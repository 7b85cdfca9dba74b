"""The Dagster UI in a real browser: what a person checks after `make demo` and `make ui`.

One `dagster dev` serves the whole module (fixtures in conftest.py) over an instance holding one
year of the demo universe (6 commodities x 261 weekdays = 1,566 partitions of each asset).
Assertions are on visible text, with Playwright's auto-waiting `expect`. The launch test runs
last: it re-materializes one partition, which changes the latest check results.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import time

import pytest

from trading_platform.config import Universe
from trading_platform.defs.market.market_data import MARKET_CHECK_SPECS
from trading_platform_tests.e2e.conftest import DagsterUI

with contextlib.suppress(ImportError):  # without playwright the `browser` fixture fails
    from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.slow

ASSET = "market_data"
DEMO_START = dt.date(2025, 11, 21)  # `demo --years 1 --as-of 2026-11-21`: the year before as-of
DEMO_END = dt.date(2026, 11, 20)
LAUNCH_COMMODITY = "coffee"
LAUNCH_DATE = "2026-11-18"
LAUNCH_KEY = f"{LAUNCH_COMMODITY}|{LAUNCH_DATE}"
RUN_TIMEOUT_S = 120
UI_STATUS = {"SUCCEEDED": "Succeeded", "FAILED": "Failed"}

ASSET_QUERY = """
query Asset($path: [String!]!) {
  assetNodeOrError(assetKey: {path: $path}) {
    ... on AssetNode {
      groupName
      partitionStats { numMaterialized numPartitions numFailed }
      assetChecksOrError {
        ... on AssetChecks {
          checks {
            name
            blocking
            executionForLatestMaterialization { runId status evaluation { success description } }
          }
        }
      }
    }
  }
}
"""
RUNS_QUERY = """
query Runs($partition: String!) {
  runsOrError(filter: {tags: [{key: "dagster/partition", value: $partition}]}) {
    ... on Runs { results { runId status } }
  }
}
"""


def weekdays(start: dt.date, end: dt.date) -> int:
    return sum((start + dt.timedelta(days=i)).weekday() < 5 for i in range((end - start).days + 1))


def demo_run_id(ui: DagsterUI) -> str:
    match = re.search(r"^run ([0-9a-f-]{36}) succeeded", ui.demo_output, re.MULTILINE)
    assert match, f"the demo printed no successful run:\n{ui.demo_output}"
    return match.group(1)


def asset_node(ui: DagsterUI) -> dict:
    node = ui.graphql(ASSET_QUERY, {"path": [ASSET]})["assetNodeOrError"]
    assert node.get("partitionStats"), f"no partitioned asset {ASSET} in GraphQL: {node}"
    return node


def visible(page: Page, text: str) -> Locator:
    """The first visible element whose whole text is ``text`` (Dagster also renders hidden
    copies of names to measure them for truncation)."""
    return page.get_by_text(text, exact=True).filter(visible=True).first


def partition_key_in_list(page: Page, dimension: str, key: str, narrow: bool = False) -> Locator:
    """``key`` in the Partitions tab's list of ``dimension`` keys (a date also labels the end of
    the timeline above the lists). ``narrow`` types the key into the list's filter box first:
    the list is virtualized, so an old date is not on the page until filtered for."""
    if narrow:
        page.get_by_placeholder(f"Filter by {dimension}…").fill(key)
    key_text = page.get_by_text(key, exact=True)
    column = (page.locator("div").filter(has=page.get_by_placeholder(f"Filter by {dimension}…"))
              .filter(has=key_text).last)
    return column.get_by_text(key, exact=True).filter(visible=True).first


def test_catalog_and_lineage_show_assets_and_group(ui_page: Page, dagster_ui: DagsterUI):
    page = ui_page
    page.goto("/assets")
    group_link = page.get_by_role("link", name=re.compile(r"\bmarket$"))
    for name in (ASSET, "features"):
        asset_link = page.get_by_role("link", name=re.compile(rf"^{name}\b"))
        expect(asset_link, f"the catalog lists {name}").to_be_visible()
        # The innermost block holding both links is the asset's row in the catalog table.
        row = page.locator("div").filter(has=asset_link).filter(has=group_link).last
        expect(row, f"{name}'s catalog row names the group 'market'").to_be_visible()
        expect(row, f"{name}'s catalog row counts the demo's partitions").to_contain_text(
            "1,566"
        )

    page.goto("/locations/trading_platform/asset-groups/market/lineage")
    expect(visible(page, "market"), "the group page is titled 'market'").to_be_visible()
    expect(page.get_by_text("Asset Group in")).to_be_visible()
    for name in (ASSET, "features"):
        expect(visible(page, name), f"the group's graph shows the node {name}").to_be_visible()
    expect(page.get_by_text("Asset checks").first).to_be_visible()


def test_partitions_tab_shows_counts_and_commodities(
    ui_page: Page, dagster_ui: DagsterUI, universe: Universe
):
    expected = len(universe.commodity_keys) * weekdays(DEMO_START, DEMO_END)
    assert f"x {DEMO_START}..{DEMO_END}" in dagster_ui.demo_output, dagster_ui.demo_output
    assert f"{ASSET}: {expected} partitions materialized by this run" in dagster_ui.demo_output
    stats = asset_node(dagster_ui)["partitionStats"]
    assert stats["numMaterialized"] == expected, stats
    total = stats["numPartitions"]

    page = ui_page
    page.goto(f"/assets/{ASSET}?view=partitions")
    for text in (f"Materialized ({expected})", f"Missing ({total - expected})", "Failed (0)",
                 f"{total:,} Partitions Selected"):
        expect(page.get_by_text(text), f"the Partitions tab shows '{text}'").to_be_visible()
    for commodity in universe.commodity_keys:
        expect(partition_key_in_list(page, "commodity", commodity),
               f"commodity key {commodity} is listed").to_be_visible()

    # One partition of the demo: its panel names the demo's run.
    partition_key_in_list(page, "commodity", LAUNCH_COMMODITY).click()
    partition_key_in_list(page, "date", DEMO_END.isoformat(), narrow=True).click()
    key = f"{LAUNCH_COMMODITY}|{DEMO_END}"
    expect(visible(page, key), f"the panel of partition {key} opens").to_be_visible()
    expect(visible(page, "Materialized")).to_be_visible()
    expect(page.get_by_role("link", name=demo_run_id(dagster_ui)[:8])).to_be_visible()


def check_item(page: Page, name: str) -> Locator:
    """The entry of check ``name`` in the Checks tab's list: its name and its status."""
    return visible(page, name).locator(
        "xpath=ancestor::*[contains(., 'Succeeded') or contains(., 'Failed')][1]"
    )


def test_checks_tab_lists_checks_with_status(ui_page: Page, dagster_ui: DagsterUI):
    checks = {c["name"]: c for c in asset_node(dagster_ui)["assetChecksOrError"]["checks"]}
    declared = {spec.name: spec.blocking for spec in MARKET_CHECK_SPECS}
    assert {n: c["blocking"] for n, c in checks.items()} == declared
    demo_run = demo_run_id(dagster_ui)
    for name, check in checks.items():
        execution = check["executionForLatestMaterialization"]
        assert execution, f"check {name} has no execution"
        if execution["runId"] == demo_run:  # the instance agrees with the demo's summary
            printed = re.search(rf"check {ASSET}\.{name}: (passed|FAILED)", dagster_ui.demo_output)
            assert printed, f"the demo printed no result for {name}"
            assert (printed.group(1) == "passed") == execution["evaluation"]["success"], name

    page = ui_page
    page.goto(f"/assets/{ASSET}?view=checks")
    expect(page.get_by_text(f"Checks ({len(declared)})")).to_be_visible()
    for name, check in sorted(checks.items()):
        status = UI_STATUS[check["executionForLatestMaterialization"]["status"]]
        other = next(s for s in UI_STATUS.values() if s != status)
        item = check_item(page, name)
        expect(item, f"check {name} shows '{status}'").to_contain_text(status)
        expect(item, f"check {name} does not show '{other}'").not_to_contain_text(other)
        if declared[name]:
            assert status == "Succeeded", f"blocking check {name} failed on the demo data"

    # A person opens a blocking and an advisory check and reads its latest evaluation.
    for name in ("ohlc_consistent", "no_spikes"):
        check_item(page, name).click()
        detail = (page.locator("div")
                  .filter(has=page.get_by_role("button", name=re.compile(r"(^|\s)Execute$")))
                  .filter(has=page.get_by_text("Evaluation result", exact=True)).last)
        expect(detail, f"the detail pane of {name} opens").to_contain_text(name)
        blocking = "blocking" if declared[name] else "non-blocking"
        expect(detail.get_by_text(f"This is a {blocking} asset check."),
               f"{name}'s detail says it is {blocking}").to_be_visible()
        evaluation = checks[name]["executionForLatestMaterialization"]["evaluation"]
        verdict = "Passed" if evaluation["success"] else "Failed"
        expect(detail.get_by_text(verdict, exact=True),
               f"{name}'s latest evaluation reads {verdict}").to_be_visible()
        expect(detail.get_by_text(evaluation["description"]).first,
               f"{name}'s detail shows its evidence summary").to_be_visible()


def partition_panel(page: Page, runs_before: int, run_id: str) -> None:
    """Open the panel of LAUNCH_KEY; expect its event count and the run of its latest event."""
    page.goto(f"/assets/{ASSET}?view=partitions&partition={LAUNCH_KEY.replace('|', '%7C')}")
    expect(visible(page, LAUNCH_KEY)).to_be_visible()
    expect(page.get_by_text(f"View all historical events ({runs_before})"),
           f"partition {LAUNCH_KEY} has {runs_before} materialization(s)").to_be_visible()
    expect(page.get_by_role("link", name=run_id[:8]),
           f"the latest materialization of {LAUNCH_KEY} comes from run {run_id[:8]}"
           ).to_be_visible()


def wait_for_run(ui: DagsterUI, run_id_prefix: str) -> dict:
    """Poll GraphQL until the run launched from the UI ends; return it."""
    deadline = time.monotonic() + RUN_TIMEOUT_S
    run: dict = {}
    while time.monotonic() < deadline:
        runs = ui.graphql(RUNS_QUERY, {"partition": LAUNCH_KEY})["runsOrError"]["results"]
        run = next((r for r in runs if r["runId"].startswith(run_id_prefix)), {})
        if run.get("status") in {"SUCCESS", "FAILURE", "CANCELED"}:
            return run
        time.sleep(1.0)
    pytest.fail(f"run {run_id_prefix} did not finish in {RUN_TIMEOUT_S} s: {run}\n{ui.log_tail()}")


def test_launch_one_partition_from_the_ui(ui_page: Page, dagster_ui: DagsterUI):
    page = ui_page
    partition_panel(page, runs_before=1, run_id=demo_run_id(dagster_ui))

    # A person opens the asset, clicks Materialize and picks one commodity and one date.
    page.goto(f"/assets/{ASSET}?view=partitions")
    page.get_by_role("button", name=re.compile(r"Materialize…$")).click()
    dialog = page.get_by_role("dialog").filter(has_text=f"Launch runs to materialize {ASSET}")
    expect(dialog.get_by_text("0 partitions")).to_be_visible()
    commodity_picker = dialog.get_by_text("Select a partition or create one")
    expect(commodity_picker).to_have_count(1)
    commodity_picker.click()
    menu = page.get_by_role("dialog").filter(has_text=re.compile(r"Select all \(\d+\)"))
    menu = menu.filter(has_not_text="Launch runs")
    menu.get_by_title(LAUNCH_COMMODITY, exact=True).click()
    dialog.get_by_text(f"Launch runs to materialize {ASSET}").click()  # closes the menu
    dates = dialog.get_by_placeholder(re.compile(r"^ex: \d{4}-\d{2}-\d{2}"))
    dates.fill(LAUNCH_DATE)
    dates.press("Enter")
    expect(dialog.get_by_text("1 partition", exact=True),
           "exactly one partition is selected").to_be_visible()
    launch = dialog.get_by_role("button", name="Launch 1 run")
    expect(launch).to_be_enabled()
    launch.click()

    toast = page.get_by_text(re.compile(r"^Launched run [0-9a-f]{8}$"))
    expect(toast, "Dagster confirms the launch").to_be_visible()
    prefix = (toast.text_content() or "").split()[-1]
    run = wait_for_run(dagster_ui, prefix)
    assert run["status"] == "SUCCESS", f"run {run['runId']} ended {run['status']}"

    page.goto(f"/runs/{run['runId']}")
    expect(visible(page, "Success"), "the run page shows Success").to_be_visible()
    expect(page.get_by_text(f"partition: {LAUNCH_KEY}")).to_be_visible()
    partition_panel(page, runs_before=2, run_id=run["runId"])
