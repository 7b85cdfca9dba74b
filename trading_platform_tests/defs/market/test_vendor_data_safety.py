"""Real data is sacred: a corpus of quirky vendor files through the market assets.

Every case asserts the outcome, the message, and that every stored row outside the file's own
commodity and dates (and, for features, outside the days its closes feed) is byte-identical
before and after. The base is a vendor-mode directory holding coffee and sugar for the first
half of 2024, as a desk switching from the demo to real files would have.
"""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import numpy as np
import pytest
from dagster._core.event_api import EventRecordsFilter
from dagster._core.events import DagsterEventType

from trading_platform.definitions import platform_definitions
from trading_platform.defs.ops.schedules import DAILY_TIMEZONE, daily_after_close
from trading_platform.defs.partitions import PartitionSlice, extend_for_revisions
from trading_platform.resources.warehouse import Warehouse
from trading_platform_tests.defs.conftest import Harness, january

START, END = dt.date(2024, 1, 2), dt.date(2024, 6, 28)
HEADER = "date,open,high,low,close,volume\n"


def _weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    return [day for day in days if day.weekday() < 5]


def _closes(base: float, days: list[dt.date], seed: int) -> dict[dt.date, float]:
    steps = np.random.default_rng(seed).normal(0, 0.01, len(days))
    return dict(zip(days, np.round(base * np.exp(np.cumsum(steps)), 2), strict=True))


COFFEE = _closes(150.0, _weekdays(START, END), 1)
SUGAR = _closes(20.0, _weekdays(START, END), 2)


def _ohlcv(closes: dict[dt.date, float], scale: float = 1.0) -> str:
    return HEADER + "".join(f"{d},{c * scale:.4f},{c * 1.01 * scale:.4f},{c * 0.99 * scale:.4f},"
                            f"{c * scale:.4f},1000\n" for d, c in closes.items())


class Store:
    """The vendor-mode base and what a case may change."""

    def __init__(self, harness: Harness, folder: Path) -> None:
        self.harness, self.folder = harness, folder

    def write(self, name: str, content: str | bytes) -> Path:
        path = self.folder / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    def ingest(self, part: PartitionSlice, path: Path, extend: bool = True):
        if extend:  # as `ingest` and the drop folder plan it
            part = extend_for_revisions(part, self.warehouse.latest_market_dates())
        return self.harness.run(part, files=[path])

    @property
    def warehouse(self) -> Warehouse:
        return Warehouse(database=self.harness.database)

    def outside(self, table: str, commodity: str, first: dt.date, last: dt.date) -> str:
        """Checksum of every row of ``table`` outside ``commodity`` x [first, last]."""
        return self.harness.checksum(table, f"not (commodity = '{commodity}' and date between "
                                            f"'{first}' and '{last}')")

    def failure(self, result: dg.ExecuteInProcessResult) -> str:
        [event] = [e for e in result.all_events if e.is_step_failure]
        return event.step_failure_data.error.cause.message


@pytest.fixture()
def store(harness, tmp_path) -> Store:
    base = Store(harness, tmp_path)
    both = PartitionSlice(("coffee", "sugar"), START, END)
    for name, closes in (("coffee_2024.csv", COFFEE), ("sugar_2024.csv", SUGAR)):
        path = base.write(name, _ohlcv(closes))
        assert base.ingest(both, path).success
    assert base.warehouse.data_mode() == "vendor"
    return base


REFUSED = {
    # USD per tonne where US cents per pound are stored: 22x every close (sugar: 440 USD/t
    # stays below its max_price, so only the comparison with the stored series catches it).
    "wrong_unit": ("sugar_2024.csv", 22.0462, "level_mismatch", "22.05x the stored ones"),
    # A deferred contract 6 % above the front month the series holds.
    "wrong_contract": ("coffee_2024.csv", 1.06, "level_mismatch", "1.06x the stored ones"),
    # A known name plus an unknown qualifier: another grade.
    "partial_name": ("coffee_robusta.csv", 1.0, "partial_commodity_match", "'robusta'"),
}
BLOCKING = {"schema_valid", "no_duplicate_dates", "prices_legal", "ohlc_consistent",
            "volume_valid", "features_have_no_lookahead", "features_finite_after_warmup",
            "features_match_market_data"}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_vendor_file_given_mismatch_is_refused_recorded_and_changes_nothing(store, case):
    name, scale, rule, message = REFUSED[case]
    commodity, closes = ("sugar", SUGAR) if name.startswith("sugar") else ("coffee", COFFEE)
    february = {d: c for d, c in closes.items() if d.month == 2}
    before = [store.harness.checksum(t) for t in ("market.market_data", "market.features")]
    path = store.write(name, _ohlcv(february, scale))

    result = store.ingest(PartitionSlice((commodity,), min(february), max(february)), path)

    assert not result.success
    assert f"(rule {rule})" in store.failure(result) and message in store.failure(result)
    assert [store.harness.checksum(t) for t in ("market.market_data", "market.features")] == \
        before
    [(file, sha256, recorded)] = store.harness.query(
        f"select file, sha256, rule from market.quarantine where rule = '{rule}'")
    assert (file, recorded) == (name, rule) and len(sha256) == 64


ACCEPTED = {
    "close_only": ("coffee_2024_07.csv", lambda c: "date,close\n" + "".join(
        f"{d},{v}\n" for d, v in c.items()), "close_only"),
    "compressed": ("coffee_2024.csv.gz", lambda c: gzip.compress(_ohlcv(c).encode()), ""),
}


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_vendor_file_given_new_days_in_another_format_appends_and_keeps_the_rest(store, case):
    name, content, flag = ACCEPTED[case]
    days = [d for d in _weekdays(dt.date(2024, 7, 1), dt.date(2024, 7, 31)) if d.day != 4]
    july = _closes(COFFEE[END], days, 3)  # no row on the July 4 holiday, as vendors publish
    first, last = min(july), max(july)
    market_before = store.outside("market.market_data", "coffee", first, last)
    features_before = store.outside("market.features", "coffee", first, last)

    path = store.write(name, content(july))
    result = store.ingest(PartitionSlice(("coffee",), first, last), path)

    assert result.success
    failed = [e.check_name for e in result.get_asset_check_evaluations()
              if e.check_name in BLOCKING and not e.passed]
    assert failed == []
    stored = store.harness.query("select close, flags, source from market.market_data where "
                                 f"commodity = 'coffee' and date >= '{first}' order by date")
    assert [row[0] for row in stored] == pytest.approx(list(july.values()))
    assert {row[1] for row in stored} == {flag} and {row[2] for row in stored} == {name}
    assert store.outside("market.market_data", "coffee", first, last) == market_before
    assert store.outside("market.features", "coffee", first, last) == features_before
    # The run's observation shows the commodity's source mix and range once stored (UI).
    observed = result.get_asset_observation_events()[0].event_specific_data
    [mix] = observed.asset_observation.metadata["source_mix"].value
    assert (mix["commodity"], mix["origin"], mix["first"], mix["last"]) == (
        "coffee", "vendor", str(START), str(last))
    assert mix["sources"] == 2  # coffee_2024.csv and this file


def test_vendor_file_given_decimal_shift_quarantines_the_row_and_stores_the_rest(store):
    july = _closes(COFFEE[END], _weekdays(dt.date(2024, 7, 1), dt.date(2024, 7, 12)), 4)
    lines = _ohlcv(july).splitlines()
    day, *prices, volume = lines[3].split(",")  # 2024-07-03: every price x 10
    lines[3] = ",".join([day, *(f"{float(p) * 10:.4f}" for p in prices), volume])
    before = store.outside("market.market_data", "coffee", min(july), max(july))

    result = store.ingest(PartitionSlice(("coffee",), min(july), max(july)),
                          store.write("coffee_2024_07.csv", "\n".join(lines) + "\n"))

    assert result.success
    [(row, column, value, rule)] = store.harness.query(
        "select row, \"column\", value, rule from market.quarantine")
    assert (row, column, rule) == (4, "open", "decimal_shift") and float(value) > 1000
    dates = [d for (d,) in store.harness.query(
        "select date from market.market_data where commodity = 'coffee' and date >= "
        "'2024-07-01' order by date")]
    assert dates == [d for d in july if d != dt.date(2024, 7, 3)]
    assert store.outside("market.market_data", "coffee", min(july), max(july)) == before


def _revise_february(store: Store, extend: bool):
    revised = {d: round(c * 1.01, 2) for d, c in COFFEE.items() if dt.date(2024, 2, 5) <= d
               <= dt.date(2024, 2, 16)}
    path = store.write("coffee_2024_02.csv", _ohlcv(revised))
    return revised, store.ingest(PartitionSlice(("coffee",), min(revised), max(revised)), path,
                                 extend=extend)


def test_vendor_revision_of_old_range_recomputes_later_features_and_flags_research(store):
    market_before = store.outside("market.market_data", "coffee", dt.date(2024, 2, 5),
                                  dt.date(2024, 2, 16))
    features_before = store.outside("market.features", "coffee", dt.date(2024, 2, 5), END)

    revised, result = _revise_february(store, extend=True)

    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["features_match_market_data"]
    assert store.harness.query("select count(*) from market.revisions")[0][0] == len(revised)
    assert store.outside("market.market_data", "coffee", min(revised), max(revised)) == \
        market_before
    assert store.outside("market.features", "coffee", min(revised), END) == features_before
    stale = store.harness.instance.get_event_records(
        EventRecordsFilter(event_type=DagsterEventType.ASSET_CHECK_EVALUATION))
    flagged = {(e.check_name, e.partition)
               for e in (r.event_log_entry.dagster_event.event_specific_data for r in stale)
               if not e.passed and e.check_name.endswith("_inputs_current")}
    assert ("forecasts_inputs_current", "coffee|xgboost") in flagged
    assert ("backtest_inputs_current", "coffee|naive_rw") in flagged
    assert not any(partition.startswith("sugar") for _, partition in flagged)


def test_features_check_given_revision_without_recompute_fails_naming_stale_dates(store):
    # The planted defect: closes revised by a run that does not recompute the later features.
    revised, result = _revise_february(store, extend=False)
    assert not result.success
    [check] = [e for e in result.get_asset_check_evaluations()
               if e.check_name == "features_match_market_data"]
    assert not check.passed
    stale = check.metadata["stale_dates"].value
    assert min(stale) > str(max(revised)) and max(stale) <= str(END)


def test_vendor_file_into_synthetic_series_is_refused_until_replaced(harness, tmp_path):
    base = Store(harness, tmp_path)
    assert harness.run(january("coffee"), selection=["market_data"]).success  # synthetic
    before = harness.checksum()
    path = base.write("coffee_2024.csv", _ohlcv({d: c for d, c in COFFEE.items()
                                                 if d.month == 1}))
    result = base.ingest(january("coffee"), path, extend=False)
    assert not result.success
    message = base.failure(result)
    assert "(rule mixed_sources)" in message
    assert "market replace-synthetic --commodity coffee" in message
    assert harness.checksum() == before
    [(synthetic,)] = harness.query("select count(*) from market.market_data")
    change = base.warehouse.delete_synthetic("coffee", "test", "real prices arrived")
    assert change["rows"] == synthetic == 21  # January 2024 less the MLK holiday
    assert base.ingest(january("coffee"), path, extend=False).success
    assert harness.query("select distinct origin from market.market_data") == [("vendor",)]
    assert harness.query('select rows, "by", reason from market.source_changes') == [
        (21, "test", "real prices arrived")]


def test_generator_given_commodity_with_vendor_rows_refuses_naming_it(store):
    store.warehouse.declare_mode("synthetic", by="test")  # even in synthetic mode
    before = store.harness.checksum()
    result = store.harness.run(january("coffee"), selection=["market_data"])
    assert not result.success
    assert "coffee holds" in store.failure(result) and "vendor rows" in store.failure(result)
    assert store.harness.checksum() == before


def test_daily_schedule_in_vendor_mode_writes_no_synthetic_row_and_fails_freshness(store):
    # The daemon's tick after the close of a day whose files never arrived.
    tick = daily_after_close.evaluate_tick(dg.build_schedule_context(
        scheduled_execution_time=dt.datetime(2024, 7, 2, 18, 30,
                                             tzinfo=ZoneInfo(DAILY_TIMEZONE)),
        repository_def=platform_definitions().get_repository_def()))
    keys = [request.partition_key for request in tick.run_requests]
    assert "coffee|2024-07-02" in keys and "cocoa|2024-07-02" in keys
    before = store.harness.checksum()
    for key in keys:
        result = store.harness.run_partition(key, as_of="2024-07-03")
        assert result.success
        [fresh] = [e for e in result.get_asset_check_evaluations() if e.check_name == "is_fresh"]
        assert not fresh.passed and fresh.severity == dg.AssetCheckSeverity.ERROR
    assert store.harness.query("select count(*) from market.market_data where origin <> "
                               "'vendor'") == [(0,)]
    assert store.harness.checksum() == before
