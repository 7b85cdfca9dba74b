"""backtest_results and backtest_comparison end to end on stored market data and hand-written
prediction stores (no model fitting): tables, charts, checks, reruns and refused inputs."""

import datetime as dt
from pathlib import Path

import dagster as dg
import numpy as np
import pytest

from trading_platform.defs.partitions import PartitionSlice
from trading_platform.defs.research.backtests import backtest_comparison, backtest_results
from trading_platform.resources.experiments import ResearchFolder
from trading_platform.resources.forecast_files import record_checks, write_matrices
from trading_platform.resources.forecast_store import ForecastStore
from trading_platform.resources.reports import ReportFolder
from trading_platform.resources.warehouse import Warehouse
from trading_platform_tests.defs.conftest import Harness, production_like_instance

STRATEGIES = 9
PASSED = {"forecasts_shape_and_finite": {"passed": True, "severity": "ERROR"},
          "forecasts_band_coverage_calibrated": {"passed": False, "severity": "WARN"}}


class BacktestHarness:
    def __init__(self, root: Path, instance: dg.DagsterInstance, market: Harness) -> None:
        self.root, self.instance, self.market = root, instance, market
        self.store = ForecastStore(root=str(root / "forecasts"))
        self.reports = ReportFolder(root=str(root / "reports"))
        closes = market.query("select date, close from market.market_data "
                              "where commodity = 'coffee' order by date")
        self.dates = np.array([d for d, _ in closes], dtype="datetime64[D]")
        self.closes = np.array([c for _, c in closes])

    def write_store(self, model: str, days: slice, checks: dict | None = PASSED,
                    drop: list[int] | None = None) -> None:
        rng = np.random.default_rng(3)
        dates, close = self.dates[days], self.closes[days]
        paths = close[:, None, None] * np.exp(np.cumsum(
            rng.normal(0.0005, 0.02, (dates.size, 40, 14)), axis=2))
        keep = np.setdiff1d(np.arange(dates.size), drop or [])
        folder = self.store.folder("coffee", model)
        write_matrices(folder, dates[keep], paths[keep].astype(np.float32), dates[0],
                       dates[keep] - 1, {"model": model})
        if checks is not None:
            record_checks(folder, checks)

    def materialize(self, asset, key: str | None = None) -> dg.ExecuteInProcessResult:
        return dg.materialize(
            [asset], partition_key=key, instance=self.instance, raise_on_error=False,
            resources={"warehouse": Warehouse(database=self.market.database),
                       "forecast_store": self.store, "reports": self.reports,
                       "research": ResearchFolder(root=str(self.root))})


@pytest.fixture(scope="module")
def bt(tmp_path_factory):
    root = tmp_path_factory.mktemp("backtests")
    with production_like_instance(root / "dagster_home") as instance:
        market = Harness(root / "warehouse.duckdb", instance)
        part = PartitionSlice(("coffee",), dt.date(2021, 1, 1), dt.date(2023, 12, 31))
        assert market.run(part).success
        yield BacktestHarness(root, instance, market)


def _failure(result: dg.ExecuteInProcessResult) -> str:
    return result.get_step_failure_events()[0].event_specific_data.error.message


def test_backtest_results_given_store_writes_tables_charts_and_passes_checks(bt):
    bt.write_store("naive_rw", slice(250, None))
    result = bt.materialize(backtest_results, "coffee|naive_rw")
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"inventory_accounting_holds": True,
                      "every_strategy_has_finite_metrics": True,
                      "kernel_matches_reference": True, "backtest_inputs_current": True}
    n_days = bt.dates.size - 250
    where = "commodity = 'coffee' and model = 'naive_rw'"
    assert bt.market.query(f"select count(*) from research.backtest_metrics where {where}") == [
        (STRATEGIES,)]
    assert bt.market.query(f"select count(*) from research.backtest_daily where {where}") == [
        (STRATEGIES * n_days,)]
    # every strategy ends with what came in: sold + forced + ending stock = intake
    balance = bt.market.query(
        "select strategy, sum(intake) - sum(sold) - sum(forced) - arg_max(inventory, date) "
        f"from research.backtest_daily where {where} group by strategy")
    assert all(abs(gap) < 1e-6 for _, gap in balance)
    folder = bt.root / "reports" / "backtests" / "coffee" / "naive_rw"
    assert sorted(p.name for p in folder.glob("*.png")) == [
        "cumulative_net.png", "cumulative_proceeds.png", "inventory.png", "net_earnings.png",
        "trading_timeline.png"]
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["n_days"].value == n_days and metadata["missing_forecast_days"].value == 0
    assert "data:image/png;base64" in metadata["chart_net_earnings"].value


def test_backtest_results_given_a_promoted_version_backtests_it_in_place_of_v1(bt):
    from trading_platform.config.user_strategies import PromotedStrategy
    from trading_platform.domain.inventory.strategies_baseline import PriceThreshold
    from trading_platform.resources.strategy_folder import StrategyFolder

    folder = StrategyFolder(bt.root / "strategies")
    common = {"parent": "price_threshold v1", "parent_hash": "x", "experiment": "e",
              "commodities": ["coffee"], "data_range": {}, "data_version": "d",
              "code_version": "c", "metrics": {}, "gate": [], "gate_passed": True,
              "promoted_on": "2026-12-01", "code": "inventory:price_threshold"}
    promoted = PriceThreshold(threshold_pct=0.09, version=2)
    written = [folder.write(PromotedStrategy.model_validate(
        common | {"name": name, "version": 2, "params": {"threshold_pct": pct},
                  "content_hash": "h"}), "") for name, pct in (("price_threshold", 0.09),
                                                               ("pt_challenger", 0.2))]
    try:
        bt.write_store("naive_rw", slice(250, None))
        assert bt.materialize(backtest_results, "coffee|naive_rw").success
        hashes = dict(bt.market.query(
            "select strategy, spec_hash from research.backtest_metrics "
            "where commodity = 'coffee' and model = 'naive_rw'"))
        # the kind's own name trades its promoted version; the challenger trades nowhere
        assert hashes["price_threshold"] == promoted.content_hash
        assert len(hashes) == STRATEGIES
    finally:
        for path in written:
            path.unlink()


def test_backtest_results_given_rerun_replace_rows_identically(bt):
    bt.write_store("naive_rw", slice(250, None))
    assert bt.materialize(backtest_results, "coffee|naive_rw").success
    before = bt.market.checksum("research.backtest_daily", "model = 'naive_rw'")
    assert bt.materialize(backtest_results, "coffee|naive_rw").success
    assert bt.market.checksum("research.backtest_daily", "model = 'naive_rw'") == before


def test_backtest_results_given_days_without_matrix_fall_back_and_count_them(bt):
    bt.write_store("synthetic_80", slice(250, None), drop=[5, 6, 7, 100])
    result = bt.materialize(backtest_results, "coffee|synthetic_80")
    assert result.success
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["missing_forecast_days"].value == 4


def test_backtest_results_given_failed_blocking_forecast_check_refuse_and_keep_rows(bt):
    bt.write_store("naive_rw", slice(250, None))
    assert bt.materialize(backtest_results, "coffee|naive_rw").success
    before = bt.market.checksum("research.backtest_metrics", "model = 'naive_rw'")
    bt.write_store("naive_rw", slice(250, None), checks={
        "forecasts_fit_before_forecast_day": {"passed": False, "severity": "ERROR"}})
    result = bt.materialize(backtest_results, "coffee|naive_rw")
    assert not result.success
    assert "forecasts_fit_before_forecast_day" in _failure(result)
    assert bt.market.checksum("research.backtest_metrics", "model = 'naive_rw'") == before


def test_backtest_results_given_unchecked_or_missing_store_fail_naming_what_to_run(bt):
    bt.write_store("xgboost", slice(250, None), checks=None)
    unchecked = bt.materialize(backtest_results, "coffee|xgboost")
    assert not unchecked.success and "checks never ran" in _failure(unchecked)
    missing = bt.materialize(backtest_results, "coffee|lightgbm")
    assert not missing.success
    assert "materialize the forecasts partition coffee|lightgbm" in _failure(missing)


def test_backtest_comparison_given_stored_backtests_write_csvs_and_charts(bt):
    for model in ("naive_rw", "synthetic_80"):
        bt.write_store(model, slice(250, None))
        assert bt.materialize(backtest_results, f"coffee|{model}").success
    result = bt.materialize(backtest_comparison)
    assert result.success
    folder = bt.root / "reports" / "backtests"
    summary = (folder / "comparison_summary.csv").read_text().splitlines()
    assert len(summary) == 3 and summary[0].startswith("commodity,model,synthetic,accuracy")
    detailed = (folder / "comparison_detailed.csv").read_text().splitlines()
    assert len(detailed) == 1 + 2 * STRATEGIES
    for name in ("prediction_advantage", "best_earnings", "value_of_accuracy"):
        assert (folder / f"{name}.png").read_bytes().startswith(b"\x89PNG")
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["partitions"].value == 2
    assert "coffee|xgboost" in metadata["missing_partitions"].value
