"""The one Definitions object loads, and wires what the UI and the CLI rely on."""

import dagster as dg

from trading_platform.definitions import build_definitions, defs
from trading_platform.defs.backtests import backtest_results
from trading_platform.defs.forecasts import forecasts
from trading_platform.defs.market import market_data


def test_definitions_given_default_environment_are_loadable():
    dg.Definitions.validate_loadable(defs)


def test_definitions_given_research_group_exposes_forecasts_by_commodity_and_model(tmp_path):
    built = build_definitions(data_dir=str(tmp_path))
    node = built.resolve_asset_graph().get(dg.AssetKey("forecasts"))
    assert node.group_name == "research"
    assert node.pools == {"model_training"}  # one model fit at a time per instance
    assert node.partitions_def.get_partition_keys()[:2] == ["cocoa|ensemble", "cocoa|lightgbm"]
    assert len(node.partitions_def.get_partition_keys()) == 6 * 10  # commodities x zoo
    assert {spec.name for spec in forecasts.check_specs if spec.blocking} == {
        "forecasts_shape_and_finite", "forecasts_fit_before_forecast_day",
        "synthetic_accuracy_matches_nominal"}
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


def test_definitions_given_market_group_exposes_assets_checks_and_backfill_job(tmp_path):
    built = build_definitions(data_dir=str(tmp_path))
    graph = built.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys == {"market_data", "features", "forecasts", "backtest_results",
                    "backtest_comparison", "model_candidates", "champion_model",
                    "trade_recommendations", "daily_report"}
    assert graph.get(dg.AssetKey("trade_recommendations")).group_name == "trading"
    trading_checks = {c.name for c in graph.asset_check_keys
                      if c.asset_key.to_user_string() == "trade_recommendations"}
    assert {"sale_within_inventory", "market_data_fresh", "drawdown_within_limit",
            "trading_not_halted", "backtest_live_parity"} <= trading_checks
    for job in ("research_selection", "daily_trading", "daily_reporting"):
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
