"""The one Definitions object loads, and wires what the UI and the CLI rely on."""

import dagster as dg

from trading_platform.definitions import build_definitions, defs
from trading_platform.defs.market import market_data


def test_definitions_given_default_environment_are_loadable():
    dg.Definitions.validate_loadable(defs)


def test_definitions_given_market_group_exposes_assets_checks_and_backfill_job(tmp_path):
    built = build_definitions(database=str(tmp_path / "w.duckdb"))
    graph = built.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys == {"market_data", "features"}
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
