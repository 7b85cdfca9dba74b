"""The one Definitions object loads, and wires what the UI and the CLI rely on."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from trading_platform.definitions import build_definitions, platform_definitions
from trading_platform.defs.market.market_data import market_data
from trading_platform.defs.research.backtests import backtest_results
from trading_platform.defs.research.forecasts import forecasts
from trading_platform.defs.universe import UNIVERSE

REPO = Path(__file__).resolve().parents[1]


def test_definitions_given_default_environment_are_loadable():
    dg.Definitions.validate_loadable(platform_definitions())


def test_definitions_given_research_group_exposes_forecasts_by_commodity_and_model(tmp_path):
    built = build_definitions(data_dir=str(tmp_path))
    node = built.resolve_asset_graph().get(dg.AssetKey("forecasts"))
    assert node.group_name == "research"
    assert node.pools == {"model_training"}  # one model fit at a time per instance
    assert node.partitions_def.get_partition_keys()[:2] == ["cocoa|ensemble", "cocoa|lightgbm"]
    assert len(node.partitions_def.get_partition_keys()) == 6 * 10  # commodities x zoo
    assert {spec.name for spec in forecasts.check_specs if spec.blocking} == {
        "forecasts_shape_and_finite", "forecasts_fit_before_forecast_day",
        "synthetic_accuracy_matches_nominal", "forecasts_match_truncated_recompute"}
    assert built.resolve_job_def("research_forecasts") is not None
    resources = built.resources
    assert resources["forecast_store"].root == str(tmp_path.resolve() / "forecasts")
    assert resources["tracker"].root == str(tmp_path.resolve() / "mlflow")
    assert resources["reports"].root == str(tmp_path.resolve() / "reports")


def test_definitions_given_backtests_are_commodity_x_model_with_blocking_checks(tmp_path):
    built = build_definitions(data_dir=str(tmp_path))
    graph = built.resolve_asset_graph()
    node = graph.get(dg.AssetKey("backtest_results"))
    assert node.group_name == "research" and node.pools == {"duckdb_write"}
    assert len(node.partitions_def.get_partition_keys()) == 5 * 10  # crude has no harvest
    assert {spec.name for spec in backtest_results.check_specs if spec.blocking} == {
        "inventory_accounting_holds", "every_strategy_has_finite_metrics",
        "kernel_matches_reference"}
    assert graph.get(dg.AssetKey("backtest_comparison")).partitions_def is None
    assert built.resolve_job_def("research_backtests") is not None
    assert built.resolve_job_def("research_comparison") is not None
    for key in ("contract_prices", "futures_series", "futures_backtests", "candidate_sets"):
        node = graph.get(dg.AssetKey(key))  # every commodity with a contract, crude included
        assert node.partitions_def.get_partition_keys() == UNIVERSE.commodity_keys
    blocking = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys
                if graph.get_check_spec(c).blocking}
    assert {("portfolio_backtests", name) for name in (
        "engine_matches_twin", "futures_accounting_holds", "weights_within_bounds",
        "no_position_change_without_data")} <= blocking
    assert ("candidate_sets", "focused_replay_matches_full") in blocking
    assert {("strategy_experiments", "chosen_run_replays_identically"),
            ("promoted_strategies", "overfitting_gate_passed")} <= blocking
    assert graph.get(dg.AssetKey("strategy_experiments")).partitions_def \
        .get_partition_keys() == ["fusion_thresholds"]
    assert built.resolve_job_def("research_futures") is not None
    assert built.resolve_job_def("research_portfolio") is not None


def test_definitions_given_market_group_exposes_assets_checks_and_backfill_job(tmp_path):
    built = build_definitions(data_dir=str(tmp_path))
    graph = built.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys == {"market_data", "features", "forecasts", "backtest_results",
                    "backtest_comparison", "model_candidates", "champion_model",
                    "contract_prices", "futures_series", "futures_backtests",
                    "candidate_sets", "strategy_experiments", "promoted_strategies",
                    "portfolio_backtests", "trading_book_champion",
                    "champion_forecast", "trade_recommendations", "daily_report", "futures_orders",
                    "futures_go_no_go"}
    assert graph.get(dg.AssetKey("trade_recommendations")).group_name == "trading"
    trading_checks = {c.name for c in graph.asset_check_keys
                      if c.asset_key.to_user_string() == "trade_recommendations"}
    assert {"sale_within_inventory", "market_data_fresh", "drawdown_within_limit",
            "trading_not_halted", "backtest_live_parity"} <= trading_checks
    for job in ("research_selection", "daily_trading", "daily_reporting", "daily_contracts",
                "daily_futures"):
        assert built.resolve_job_def(job) is not None
    for key in ("market_data", "features"):
        node = graph.get(dg.AssetKey(key))
        assert node.group_name == "market"
        assert node.partitions_def is not None
        assert node.backfill_policy == dg.BackfillPolicy.single_run()
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    assert ("features", "features_have_no_lookahead") in checks
    assert ("market_data", "ohlc_consistent") in checks
    blocking = {spec.name for spec in market_data.check_specs if spec.blocking}
    assert {"schema_valid", "no_duplicate_dates", "prices_legal", "ohlc_consistent",
            "volume_valid"} <= blocking
    assert built.resolve_job_def("market_history") is not None


def test_definitions_given_every_asset_have_description_kinds_and_owner(tmp_path):
    graph = build_definitions(data_dir=str(tmp_path)).resolve_asset_graph()
    missing = []
    for key in sorted(graph.get_all_asset_keys()):
        node = graph.get(key)
        for what, value in (("description", node.description), ("kinds", node.kinds),
                            ("owners", node.owners)):
            if not value:
                missing.append(f"{key.to_user_string()}: no {what}")
    assert missing == []


def test_definitions_given_groups_match_the_warehouse_schemas(tmp_path):
    graph = build_definitions(data_dir=str(tmp_path)).resolve_asset_graph()
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups == {"market", "research", "trading"}


@pytest.mark.slow
def test_dg_check_defs_given_the_project_passes(tmp_path):
    # `dg check defs` loads the project as `dg dev` would (pyproject [tool.dg]).
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "VIRTUAL_ENV": str(Path(sys.prefix)),
           "TRADING_PLATFORM_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([str(Path(sys.executable).with_name("dg")), "check", "defs"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "All definitions loaded successfully." in done.stdout + done.stderr
