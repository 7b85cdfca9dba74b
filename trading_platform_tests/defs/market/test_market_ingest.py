"""Vendor files through the market_data asset: bad input loses nothing, real files ingest."""

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from trading_platform.defs.partitions import slice_covering
from trading_platform.defs.universe import UNIVERSE
from trading_platform.resources.market_sources import ingest_file
from trading_platform_tests.defs.conftest import AS_OF, january

HEADER = "date,open,high,low,close,volume\n"
GOOD = "2024-01-0{d},100,102,99,101,1000\n"
JANUARY_COFFEE = "commodity = 'coffee' and date between '2024-01-01' and '2024-01-31'"

# (file name, content, expected rule, whole file refused?)
BAD_FILES = [
    ("coffee_18.csv", b"", "empty_file", True),
    ("coffee_21.csv", HEADER.encode(), "no_data_rows", True),
    ("coffee_26.csv", b"date,open,high,low,volume\n2024-01-02,1,2,1,5\n",
     "missing_columns", True),
    ("coffee_32.csv", b"date,open,high,low,price,volume\n2024-01-02,1,2,1,1,5\n",
     "missing_columns", True),
    ("coffee_35.csv", (HEADER + "2024-01-02,abc,102,99,101,1000\n").encode(), "non_numeric",
     False),
    ("coffee_16.csv", (HEADER + "02/01/2024,100,102,99,101,1000\n").encode(), "date_format",
     True),
    ("coffee_17.csv", (HEADER + GOOD.format(d=2) + "2024-01-02,100,103,99,102,900\n").encode(),
     "duplicate_date", False),
    ("coffee_27.csv", (HEADER + "2024-01-02,nan,102,99,101,1000\n"
                        "2024-01-03,100,inf,99,101,1000\n").encode(), "non_finite", False),
    ("coffee_28.csv", (HEADER + "2024-01-02,-100,102,-101,101,1000\n").encode(),
     "non_positive_price", False),
    ("coffee_22.csv", (HEADER + "2024-01-02,100,1e308,99,101,1000\n").encode(),
     "price_out_of_range", False),
    ("coffee_19.csv", (HEADER + "2027-01-04,100,102,99,101,1000\n").encode(),
     "future_date", False),
    ("bananas.csv", (HEADER + GOOD.format(d=2)).encode(), "unknown_commodity", True),
    ("coffee_20.csv", bytes(range(256)) * 8, "unreadable", True),
]


@pytest.mark.parametrize(("name", "content", "rule", "refused"), BAD_FILES,
                         ids=[case[0] for case in BAD_FILES])
def test_market_data_given_bad_file_keeps_stored_partitions(harness, tmp_path, name, content,
                                                            rule, refused):
    assert harness.run(january("coffee"), selection=["market_data"]).success
    before = harness.checksum(where=JANUARY_COFFEE)
    path = tmp_path / name
    path.write_bytes(content)

    result = harness.run(january("coffee"), files=[path], selection=["market_data"])

    assert harness.checksum(where=JANUARY_COFFEE) == before
    quarantined = harness.query(
        f"select rule, reason from market.quarantine where file like '%{name}'")
    assert rule in {found_rule for found_rule, _ in quarantined}
    if refused:
        assert not result.success
        failure = result.get_step_failure_events()[0].step_failure_data.error.message
        assert name in failure and f"rule {rule}" in failure
    else:
        assert result.success


def _write_variants(tmp_path: Path) -> list[Path]:
    rows = [GOOD.format(d=d).replace("101,1000", f"10{d},10{d}0") for d in (2, 3, 4, 5)]
    plain = HEADER + "".join(rows)
    variants = {
        "coffee_30.csv": plain.encode(),
        "coffee_15.csv": b"\xef\xbb\xbf" + plain.encode(),
        "coffee_34.csv": plain.replace(",", ";").encode(),
        "coffee_36.csv": (HEADER + "".join(reversed(rows))).encode(),
    }
    paths = []
    for name, content in variants.items():
        (tmp_path / name).write_bytes(content)
        paths.append(tmp_path / name)
    return paths


def test_market_data_given_bom_semicolon_or_unsorted_file_stores_same_rows(harness, tmp_path):
    stored = []
    for path in _write_variants(tmp_path):
        assert harness.run(january("coffee"), files=[path], selection=["market_data"]).success
        stored.append(harness.query(
            f"select date, open, high, low, close, volume from market.market_data "
            f"where {JANUARY_COFFEE} and date <= '2024-01-05' order by date"))
    assert all(rows == stored[0] for rows in stored)
    # close was written as 10d for day d: 102 .. 105
    assert [row[4] for row in stored[0]] == [102.0, 103.0, 104.0, 105.0]


def test_market_data_given_file_update_counts_changes_and_keeps_other_days(harness, tmp_path):
    first = tmp_path / "coffee_2024.csv"  # every January weekday, closes 101
    days = pl.date_range(dt.date(2024, 1, 2), dt.date(2024, 1, 31), eager=True)
    first.write_text(HEADER + "".join(f"{day},100,102,99,101,1000\n" for day in days
                                      if day.weekday() < 5))
    assert harness.run(january("coffee"), files=[first], selection=["market_data"]).success
    other_days = "commodity = 'coffee' and date between '2024-01-08' and '2024-01-31'"
    before = harness.checksum(where=other_days)
    path = tmp_path / "coffee_37.csv"
    path.write_text(HEADER + "2024-01-02,100,102,99,101.5,1000\n2024-01-03,100,102,99,100.5,900\n")
    result = harness.run(january("coffee"), files=[path], selection=["market_data"])
    assert result.success
    observed = result.get_asset_observation_events()[0].event_specific_data
    figures = {k: v.value for k, v in observed.asset_observation.metadata.items()}
    assert (figures["run_updated"], figures["run_inserted"]) == (2, 0)
    assert figures["close_prices"].startswith("![close prices](data:image/png;base64,")
    assert harness.checksum(where=other_days) == before


@pytest.mark.slow
@pytest.mark.parametrize("file_name", ["coffee_arabica_yahoo.csv", "sugar.csv", "corn.csv"])
def test_market_data_given_real_file_stores_accepted_rows_and_quarantine(harness, real_data_dir,
                                                                        file_name):
    path = real_data_dir / file_name
    expected = ingest_file(path, UNIVERSE, today=dt.date.fromisoformat(AS_OF))
    part = slice_covering([expected.accepted])
    result = harness.run(part, files=[path])
    assert result.success
    commodity = part.commodities[0]
    stored = harness.query(
        f"select count(*), count(*) filter (where flags <> '') from market.market_data "
        f"where commodity = '{commodity}'")[0]
    assert stored == (expected.counts["accepted"], expected.counts["flagged"])
    quarantined = harness.query(
        f"select count(*) from market.quarantine where file like '%{file_name}'")[0][0]
    assert quarantined == expected.counts["quarantined"]
    features = pl.DataFrame(harness.query(
        f"select count(*) from market.features where commodity = '{commodity}'"))
    assert features.item() == expected.counts["accepted"]
    # rerunning the same file changes nothing
    before = harness.checksum(where=f"commodity = '{commodity}'")
    assert harness.run(part, files=[path]).success
    assert harness.checksum(where=f"commodity = '{commodity}'") == before
