"""Vendor file ingestion: the three real histories, then one tiny file per policy case."""

from __future__ import annotations

import random
import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from trading_platform.config import Universe
from trading_platform.domain.market.ingest import IngestError, IngestResult
from trading_platform.domain.market.schema import MARKET_SCHEMA, QUARANTINE_SCHEMA
from trading_platform.resources.market_sources import ingest_file

TODAY = date(2026, 11, 21)
HEADER = "date,open,high,low,close,volume"
# 2024-01-02..04 are Tuesday..Thursday, ordinary ICE/CBOT trading days; small moves, no flags.
CLEAN = [
    "2024-01-02,100,102,99,101,1000",
    "2024-01-03,101,103,100,102,1100",
    "2024-01-04,102,104,101,103,900",
]
BAD_LINE = 5  # header is line 1, CLEAN fills lines 2-4, so an appended row sits on line 5
HIGH_BELOW_LOW = "2024-01-05,100,99,101,100,5"


class Vendor:
    """Writes tiny vendor files into a folder and ingests them with the default universe."""

    def __init__(self, folder: Path, universe: Universe) -> None:
        self.folder = folder
        self.universe = universe

    def write(self, name: str, rows: list[str], header: str = HEADER) -> Path:
        path = self.folder / name
        path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
        return path

    def ingest(self, name: str, rows: list[str], header: str = HEADER) -> IngestResult:
        return ingest_file(self.write(name, rows, header), self.universe, today=TODAY)

    def refuse(self, path: Path, rule: str) -> IngestError:
        """Expect a refusal by ``rule`` whose message names the file, the row and the rule."""
        with pytest.raises(IngestError) as caught:
            ingest_file(path, self.universe, today=TODAY)
        error = caught.value
        assert (error.file, error.rule) == (path.name, rule)
        where = f"market data file {path.name}" + ("" if error.row is None else f" row {error.row}")
        assert str(error).startswith(f"{where}: ")
        assert str(error).endswith(f"(rule {rule}); nothing was stored")
        return error


@pytest.fixture
def vendor(tmp_path: Path, universe: Universe) -> Vendor:
    return Vendor(tmp_path, universe)


def _assert_same(left: IngestResult, right: IngestResult) -> None:
    provenance = ("source", "source_sha256")
    assert left.accepted.drop(provenance).equals(right.accepted.drop(provenance))
    assert left.quarantine.drop("file", "sha256").equals(right.quarantine.drop("file", "sha256"))
    assert (left.counts, left.rule_counts) == (right.counts, right.rule_counts)
    assert left.commodity_counts == right.commodity_counts


def _only_quarantined(result: IngestResult) -> dict[str, object]:
    assert result.quarantine.height == 1, result.quarantine
    return result.quarantine.row(0, named=True)


# Expected numbers, derived from the README where it states them (rows = README "rows"):
# coffee: 93 all-empty holiday rows -> empty_row; 5599 - 93 = 5506 accepted. All 552 OHLC rows
#   keep high >= low, so they are ohlc_unbracketed flags and none is ohlc_impossible; 227 flat
#   bars; 175 zero volumes. 12 spikes include the README's roll jumps +18.1 % on 2000-07-18
#   (ln 1.181 = 0.166 > 0.10) and -12.1 % on 2000-07-20 (|ln 0.879| = 0.129). 895 flagged is the
#   union of the overlapping flags, measured.
# sugar: the 3 weekend rows (2010-07-04, 2010-09-05, 2011-12-25) -> non_trading_day; 4705 - 3 =
#   4702 accepted. Those 3 rows are flat bars with blank volume, so flat_bar = 26 - 3 = 23 and
#   missing_volume = 31 - 3 = 28; zero_volume 20; all 35 OHLC rows unbracketed. The 5 weekday
#   holiday rows (2009-12-25, 2010-01-01, 2011-07-04, 2013-07-04, 2014-01-01) -> holiday_trading.
#   10 spikes include +14.0 % on 2008-07-01 (ln 1.14 = 0.131 > 0.10).
# corn: nothing quarantined; all 831 OHLC rows unbracketed. 11 spikes include -23.6 % 2013-07-15,
#   -17.4 % 2021-07-15, -16.8 % 2023-07-17 (|ln| 0.269, 0.191, 0.184 > corn's 0.08). flat_bar 114
#   and zero_volume 9 are not in the README, measured.
REAL_FILES = {
    "coffee_arabica_yahoo.csv": (
        {"rows": 5599, "accepted": 5506, "flagged": 895, "quarantined": 93},
        {"empty_row": 93, "flat_bar": 227, "ohlc_unbracketed": 552, "spike": 12,
         "zero_volume": 175},
        {date(2000, 7, 18), date(2000, 7, 20)},
    ),
    "sugar.csv": (
        {"rows": 4705, "accepted": 4702, "flagged": 82, "quarantined": 3},
        {"flat_bar": 23, "holiday_trading": 5, "missing_volume": 28, "non_trading_day": 3,
         "ohlc_unbracketed": 35, "spike": 10, "zero_volume": 20},
        {date(2008, 7, 1)},
    ),
    "corn.csv": (
        {"rows": 6405, "accepted": 6405, "flagged": 964, "quarantined": 0},
        {"flat_bar": 114, "ohlc_unbracketed": 831, "spike": 11, "zero_volume": 9},
        {date(2013, 7, 15), date(2021, 7, 15), date(2023, 7, 17)},
    ),
}


@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_ingest_file_given_real_file_counts_each_outcome_and_rule(
    name: str, universe: Universe, real_data_dir: Path
) -> None:
    counts, rule_counts, readme_spikes = REAL_FILES[name]
    result = ingest_file(real_data_dir / name, universe, today=TODAY)
    assert result.counts == counts
    assert result.rule_counts == rule_counts
    assert result.accepted.height + result.quarantine.height == counts["rows"]
    assert dict(result.accepted.schema) == MARKET_SCHEMA
    assert dict(result.quarantine.schema) == QUARANTINE_SCHEMA
    spikes = result.accepted.filter(pl.col("flags").str.contains("spike"))["date"].to_list()
    assert readme_spikes <= set(spikes)
    _assert_same(result, ingest_file(real_data_dir / name, universe, today=TODAY))


def test_ingest_file_given_sugar_weekend_rows_names_them(
    universe: Universe, real_data_dir: Path
) -> None:
    result = ingest_file(real_data_dir / "sugar.csv", universe, today=TODAY)
    assert result.quarantine["date"].to_list() == ["2010-07-04", "2010-09-05", "2011-12-25"]
    assert result.quarantine["reason"][0] == (
        "2010-07-04 is a Sunday, not a trading weekday of calendar ice_us"
    )


def _csv(rows: list[str], header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


# id: (file name, content, rule, row at fault, part of the message)
REFUSALS = {
    "empty_file": ("coffee.csv", b"", "empty_file", 1, "the file is empty (0 bytes)"),
    "header_only": ("coffee.csv", _csv([]), "no_data_rows", 1, "header only, no data rows"),
    "missing_column": (
        "coffee.csv", _csv(["2024-01-02,100,102,99,101"], "date,open,high,low,close"),
        "missing_columns", 1, "missing column(s) volume; found date, open, high, low, close",
    ),
    "renamed_column": (
        "coffee.csv", _csv(CLEAN, "Date,Open,HIGH,low,price,volume"), "missing_columns", 1,
        "missing column(s) close; found Date, Open, HIGH, low, price, volume",
    ),
    "day_first_dates": (
        "coffee.csv", _csv(["02/01/2024,100,102,99,101,1000", "03/01/2024,101,103,100,102,1"]),
        "date_format", 2, "date '02/01/2024' is not in the expected format YYYY-MM-DD",
    ),
    # No single row is at fault when the file name names no commodity: row is None.
    "unknown_commodity": ("bananas.csv", _csv(CLEAN), "unknown_commodity", None,
                          "`ingest --commodity cocoa`"),
    "binary_garbage": (  # seed 7 puts a NUL byte at offset 70, before any newline
        "coffee.csv", random.Random(7).randbytes(4096), "unreadable", 1, "binary content",
    ),
    "not_utf8": (
        "coffee.csv", _csv([*CLEAN[:2], "2024-01-04,caf\xe9"]).replace(b"\xc3\xa9", b"\xe9"),
        "unreadable", 4, "byte 0xe9 at offset 109 is not UTF-8",
    ),
    "ragged_line": (
        "coffee.csv", _csv([*CLEAN, "2024-01-05,1,2,1,1"]), "unreadable", BAD_LINE,
        "5 fields where the header has 6 (delimiter ',')",
    ),
    "unsupported_format": (
        "coffee.xlsx", _csv(CLEAN), "unsupported_format", None, "extension '.xlsx'",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_ingest_file_given_unusable_file_refuses_naming_file_row_and_rule(
    case: str, vendor: Vendor
) -> None:
    name, content, rule, row, message = REFUSALS[case]
    path = vendor.folder / name
    path.write_bytes(content)
    error = vendor.refuse(path, rule)
    assert error.row == row
    assert message in error.reason


@pytest.mark.parametrize(
    ("bad_row", "rule", "reason"),
    [
        ("2024-01-05,,,,,", "empty_row",
         "all price and volume fields are empty (vendor holiday row)"),
        ("2024-13-01,100,102,99,101,1", "bad_date",
         "date '2024-13-01' is not an ISO date YYYY-MM-DD"),
        ("1999-12-31,100,102,99,101,1", "before_partition_start",
         "1999-12-31 is before the partition start 2000-01-03"),
        ("2024-01-06,100,102,99,101,1", "non_trading_day",
         "2024-01-06 is a Saturday, not a trading weekday of calendar cbot"),
        ("2024-01-05,100,,99,101,1", "missing_price", "empty price field(s): high"),
        ("2024-01-05,1O1,102,99,n/a,5", "non_numeric", "not a number: open '1O1', close 'n/a'"),
        ("2024-01-05,1 234,1250,1200,1240,5", "non_numeric", "not a number: open '1 234'"),
        ("2024-01-05,100,102,99,101,1.5", "non_numeric",
         "not a number: volume '1.5' (not a whole number)"),
        ("2024-01-05,NaN,102,99,101,5", "non_finite", "not a finite number: open NaN"),
        ("2024-01-05,100,102,99,-inf,5", "non_finite", "not a finite number: close -inf"),
        ("2024-01-05,100,1e308,99,101,5", "price_out_of_range",
         "abs(price) above max_price 5000.0: high 1e+308"),
        ("2026-11-23,100,102,99,101,5", "future_date", "2026-11-23 is after today 2026-11-21"),
        ("2024-01-05,-1,1,-2,-1,5", "non_positive_price",
         "price <= 0 but corn does not allow negatives: open -1.0, low -2.0, close -1.0"),
        ("2024-01-05,102,101.2,103.0,102,1", "ohlc_impossible", "high 101.2 < low 103.0"),
        ("2024-01-05,100,102,99,101,-5", "negative_volume", "volume -5 < 0"),
    ],
)  # fmt: skip
def test_ingest_file_given_one_bad_row_quarantines_it_with_first_rule(
    bad_row: str, rule: str, reason: str, vendor: Vendor
) -> None:
    result = vendor.ingest("corn.csv", [*CLEAN, bad_row])
    row = _only_quarantined(result)
    assert (row["file"], row["row"], row["rule"]) == ("corn.csv", BAD_LINE, rule)
    assert row["raw"] == bad_row
    assert row["reason"] == reason
    assert result.counts == {"rows": 4, "accepted": 3, "flagged": 0, "quarantined": 1}


@pytest.mark.parametrize(
    ("extra_row", "flags"),
    [
        ("2024-01-05,103,103,103,103,500", "flat_bar"),
        ("2024-01-05,103,104,102,103,0", "zero_volume"),
        ("2024-01-05,103,104,102,103,", "missing_volume"),
        ("2024-01-05,103,103.5,102,104,500", "ohlc_unbracketed"),  # close 104 > high 103.5
        ("2024-01-05,103,113,102,112,500", "spike"),  # ln(112 / 103) = 0.084 > corn's 0.08
        ("2024-12-25,103,104,102,103,500", "holiday_trading"),  # Wednesday, fixed holiday 12-25
        ("2024-01-05,112,112,112,112,0", "flat_bar,spike,zero_volume"),
    ],
)
def test_ingest_file_given_suspicious_row_accepts_it_with_flags(
    extra_row: str, flags: str, vendor: Vendor
) -> None:
    result = vendor.ingest("corn.csv", [*CLEAN, extra_row])
    assert result.quarantine.is_empty()
    assert result.accepted["flags"].to_list() == ["", "", "", flags]
    assert result.counts["flagged"] == 1


def test_ingest_file_given_negative_crude_price_accepts_it(vendor: Vendor) -> None:
    # WTI settled at -37.63 on 2020-04-20 and crude allows negatives. The spike rule skips a
    # return whose close is <= 0, so the row carries no flag.
    rows = ["2020-04-17,19.87,20.39,17.31,18.27,5", "2020-04-20,17.73,17.85,-40.32,-37.63,5"]
    result = vendor.ingest("crude_wti.csv", rows)
    assert result.quarantine.is_empty()
    assert result.accepted["close"].to_list() == [18.27, -37.63]
    assert result.accepted["flags"].to_list() == ["", ""]


def test_ingest_file_given_duplicate_dates_with_different_values_quarantines_all(
    vendor: Vendor,
) -> None:
    result = vendor.ingest("corn.csv", [*CLEAN, "2024-01-03,101,103,100,102.5,1100"])
    assert result.quarantine["row"].to_list() == [3, 5]  # line 5 contradicts line 3: both go
    assert set(result.quarantine["rule"]) == {"duplicate_date"}
    assert "corn 2024-01-03 appears 2 times with different values" in result.quarantine["reason"][0]
    assert result.accepted["date"].to_list() == [date(2024, 1, 2), date(2024, 1, 4)]


def test_ingest_file_given_exact_duplicate_row_keeps_first(vendor: Vendor) -> None:
    # Line 3's values written differently ("101.0", "1.1e3"): a copy, so line 3 is kept.
    copy = "2024-01-03,101.0,103,100,102,1.1e3"
    row = _only_quarantined(vendor.ingest("corn.csv", [*CLEAN, copy]))
    assert (row["row"], row["rule"]) == (BAD_LINE, "duplicate_row")
    assert row["reason"] == "exact copy of row 3"


def test_ingest_file_given_unsorted_rows_sorts_and_counts_them(vendor: Vendor) -> None:
    # Line order 04, 02, 03: both 02 and 03 come after the later 04, so 2 rows out of order.
    result = vendor.ingest("corn.csv", [CLEAN[2], CLEAN[0], CLEAN[1]])
    plain = vendor.ingest("corn_2.csv", CLEAN)
    provenance = ("source", "source_sha256")
    assert result.accepted.drop(provenance).equals(plain.accepted.drop(provenance))
    assert result.rule_counts == {"rows_out_of_order": 2}
    assert result.quarantine.is_empty()


def test_ingest_file_given_bom_ingests_same_as_plain(vendor: Vendor) -> None:
    plain = vendor.ingest("corn.csv", [*CLEAN, HIGH_BELOW_LOW])
    bom = vendor.folder / "corn_3.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + (vendor.folder / "corn.csv").read_bytes())
    _assert_same(ingest_file(bom, vendor.universe, today=TODAY), plain)


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_ingest_file_given_other_delimiter_ingests_same_as_comma(
    delimiter: str, vendor: Vendor
) -> None:
    rows = [*CLEAN, HIGH_BELOW_LOW]
    plain = vendor.ingest("corn.csv", rows)
    other = [line.replace(",", delimiter) for line in rows]
    _assert_same(vendor.ingest("corn_4.csv", other, HEADER.replace(",", delimiter)), plain)


def test_ingest_file_given_crlf_and_blank_lines_ingests_same_as_plain(vendor: Vendor) -> None:
    plain = vendor.ingest("corn.csv", CLEAN)
    path = vendor.folder / "corn_5.csv"
    path.write_bytes("\r\n".join([HEADER, CLEAN[0], "", *CLEAN[1:]]).encode() + b"\r\n\r\n\r\n")
    result = ingest_file(path, vendor.universe, today=TODAY)
    provenance = ("source", "source_sha256")
    assert result.accepted.drop(provenance).equals(plain.accepted.drop(provenance))
    assert result.counts == plain.counts


def test_ingest_file_given_parquet_ingests_like_csv(vendor: Vendor) -> None:
    csv = vendor.ingest("corn.csv", [*CLEAN, HIGH_BELOW_LOW])
    typed = pl.read_csv(vendor.folder / "corn.csv", try_parse_dates=True)
    typed.write_parquet(vendor.folder / "corn.parquet")
    parquet = ingest_file(vendor.folder / "corn.parquet", vendor.universe, today=TODAY)
    provenance = ("source", "source_sha256")
    assert parquet.accepted.drop(provenance).equals(csv.accepted.drop(provenance))
    assert (parquet.counts, parquet.rule_counts) == (csv.counts, csv.rule_counts)
    row = _only_quarantined(parquet)
    assert (row["row"], row["rule"]) == (4, "ohlc_impossible")  # record 4, where CSV says line 5


def test_ingest_file_given_commodity_column_quarantines_unknown_value(vendor: Vendor) -> None:
    rows = ["coffee,2024-01-02,180,182,179,181,10", "Corn ,2024-01-02,450,452,449,451,20",
            "bananas,2024-01-02,1,2,1,1,30"]
    result = vendor.ingest("vendor_mix.csv", rows, "commodity," + HEADER)
    assert result.commodity_counts == {"coffee": 1, "corn": 1}
    row = _only_quarantined(result)
    assert (row["row"], row["rule"], row["commodity"]) == (4, "unknown_commodity", "bananas")
    assert row["reason"] == "commodity 'bananas' is not in the universe"


def test_ingest_file_given_200k_rows_is_fast_and_counts_add_up(
    vendor: Vendor, universe: Universe
) -> None:
    # 30 commodities x 6,667 weekdays from 2000-01-03 (to 2025-07) = 200,010 rows, cut to
    # 200,000; every 1,000th row is an empty vendor holiday row -> 200 empty_row quarantines.
    keys = [f"c{number:02d}" for number in range(30)]
    corn = universe.commodity("corn")
    big = universe.model_copy(update={"commodities": dict.fromkeys(keys, corn)})
    days = pl.date_range(date(2000, 1, 3), date(2026, 1, 1), eager=True)
    days = days.filter(days.dt.weekday() <= 5).head(6_667)
    grid = pl.DataFrame({"commodity": keys}).join(pl.DataFrame({"date": days}), how="cross")
    price = 400 + (pl.col("index") % 7).cast(pl.Float64)
    kept = pl.col("index") % 1_000 != 999
    columns = {"open": 0.0, "high": 2.0, "low": -2.0, "close": 1.0}
    frame = grid.head(200_000).with_row_index().select(
        "commodity", "date",
        *[pl.when(kept).then(price + shift).alias(name) for name, shift in columns.items()],
        pl.when(kept).then(pl.lit(1_000)).alias("volume"),
    )
    frame.write_csv(vendor.folder / "vendor_bulk.csv")
    started = time.perf_counter()
    result = ingest_file(vendor.folder / "vendor_bulk.csv", big, today=TODAY)
    elapsed = time.perf_counter() - started
    assert result.counts["rows"] == 200_000
    assert result.counts["accepted"] + result.counts["quarantined"] == 200_000
    assert result.rule_counts["empty_row"] == 200 == result.counts["quarantined"]
    assert elapsed < 5.0, f"ingesting 200k rows took {elapsed:.2f} s"
