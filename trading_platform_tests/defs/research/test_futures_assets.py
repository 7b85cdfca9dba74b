"""The futures book's assets end to end on stored synthetic market data and hand-written
prediction stores: contract prices, the continuous series, every strategy per commodity, the
model x optimiser matrix and the trading-book champion in MLflow; refused contract files."""

import datetime as dt
from pathlib import Path

import dagster as dg
import numpy as np
import polars as pl
import pytest

from trading_platform.defs.market.futures_prices import contract_prices, futures_series
from trading_platform.defs.partitions import PartitionSlice
from trading_platform.defs.research.futures_backtests import futures_backtests
from trading_platform.defs.research.portfolio import portfolio_backtests, trading_book_champion
from trading_platform.resources.experiments import ResearchFolder
from trading_platform.resources.forecast_files import record_checks, write_matrices
from trading_platform.resources.forecast_store import ForecastStore
from trading_platform.resources.registry import ChampionRegistry
from trading_platform.resources.reports import ReportFolder
from trading_platform.resources.tracker import MlflowTracker
from trading_platform.resources.warehouse import Warehouse
from trading_platform_tests.defs.conftest import Harness, production_like_instance

COMMODITIES = ("coffee", "corn", "crude")  # adjacent keys: one range covers them
MODELS = ("naive_rw", "synthetic_80")
PASSED = {"forecasts_shape_and_finite": {"passed": True, "severity": "ERROR"}}


class FuturesHarness:
    def __init__(self, root: Path, instance: dg.DagsterInstance, market: Harness) -> None:
        self.root, self.instance, self.market = root, instance, market
        self.resources = {
            "warehouse": Warehouse(database=market.database),
            "forecast_store": ForecastStore(root=str(root / "forecasts")),
            "research": ResearchFolder(root=str(root)),
            "reports": ReportFolder(root=str(root / "reports")),
            "tracker": MlflowTracker(root=str(root / "mlflow")),
            "registry": ChampionRegistry(root=str(root / "mlflow"))}

    def write_store(self, commodity: str, model: str) -> None:
        rows = self.market.query(f"select date, close from market.market_data where commodity "
                                 f"= '{commodity}' order by date")
        dates = np.array([d for d, _ in rows], dtype="datetime64[D]")[300:]
        close = np.array([c for _, c in rows])[300:]
        rng = np.random.default_rng(len(commodity) + len(model))
        paths = close[:, None, None] + np.cumsum(rng.normal(0.0, 1.0, (dates.size, 30, 14)),
                                                 axis=2)
        folder = self.resources["forecast_store"].folder(commodity, model)
        write_matrices(folder, dates, paths.astype(np.float32), dates[0], dates - 1,
                       {"model": model, "data_range": f"{dates[0]}..{dates[-1]}"})
        record_checks(folder, PASSED)

    def materialize(self, assets, key: str | None = None, config: dict | None = None):
        return dg.materialize(assets, partition_key=key, instance=self.instance,
                              raise_on_error=False, resources=self.resources,
                              run_config=config)

    def query(self, sql: str) -> list[tuple]:
        return self.market.query(sql)


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


@pytest.fixture(scope="module")
def fut(tmp_path_factory):
    root = tmp_path_factory.mktemp("futures")
    with production_like_instance(root / "dagster_home") as instance:
        market = Harness(root / "warehouse.duckdb", instance)
        part = PartitionSlice(COMMODITIES, dt.date(2021, 1, 4), dt.date(2023, 12, 29))
        assert market.run(part).success
        harness = FuturesHarness(root, instance, market)
        for commodity in COMMODITIES:
            for model in MODELS:
                harness.write_store(commodity, model)
        yield harness


def test_contract_prices_given_synthetic_market_writes_curves_and_reruns_identically(fut):
    first = fut.materialize([contract_prices], "coffee")
    assert first.success and _checks(first) == {"contracts_listed_and_on_tick": True}
    count = fut.query("select count(*), count(distinct contract) from market.contract_prices "
                      "where commodity = 'coffee'")
    assert count[0][0] > 0 and count[0][1] > 10
    assert fut.materialize([contract_prices], "coffee").success
    assert fut.query("select count(*), count(distinct contract) from market.contract_prices "
                     "where commodity = 'coffee'") == count


def test_contract_prices_given_files_in_a_synthetic_directory_refuses_them(fut, tmp_path):
    file = tmp_path / "kc.csv"
    file.write_text("date,contract,close\n2023-01-03,KCH2023,180.05\n")
    result = fut.materialize([contract_prices], "coffee",
                             {"ops": {"contract_prices": {"config": {"files": [str(file)]}}}})
    assert not result.success
    message = result.get_step_failure_events()[0].event_specific_data.error.message
    assert "vendor data directory" in message and "never mix" in message


def test_futures_chain_given_three_commodities_builds_series_backtests_matrix_and_champion(fut):
    for commodity in COMMODITIES:
        result = fut.materialize([contract_prices, futures_series, futures_backtests],
                                 commodity)
        assert result.success, commodity
        assert _checks(result) == {"contracts_listed_and_on_tick": True,
                                   "futures_accounting_holds": True,
                                   "engine_matches_twin": True, "every_model_backtested": False}
    series = fut.query("select basis, sum(roll::int) from market.futures_series where "
                       "commodity = 'coffee' group by basis")
    assert series[0][0] == "contracts" and series[0][1] >= 10  # five rolls a year, three years
    runs = fut.query("select model, strategy, synthetic from research.futures_metrics where "
                     "commodity = 'crude' order by model, strategy")
    assert ("none", "ma_cross_50_200", False) in runs
    assert ("synthetic_80", "forecast_z", True) in runs and len(runs) == 3 + len(MODELS)

    matrix = fut.materialize([portfolio_backtests])
    assert matrix.success and set(_checks(matrix).values()) == {True}
    assert "commodities_share_research_window" in _checks(matrix)
    cells = fut.query("select count(*) from research.portfolio_metrics")[0][0]
    assert cells == (3 + len(MODELS)) * 5
    for chart in ("sharpe_heatmap", "equity", "drawdowns", "weights", "contribution"):
        assert (fut.root / "reports" / "futures" / "matrix" / f"{chart}.png").stat().st_size > 0

    champion = fut.materialize([trading_book_champion])
    assert champion.success and _checks(champion) == {"book_champion_is_real": True}
    chosen = fut.query("select signal_set, model, strategy_hash, mlflow_version, confirmed "
                       "from research.book_champions")
    assert len(chosen) == 1 and chosen[0][1] != "synthetic_80"
    version = fut.resources["registry"].current_book()
    assert version is not None and version.tags["strategy_hash"] == chosen[0][2]
    # the validation report, beside the version: its cell ran again identically under 3 seeds
    report = champion.get_asset_materialization_events()[0].materialization.metadata[
        "validation_report"].value
    assert report["deterministic"] is True and report["determinism"] == {"0": 0.0, "1": 0.0,
                                                                        "2": 0.0}
    assert version.tags["deterministic"] == "True"
    assert version.tags["validation_return"] == str(report["validation_return"])
    assert [p.parent.name for p in fut.root.rglob("validation_report.json")] == ["champion"]
    # A rerun on the same matrix chooses the same cell: no new MLflow version.
    assert fut.materialize([trading_book_champion]).success
    assert fut.resources["registry"].current_book().version == version.version


def test_futures_backtests_given_no_series_names_the_missing_step(fut):
    result = fut.materialize([futures_backtests], "wheat")
    assert not result.success
    message = result.get_step_failure_events()[0].event_specific_data.error.message
    assert "materialize futures_series first" in message


@pytest.fixture(scope="module")
def vendor(tmp_path_factory, real_data_dir):
    """A vendor data directory holding the real sugar file (front month only)."""
    root = tmp_path_factory.mktemp("vendor_futures")
    with production_like_instance(root / "dagster_home") as instance:
        market = Harness(root / "warehouse.duckdb", instance)
        part = PartitionSlice(("sugar",), dt.date(2007, 8, 24), dt.date(2026, 11, 20))
        assert market.run(part, files=[real_data_dir / "sugar.csv"],
                          selection=["market_data"]).success
        yield FuturesHarness(root, instance, market)


def test_futures_series_given_only_a_front_month_file_uses_it_as_given_and_flags_it(vendor):
    result = vendor.materialize([futures_series], "sugar")
    assert result.success
    assert result.get_asset_materialization_events()[0].materialization.metadata[
        "basis"].value == "front_month_only"
    stored = vendor.query("select count(*), sum(roll::int), count(distinct basis), "
                          "max(abs(close - adjusted_close)) from market.futures_series")
    closes = vendor.query("select count(*) from market.market_data where commodity = 'sugar'")
    assert stored == [(closes[0][0], 0, 1, 0.0)]  # every real close, unchanged, no rolls


def test_contract_prices_given_an_off_tick_vendor_file_refuses_it_and_records_the_row(vendor):
    good, bad = vendor.root / "sb_good.csv", vendor.root / "sb_bad.csv"
    good.write_text("date,contract,close\n2024-01-02,SBH2024,20.05\n"
                    "2024-01-02,SBK2024,19.84\n")
    bad.write_text("date,contract,close\n2024-01-03,SBH2024,20.11\n"
                   "2024-01-03,SBK2024,19.845\n")
    config = {"ops": {"contract_prices": {"config": {"files": [str(good)]}}}}
    assert vendor.materialize([contract_prices], "sugar", config).success
    config["ops"]["contract_prices"]["config"]["files"] = [str(bad)]
    result = vendor.materialize([contract_prices], "sugar", config)
    assert not result.success
    message = result.get_step_failure_events()[0].event_specific_data.error.message
    assert "sb_bad.csv, row 2" in message and "close_on_tick" in message
    stored = vendor.resources["warehouse"].read_where("market.contract_prices",
                                                      commodity="sugar")
    assert stored.height == 2 and stored["date"].unique().to_list() == [dt.date(2024, 1, 2)]
    quarantine = vendor.resources["warehouse"].read_quarantine().filter(
        pl.col("file") == "sb_bad.csv")
    assert quarantine.select("row", "rule").rows() == [(2, "close_on_tick")]


def test_futures_series_given_a_roll_into_a_contract_without_data_stops_that_commodity(vendor):
    # Coffee's March 2024 contract rolls on 2024-02-13: first notice 2024-02-21 less five ICE
    # trading days (20, 16, 15, 14, 13; the 19th is Presidents' Day). The file has no May
    # contract that day, so coffee stops with both named; sugar (its own partition) still builds.
    file = vendor.root / "kc_no_may.csv"
    file.write_text("date,contract,close\n" + "".join(
        f"2024-02-{day},KCH2024,180.05\n" for day in (12, 13, 14, 15, 16)))
    config = {"ops": {"contract_prices": {"config": {"files": [str(file)]}}}}
    assert vendor.materialize([contract_prices], "coffee", config).success
    result = vendor.materialize([futures_series], "coffee")
    assert not result.success
    message = result.get_step_failure_events()[0].event_specific_data.error.message
    assert "roll into a contract with no data: KCK2024 has no close on 2024-02-13" in message
    assert vendor.materialize([futures_series], "sugar").success
