"""market_data and features through Dagster: stored rows, checks, idempotence."""

import datetime as dt

from trading_platform.defs.partitions import PartitionSlice
from trading_platform.defs.universe import UNIVERSE
from trading_platform.domain.market.calendar import trading_days
from trading_platform_tests.defs.conftest import january

FIRST_HALF_2024 = PartitionSlice(("coffee", "crude"), dt.date(2024, 1, 1), dt.date(2024, 6, 28))


def _check_states(result) -> dict[str, bool]:
    return {f"{e.asset_key.to_user_string()}.{e.check_name}": e.passed
            for e in result.get_asset_check_evaluations()}


def test_market_data_given_synthetic_slice_stores_one_row_per_trading_day(harness):
    result = harness.run(FIRST_HALF_2024)
    assert result.success
    for commodity in FIRST_HALF_2024.commodities:
        expected = len(trading_days(FIRST_HALF_2024.start, FIRST_HALF_2024.end,
                                    UNIVERSE.calendar_for(commodity)))
        stored = harness.query(
            f"select count(*) from market.market_data where commodity = '{commodity}'")[0][0]
        assert stored == expected
    states = _check_states(result)
    for name in ("schema_valid", "no_duplicate_dates", "prices_legal", "ohlc_consistent",
                 "volume_valid"):
        assert states[f"market_data.{name}"], name
    assert states["features.features_have_no_lookahead"]
    assert states["features.features_finite_after_warmup"]


def test_market_data_given_rerun_of_same_slice_is_idempotent(harness):
    harness.run(january("coffee", "sugar"))
    market, feats = harness.checksum(), harness.checksum("market.features")
    assert harness.run(january("coffee", "sugar")).success
    assert harness.checksum() == market
    assert harness.checksum("market.features") == feats


def test_features_given_history_reads_lookback_so_only_true_start_is_warm_up(harness):
    # Two runs: 2023 first, then January 2024 alone. January's features must come out
    # warmed up because the run reads 300 weekday partitions of 2023 market history.
    harness.run(PartitionSlice(("corn",), dt.date(2023, 1, 2), dt.date(2023, 12, 29)))
    harness.run(january("corn"))
    january_warm_up = harness.query(
        "select count(*) from market.features where date >= '2024-01-01' and warm_up")[0][0]
    assert january_warm_up == 0
    nulls = harness.query(
        "select count(*) from market.features where date >= '2024-01-01' and rsi_14 is null")
    assert nulls[0][0] == 0


def test_warehouse_read_features_given_stored_history_returns_one_commodity_in_order(harness):
    from trading_platform.resources.warehouse import Warehouse

    harness.run(january("coffee", "corn"))
    frame = Warehouse(database=harness.database).read_features("corn")
    assert frame["commodity"].unique().to_list() == ["corn"]
    assert frame["date"].is_sorted()
    assert frame.height == harness.query(
        "select count(*) from market.features where commodity = 'corn'")[0][0]
