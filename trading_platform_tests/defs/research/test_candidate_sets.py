"""candidate_sets end to end on a stored synthetic continuous series: candidate bars, replays and
trade logs stored (warehouse and JSONL), parity green and idempotent; a defective screen fails the
blocking check; a strategy that raises stops with its name, the bar and the traceback."""

import datetime as dt

import dagster as dg
import polars as pl
import pytest

from trading_platform.config.user_strategies import UserStrategies
from trading_platform.defs.market.futures_prices import contract_prices, futures_series
from trading_platform.defs.partitions import PartitionSlice
from trading_platform.defs.research import candidate_sets as module
from trading_platform.defs.research.candidate_sets import candidate_sets
from trading_platform.domain.replay.examples import MovingAverageCrossUser
from trading_platform.resources.reports import ReportFolder
from trading_platform.resources.warehouse import Warehouse
from trading_platform_tests.defs.conftest import Harness, production_like_instance


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    root = tmp_path_factory.mktemp("candidates")
    with production_like_instance(root / "dagster_home") as instance:
        market = Harness(root / "warehouse.duckdb", instance)
        assert market.run(PartitionSlice(("sugar",), dt.date(2020, 1, 2),
                                         dt.date(2023, 12, 29))).success
        resources = {"warehouse": Warehouse(database=market.database),
                     "reports": ReportFolder(root=str(root / "reports"))}
        assert dg.materialize([contract_prices, futures_series], partition_key="sugar",
                              instance=instance, resources=resources).success
        yield root, instance, resources, market


def _run(chain):
    _, instance, resources, _ = chain
    return dg.materialize([candidate_sets], partition_key="sugar", instance=instance,
                          resources=resources, raise_on_error=False)


def test_candidate_sets_given_the_shipped_strategies_stores_sets_replays_and_passes(chain):
    root, _, _, market = chain
    result = _run(chain)
    assert result.success
    [check] = result.get_asset_check_evaluations()
    assert check.check_name == "focused_replay_matches_full" and check.passed
    counts = market.query("select strategy, mode, count(*) from research.replay_runs "
                          "where commodity = 'sugar' group by all order by all")
    assert counts == [("fusion", "focused", 4), ("fusion", "full", 1),
                      ("ma_cross_user", "focused", 1), ("ma_cross_user", "full", 1)]
    stored = market.query("select count(*) from research.replay_trades")
    logs = sorted(p.name for p in (root / "reports" / "replays" / "sugar").glob("*.jsonl"))
    assert "fusion-spec-full.jsonl" in logs and "fusion-threshold=0.4-focused.jsonl" in logs
    full_log = pl.read_ndjson(root / "reports" / "replays" / "sugar" / "fusion-spec-full.jsonl")
    assert full_log.columns[:4] == ["bar", "timestamp", "contract", "side"]
    assert (root / "reports" / "replays" / "sugar" / "fusion.png").stat().st_size > 0
    # a rerun replaces its rows, never appends
    assert _run(chain).success
    assert market.query("select count(*) from research.replay_trades") == stored


class DropsShortEntries(MovingAverageCrossUser):
    def screen(self, columns):
        return super().screen(columns).filter(pl.col("side") == "buy")


class RaisesOnBar(MovingAverageCrossUser):
    def on_bar(self, ctx):
        if ctx.bar == 300:
            raise ArithmeticError("planted")
        super().on_bar(ctx)


def _only(code: str) -> UserStrategies:
    return UserStrategies.model_validate({"strategies": {"planted": {
        "code": f"{__name__}:{code}", "params": {"fast": 10, "slow": 50}}}})


def test_candidate_sets_given_a_screen_missing_short_entries_fails_the_blocking_check(
        chain, monkeypatch):
    monkeypatch.setattr(module, "USER_STRATEGIES", _only("DropsShortEntries"))
    result = _run(chain)
    [check] = result.get_asset_check_evaluations()
    assert not check.passed and not result.success
    assert check.metadata["failed"].value == ["planted"]


def test_candidate_sets_given_a_strategy_that_raises_names_it_and_logs_the_traceback(
        chain, monkeypatch):
    monkeypatch.setattr(module, "USER_STRATEGIES", _only("RaisesOnBar"))
    result = _run(chain)
    assert not result.success
    message = result.get_step_failure_events()[0].event_specific_data.error.message
    assert "planted v1" in message and "ArithmeticError in on_bar at bar 300" in message
    logged = [entry.user_message for entry in chain[1].all_logs(result.run_id)]
    assert any("Traceback" in m and 'raise ArithmeticError("planted")' in m for m in logged)
