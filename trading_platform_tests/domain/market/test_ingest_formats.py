"""Vendor file formats: close-only series, decimal shifts caught row by row, compressed files."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import zipfile
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from trading_platform.domain.features.build import build_features
from trading_platform.domain.market.ingest import IngestResult
from trading_platform.domain.market.quality import evaluate_market_quality
from trading_platform.domain.market.readers import IngestError
from trading_platform.resources.market_sources import ingest_file

TODAY = dt.date(2026, 11, 21)
# Tue 2024-01-02 .. Mon 01-08: five trading days; closes 100, 101, 102, 103, 104.
DAYS = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08"]
OHLCV = "date,open,high,low,close,volume\n" + "".join(
    f"{day},{99 + n},{101 + n},{98 + n},{100 + n},{1000 + n}\n" for n, day in enumerate(DAYS))


def _ingest(folder: Path, name: str, content: str | bytes) -> IngestResult:
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return ingest_file(path, _UNIVERSE, today=TODAY)


@pytest.fixture(autouse=True)
def _universe(universe):
    global _UNIVERSE
    _UNIVERSE = universe


@pytest.mark.parametrize("column", ["close", "Price", "value", "SETTLE"])
def test_ingest_file_given_close_only_file_stores_close_and_flags_it(tmp_path, column):
    text = f"Date,{column}\n" + "".join(f"{day},{100 + n}\n" for n, day in enumerate(DAYS))
    result = _ingest(tmp_path, "sugar_2024.csv", text)
    accepted = result.accepted
    assert accepted["close"].to_list() == [100.0, 101.0, 102.0, 103.0, 104.0]
    assert accepted.select(pl.col("open", "high", "low", "volume").null_count()).row(0) == (
        5, 5, 5, 5)
    assert set(accepted["flags"]) == {"close_only"}  # volume is optional in this format
    assert result.quarantine.is_empty()


def test_ingest_file_given_close_only_with_volume_keeps_volume(tmp_path):
    text = "date,settle,volume\n" + "".join(f"{d},{100 + n},{7 + n}\n" for n, d in enumerate(DAYS))
    accepted = _ingest(tmp_path, "corn_2024.csv", text).accepted
    assert accepted["volume"].to_list() == [7, 8, 9, 10, 11]
    assert set(accepted["flags"]) == {"close_only"}


def test_ingest_file_given_close_only_row_without_close_quarantines_naming_close(tmp_path):
    result = _ingest(tmp_path, "sugar_2024.csv", "date,close,volume\n2024-01-02,,5\n"
                                                 "2024-01-03,12.5,6\n")
    row = result.quarantine.row(0, named=True)
    assert (row["row"], row["rule"], row["column"]) == (2, "missing_price", "close")


def test_ingest_file_given_two_close_candidates_refuses_listing_formats(tmp_path):
    with pytest.raises(IngestError) as caught:
        _ingest(tmp_path, "sugar_2024.csv", "date,close,price\n2024-01-02,1,1\n")
    assert caught.value.rule == "ambiguous_price_column"
    assert "close-only: date and one price column" in caught.value.reason


def test_ingest_file_given_partial_ohlc_refuses_naming_column_and_formats(tmp_path):
    with pytest.raises(IngestError) as caught:
        _ingest(tmp_path, "sugar_2024.csv", "date,open,close\n2024-01-02,1,1\n")
    assert caught.value.rule == "missing_columns"
    assert caught.value.reason.startswith("missing column(s) high, low, volume; found date")
    assert "OHLCV: date, open, high, low, close, volume" in caught.value.reason


def test_close_only_rows_pass_the_stored_checks_and_build_finite_features(tmp_path, universe):
    # Two years of weekdays, close-only: checks that need high/low use the close instead.
    days = pl.date_range(dt.date(2022, 1, 3), dt.date(2023, 12, 29), eager=True)
    days = days.filter(days.dt.weekday() < 6)
    closes = 100 * np.exp(np.cumsum(np.random.default_rng(3).normal(0, 0.01, days.len())))
    text = "date,close\n" + "".join(f"{d},{c:.4f}\n" for d, c in zip(days, closes, strict=True))
    market = _ingest(tmp_path, "coffee_2022.csv", text).accepted
    outcomes = {o.name: o for o in evaluate_market_quality(market, universe)}
    assert outcomes["ohlc_consistent"].passed, outcomes["ohlc_consistent"].description
    features = build_features(market, universe).filter(~pl.col("warm_up"))
    assert features.height > 200
    assert all(features[c].is_finite().all() for c in ("atr_14_pct", "dist_52w_high"))
    # True range of a close-only bar = |c_t - c_{t-1}|; ATR is their 14-row mean / |c_t|.
    last = market.tail(15)["close"].to_numpy()
    expected = np.abs(np.diff(last)).mean() / abs(last[-1])
    assert features["atr_14_pct"][-1] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("factor", "shown"), [(100, "10300"), (10, "1030"), (0.1, "10.3"),
                                               (0.01, "1.03")])
def test_ingest_file_given_decimal_shift_quarantines_that_row_only(tmp_path, factor, shown):
    lines = OHLCV.splitlines()
    day, o, h, lo, c, v = lines[4].split(",")  # 2024-01-05, close 103
    lines[4] = ",".join([day, *(f"{float(x) * factor:g}" for x in (o, h, lo, c)), v])
    # Cocoa: 10300 stays below its max_price, so the shift is what catches the row.
    result = _ingest(tmp_path, "cocoa_2024.csv", "\n".join(lines) + "\n")
    row = result.quarantine.row(0, named=True)
    assert result.quarantine.height == 1
    assert (row["row"], row["rule"], row["date"]) == (5, "decimal_shift", "2024-01-05")
    assert row["column"] == "open" and "a decimal shift" in row["reason"]
    assert f"close {shown}" in row["reason"]
    assert result.accepted["date"].cast(pl.String).to_list() == [d for d in DAYS
                                                                 if d != "2024-01-05"]


def test_ingest_file_given_genuine_jump_keeps_the_row(tmp_path):
    # +60 % then flat: a real (if wild) move is flagged as a spike, never a decimal shift.
    lines = OHLCV.splitlines()
    lines[4] = "2024-01-05,160,166,158,165,1003"
    result = _ingest(tmp_path, "coffee_2024.csv", "\n".join(lines) + "\n")
    assert result.quarantine.is_empty()
    assert result.rule_counts.get("spike") == 2


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _parquet(text: str) -> bytes:
    buffer = io.BytesIO()
    pl.read_csv(io.StringIO(text), try_parse_dates=True).write_parquet(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "content"), [
    ("coffee_2024.csv.gz", gzip.compress(OHLCV.encode())),
    ("coffee_2024.zip", _zip({"export/prices.csv": OHLCV.encode()})),
    ("coffee_2024.zip", _zip({"prices.parquet": _parquet(OHLCV)})),
    ("coffee_2024.parquet.gz", gzip.compress(_parquet(OHLCV))),
])
def test_ingest_file_given_compressed_file_ingests_like_plain(tmp_path, name, content):
    plain = _ingest(tmp_path, "coffee_2024.csv", OHLCV)
    packed = _ingest(tmp_path, name, content)
    provenance = ["source", "source_sha256"]
    assert packed.accepted.drop(provenance).equals(plain.accepted.drop(provenance))
    assert packed.accepted["source"][0] == name


@pytest.mark.parametrize(("name", "content", "rule", "message"), [
    ("coffee_2024.zip", _zip({"a.csv": b"x", "b.csv": b"y"}), "unsupported_archive",
     "holds a.csv, b.csv"),
    ("coffee_2024.zip", _zip({"prices.xlsx": b"x"}), "unsupported_format", "'.xlsx'"),
    ("coffee_2024.csv.gz", b"not gzip at all", "unreadable", "not a readable .gz archive"),
    ("coffee_2024.zip", b"PK broken", "unreadable", "not a readable .zip archive"),
])
def test_ingest_file_given_bad_archive_refuses_naming_rule(tmp_path, name, content, rule,
                                                         message):
    with pytest.raises(IngestError) as caught:
        _ingest(tmp_path, name, content)
    assert caught.value.rule == rule and message in caught.value.reason


def test_ingest_file_given_row_error_records_column_value_and_sha256(tmp_path):
    result = _ingest(tmp_path, "coffee_2024.csv", OHLCV + "2024-01-09,100,1O2,99,101,1\n")
    row = result.quarantine.row(0, named=True)
    assert (row["row"], row["column"], row["value"], row["rule"]) == (7, "high", "1O2",
                                                                      "non_numeric")
    assert row["sha256"] == result.accepted["source_sha256"][0] and len(row["sha256"]) == 64
