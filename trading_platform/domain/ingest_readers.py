"""Reading vendor market data files into all-string frames, and refusing unusable ones.

A read frame has one String column per header field (names as written) plus ``row``: the
1-based line number in a CSV file (header = line 1) or the 1-based record number in a Parquet
file. CSV text must be UTF-8 (a BOM is dropped); the delimiter (``,``, ``;`` or tab) is sniffed
from the header line; blank lines are skipped but still counted, so row numbers stay true to the
file. Parquet columns are cast to text: a Date column becomes ISO text, a Datetime column does
not (its dates are refused rather than truncated). ``normalise_columns`` and
``assign_commodity`` then give every frame the same shape (``row``, ``raw``, ``<column>_raw``
stripped text, ``commodity``). Nothing is parsed or coerced here; ``domain.ingest`` validates
the values.
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from trading_platform.config.universe import Universe
from trading_platform.domain.schema import VENDOR_COLUMNS

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
_DELIMITERS = (",", ";", "\t")


class IngestError(ValueError):
    """A whole vendor file refused: nothing from it was stored.

    ``row`` is the line (CSV) or record (Parquet) at fault, None when no single row is.
    """

    def __init__(self, file: str, row: int | None, rule: str, reason: str) -> None:
        self.file = file
        self.row = row
        self.rule = rule
        self.reason = reason
        where = f"market data file {file}" + (f" row {row}" if row is not None else "")
        super().__init__(f"{where}: {reason} (rule {rule}); nothing was stored")


def header_row(file: str) -> int | None:
    """The row number of the header: line 1 of a CSV; Parquet has no header row."""
    return None if Path(file).suffix.lower() in PARQUET_SUFFIXES else 1


def commodity_from_file_name(file: str, universe: Universe) -> str | None:
    """First ``_``/``-``/``.``-separated token of the stem that is a universe key, else None."""
    stem = Path(file).stem.lower()
    tokens = stem.replace("-", "_").replace(".", "_").split("_")
    return next((token for token in tokens if token in universe.commodities), None)


def read_vendor_file(path: Path) -> pl.DataFrame:
    """Read a CSV or Parquet vendor file as strings with a ``row`` column; raise IngestError."""
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES + PARQUET_SUFFIXES:
        supported = ", ".join(CSV_SUFFIXES + PARQUET_SUFFIXES)
        reason = f"extension {suffix or '(none)'!r} is not supported; use one of {supported}"
        raise IngestError(path.name, None, "unsupported_format", reason)
    if path.stat().st_size == 0:
        raise IngestError(path.name, 1, "empty_file", "the file is empty (0 bytes), no header")
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(path)
    return read_csv_bytes(path.name, path.read_bytes())


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path).select(pl.all().cast(pl.String()))
    except (pl.exceptions.PolarsError, OSError) as exc:
        reason = f"not a readable Parquet file with plain columns ({type(exc).__name__}: {exc})"
        raise IngestError(path.name, None, "unreadable", reason) from exc
    return frame.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64()))


def _decode(file: str, data: bytes) -> str:
    """UTF-8 text without BOM; binary or other encodings are refused naming the line."""
    nul = data.find(b"\x00")
    if nul >= 0:
        row = data[:nul].count(b"\n") + 1
        reason = f"binary content (NUL byte at offset {nul}); expected UTF-8 CSV text"
        raise IngestError(file, row, "unreadable", reason)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 1].hex()
        reason = f"byte 0x{bad} at offset {exc.start} is not UTF-8; re-export the file as UTF-8"
        raise IngestError(file, row, "unreadable", reason) from exc


def sniff_delimiter(header: str) -> str:
    """The most frequent of ``,``, ``;`` and tab in the header line (``,`` on ties)."""
    return max(_DELIMITERS, key=header.count)


def read_csv_bytes(file: str, data: bytes) -> pl.DataFrame:
    """Parse CSV bytes into strings with ``row`` = line number; blank lines are dropped."""
    text = _decode(file, data)
    if not text.strip():
        raise IngestError(file, 1, "empty_file", "the file holds only whitespace, no header")
    delimiter = sniff_delimiter(text.split("\n", 1)[0])
    _refuse_ragged_lines(file, text, delimiter)
    try:
        frame = pl.read_csv(
            io.BytesIO(text.encode("utf-8")), separator=delimiter, infer_schema=False
        )
    except pl.exceptions.PolarsError as exc:
        detail = str(exc).strip().split("\n")[0]
        reason = f"cannot be parsed as {delimiter!r}-delimited CSV: {detail}"
        raise IngestError(file, None, "unreadable", reason) from exc
    frame = frame.with_row_index("row", offset=2).with_columns(pl.col("row").cast(pl.Int64()))
    fields = [column for column in frame.columns if column != "row"]
    blank = pl.all_horizontal(
        [pl.col(column).str.strip_chars().fill_null("") == "" for column in fields]
    )
    return frame.filter(~blank)


def _refuse_ragged_lines(file: str, text: str, delimiter: str) -> None:
    """Refuse a line with more or fewer fields than the header: which field is missing or extra
    cannot be known. Lines with quotes are left to the CSV parser (a quoted field may hold the
    delimiter)."""
    lines = pl.Series(text.split("\n")).str.strip_chars("\r")
    fields = lines.str.count_matches(delimiter, literal=True) + 1
    checked = (lines.str.strip_chars() != "") & ~lines.str.contains('"', literal=True)
    ragged = (checked & (fields != fields[0])).arg_true()
    if len(ragged):
        line = int(ragged[0])
        reason = f"{fields[line]} fields where the header has {fields[0]} (delimiter {delimiter!r})"
        raise IngestError(file, line + 1, "unreadable", reason)


def normalise_columns(raw: pl.DataFrame, file: str) -> pl.DataFrame:
    """Lower-cased header, required columns present, values stripped ("" -> null) as ``*_raw``."""
    if "row" not in raw.columns:
        raw = raw.with_row_index("row", offset=1)
    fields = [column for column in raw.columns if column != "row"]
    names = [column.strip().lstrip("\ufeff").strip().lower() for column in fields]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        reason = f"column(s) {', '.join(repeated)} appear more than once in the header"
        raise IngestError(file, header_row(file), "duplicate_columns", reason)
    missing = [column for column in VENDOR_COLUMNS if column not in names]
    if missing:
        reason = f"missing column(s) {', '.join(missing)}; found {', '.join(fields) or 'none'}"
        raise IngestError(file, header_row(file), "missing_columns", reason)
    if raw.height == 0:
        raise IngestError(file, header_row(file), "no_data_rows", "header only, no data rows")
    wanted = [name for name in (*VENDOR_COLUMNS, "commodity") if name in names]
    by_name = dict(zip(names, fields, strict=True))
    return raw.select(
        pl.col("row").cast(pl.Int64()),
        pl.concat_str(
            [pl.col(c).cast(pl.String()).fill_null("") for c in fields], separator=","
        ).alias("raw"),
        *[_stripped(by_name[name]).alias(f"{name}_raw") for name in wanted],
    )


def _stripped(column: str) -> pl.Expr:
    value = pl.col(column).cast(pl.String()).str.strip_chars()
    return pl.when(value != "").then(value)


def assign_commodity(
    frame: pl.DataFrame, file: str, universe: Universe, commodity: str | None
) -> pl.DataFrame:
    """Add ``commodity``: the argument, else the ``commodity`` column, else the file name."""
    known = ", ".join(universe.commodity_keys)
    if commodity is None and "commodity_raw" in frame.columns:
        frame = frame.with_columns(commodity=pl.col("commodity_raw").str.to_lowercase())
        if not frame["commodity"].is_in(universe.commodity_keys).any():
            first = frame.row(0, named=True)
            reason = (
                f"no row names a universe commodity (first {first['commodity']!r}; known {known})"
            )
            raise IngestError(file, first["row"], "unknown_commodity", reason)
        return frame
    key = commodity if commodity is not None else commodity_from_file_name(file, universe)
    if key is None:
        reason = (
            f"the file name names no universe commodity (known {known}); rename the file, "
            "add a commodity column or pass commodity="
        )
        raise IngestError(file, None, "unknown_commodity", reason)
    if key not in universe.commodities:
        reason = f"commodity {key!r} is not in the universe (known {known})"
        raise IngestError(file, None, "unknown_commodity", reason)
    return frame.with_columns(commodity=pl.lit(key))
