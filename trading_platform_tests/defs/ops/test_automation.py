"""The chains run in dependency order by automation conditions, never by the clock alone.

Each test replays a day or a week against a test instance: upstream materializations are
reported, the conditions are evaluated at set times (New York), and the requested partitions
are asserted, including what must NOT run (a new champion never re-trades a traded day; a
partial week never picks a champion; starting the daemon launches no research).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from trading_platform.definitions import build_definitions
from trading_platform.defs.universe import UNIVERSE, ZOO

NEW_YORK = ZoneInfo("America/New_York")
DAILY = ["champion_forecast", "trade_recommendations", "daily_report"]
WEEKLY = ["forecasts", "backtest_results", "backtest_comparison", "model_candidates",
          "champion_model"]


class Replay:
    """Report materializations and evaluate the automation conditions of ``keys``, in order."""

    def __init__(self, defs: dg.Definitions, instance: dg.DagsterInstance, keys: list[str]):
        self.defs, self.instance, self.keys, self.cursor = defs, instance, keys, None

    def done(self, key: str, *partitions: str | None) -> None:
        for partition in partitions:
            self.instance.report_runless_asset_event(
                dg.AssetMaterialization(asset_key=key, partition=partition))

    def at(self, *when: int) -> dict[str, set[str]]:
        """The partitions requested at ``when`` (year, month, day, hour, minute in New York)."""
        result = dg.evaluate_automation_conditions(
            defs=self.defs, instance=self.instance, cursor=self.cursor,
            asset_selection=dg.AssetSelection.assets(*self.keys),
            evaluation_time=dt.datetime(*when, tzinfo=NEW_YORK))
        self.cursor = result.cursor
        requested = {key: set(result.get_requested_partitions(dg.AssetKey(key)))
                     for key in self.keys}
        return {key: found for key, found in requested.items() if found}


@pytest.fixture
def replay(tmp_path):
    defs = build_definitions(data_dir=str(tmp_path))
    with dg.instance_for_test() as instance:
        yield lambda keys: Replay(defs, instance, keys)


def test_daily_chain_given_the_close_runs_in_order_past_the_utc_day_boundary(replay):
    day = replay(DAILY)
    day.done("champion_model", "coffee")
    assert day.at(2024, 11, 19, 18, 0) == {}  # first evaluation: nothing has changed
    day.done("market_data", "coffee|2024-11-19")
    day.done("features", "coffee|2024-11-19")
    assert day.at(2024, 11, 19, 18, 40) == {"champion_forecast": {"coffee|2024-11-19"}}
    day.done("champion_forecast", "coffee|2024-11-19")
    # 19:05 New York is 00:05 UTC on the 20th: the 19th is no longer the latest partition.
    assert day.at(2024, 11, 19, 19, 5) == {"trade_recommendations": {"coffee|2024-11-19"}}
    day.done("trade_recommendations", "coffee|2024-11-19")
    assert day.at(2024, 11, 19, 19, 10) == {"daily_report": {"2024-11-19"}}
    day.done("daily_report", "2024-11-19")
    assert day.at(2024, 11, 19, 19, 15) == {}  # settled: nothing runs twice


def test_daily_chain_given_a_new_champion_does_not_retrade_the_day(replay):
    day = replay(DAILY)
    day.done("champion_model", "coffee")
    assert day.at(2024, 11, 22, 17, 0) == {}
    for key in ("market_data", "features", "champion_forecast", "trade_recommendations"):
        day.done(key, "coffee|2024-11-22")
    day.done("daily_report", "2024-11-22")
    assert day.at(2024, 11, 22, 20, 0) == {}
    day.done("champion_model", "coffee")  # Sunday's selection registers a new champion
    assert day.at(2024, 11, 24, 7, 0) == {}


def test_weekly_chain_given_the_tick_runs_each_step_after_all_its_inputs(replay):
    week = replay(WEEKLY)
    assert week.at(2024, 11, 23, 1, 0) == {}  # starting the daemon launches no research
    requested = week.at(2024, 11, 23, 2, 5)
    assert requested == {"forecasts": {f"{c}|{m}" for c in UNIVERSE.commodity_keys
                                       for m in ZOO.keys}}
    week.done("forecasts", "coffee|naive_rw")
    assert week.at(2024, 11, 23, 2, 30) == {"backtest_results": {"coffee|naive_rw"}}
    week.done("backtest_results", *[f"coffee|{m}" for m in ZOO.keys if m != "xgboost"])
    assert week.at(2024, 11, 23, 3, 0) == {}  # one coffee backtest missing: no selection yet
    week.done("backtest_results", "coffee|xgboost")
    # Candidates and champion share their partitions: one run, the champion after the
    # candidates (and behind their blocking check).
    assert week.at(2024, 11, 23, 3, 30) == {"model_candidates": {"coffee"},
                                            "champion_model": {"coffee"}}
    week.done("model_candidates", "coffee")
    week.done("champion_model", "coffee")
    assert week.at(2024, 11, 23, 4, 30) == {}
    assert week.at(2024, 11, 25, 19, 0) == {}  # weekday market updates start no research
