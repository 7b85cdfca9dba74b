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

import gzip
import io
import zipfile
import zlib
from pathlib import Path, PurePath

import polars as pl

from trading_platform.config.universe import Universe
from trading_platform.domain.market.names import (
    COMPRESSED_SUFFIXES,
    CommodityNameError,
    commodity_from_file_name,
)
from trading_platform.domain.market.schema import VENDOR_COLUMNS

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
_DELIMITERS = (",", ";", "\t")
# Names a close-only file may give its one price column.
CLOSE_ONLY_NAMES = ("close", "price", "value", "settle")


class IngestError(ValueError):
    """A whole vendor file refused: nothing from it was stored.

    ``row`` is the line (CSV) or record (Parquet) at fault, None when no single row is.
    """

    def __init__(self, file: str, row: int | None, rule: str, reason: str,
                 sha256: str | None = None) -> None:
        self.file = file
        self.row = row
        self.rule = rule
        self.reason = reason
        self.sha256 = sha256  # of the refused file's bytes, when they were read
        where = f"market data file {file}" + (f" row {row}" if row is not None else "")
        super().__init__(f"{where}: {reason} (rule {rule}); nothing was stored")


def header_row(file: str) -> int | None:
    """The row number of the header: line 1 of a CSV; Parquet has no header row."""
    name = file.lower().removesuffix(".gz")
    return None if Path(name).suffix in PARQUET_SUFFIXES else 1


def read_vendor_bytes(file: str, content: bytes) -> pl.DataFrame:
    """Parse a CSV or Parquet vendor file's bytes as strings with a ``row`` column; raise
    IngestError.

    ``name.csv.gz`` / ``name.parquet.gz`` are gunzipped; a ``.zip`` must hold exactly one CSV or
    Parquet member. Rows are numbered within the data file as if it were not compressed.
    """
    suffix = PurePath(file).suffix.lower()
    if suffix in COMPRESSED_SUFFIXES:
        inner, data = _decompress(file, content)
        return _read_bytes(file, inner, data)
    _check_suffix(file, suffix)
    return _read_bytes(file, suffix, content)


def _check_suffix(file: str, suffix: str) -> None:
    if suffix not in CSV_SUFFIXES + PARQUET_SUFFIXES:
        supported = ", ".join((*CSV_SUFFIXES, *PARQUET_SUFFIXES, *COMPRESSED_SUFFIXES))
        reason = (f"extension {suffix or '(none)'!r} is not supported; use one of {supported} "
                  f"({ACCEPTED_FORMATS}; .gz/.zip holding one such file)")
        raise IngestError(file, None, "unsupported_format", reason)


def _read_bytes(file: str, suffix: str, data: bytes) -> pl.DataFrame:
    if not data:
        raise IngestError(file, 1, "empty_file", "the file is empty (0 bytes), no header")
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(file, data)
    return read_csv_bytes(file, data)


def _decompress(file: str, content: bytes) -> tuple[str, bytes]:
    """(the data file's suffix, its bytes) from a .gz or a single-member .zip."""
    suffix = PurePath(file).suffix.lower()
    try:
        if suffix == ".gz":
            inner = PurePath(file[: -len(".gz")]).suffix.lower()
            _check_suffix(file, inner)
            return inner, gzip.decompress(content)
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) != 1:
                listed = ", ".join(m.filename for m in members) or "nothing"
                reason = f"a .zip must hold exactly one CSV or Parquet file; it holds {listed}"
                raise IngestError(file, None, "unsupported_archive", reason)
            inner = PurePath(members[0].filename).suffix.lower()
            _check_suffix(file, inner)
            return inner, archive.read(members[0])
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        reason = f"not a readable {suffix} archive ({type(error).__name__}: {error})"
        raise IngestError(file, None, "unreadable", reason) from error


def _read_parquet(file: str, data: bytes) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(io.BytesIO(data)).select(pl.all().cast(pl.String()))
    except (pl.exceptions.PolarsError, OSError) as exc:
        reason = f"not a readable Parquet file with plain columns ({type(exc).__name__}: {exc})"
        raise IngestError(file, None, "unreadable", reason) from exc
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


ACCEPTED_FORMATS = (
    "OHLCV: date, open, high, low, close, volume (optionally commodity); "
    "close-only: date and one price column named close, price, value or settle "
    "(optionally volume, commodity)"
)


def _price_layout(names: list[str], fields: list[str], file: str) -> dict[str, str | None]:
    """Which header field feeds each price column: OHLCV as named, or one close-only column
    (open, high and low then stay empty); refuses a header that is neither."""
    ohlc = [name for name in ("open", "high", "low") if name in names]
    closes = [name for name in CLOSE_ONLY_NAMES if name in names]
    if not ohlc and len(closes) == 1 and "date" in names:
        return {"open": None, "high": None, "low": None, "close": closes[0],
                "volume": "volume" if "volume" in names else None}
    if not ohlc and len(closes) > 1:
        reason = (f"price columns {', '.join(closes)} are all present and none is open, high "
                  f"or low, so which one is the close cannot be told; accepted formats: "
                  f"{ACCEPTED_FORMATS}")
        raise IngestError(file, header_row(file), "ambiguous_price_column", reason)
    missing = [column for column in VENDOR_COLUMNS if column not in names]
    if missing:
        reason = (f"missing column(s) {', '.join(missing)}; found {', '.join(fields) or 'none'}"
                  f"; accepted formats: {ACCEPTED_FORMATS}")
        raise IngestError(file, header_row(file), "missing_columns", reason)
    return {name: name for name in VENDOR_COLUMNS if name != "date"}


def normalise_columns(raw: pl.DataFrame, file: str) -> pl.DataFrame:
    """Lower-cased header, a known format, values stripped ("" -> null) as ``*_raw``.

    ``close_only`` is true for a close-only file (open, high and low raw values are null).
    """
    if "row" not in raw.columns:
        raw = raw.with_row_index("row", offset=1)
    fields = [column for column in raw.columns if column != "row"]
    names = [column.strip().lstrip("\ufeff").strip().lower() for column in fields]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        reason = f"column(s) {', '.join(repeated)} appear more than once in the header"
        raise IngestError(file, header_row(file), "duplicate_columns", reason)
    layout = _price_layout(names, fields, file)
    if raw.height == 0:
        raise IngestError(file, header_row(file), "no_data_rows", "header only, no data rows")
    by_name = dict(zip(names, fields, strict=True))
    sources = {"date": "date", **layout}
    if "commodity" in names:
        sources["commodity"] = "commodity"
    return raw.select(
        pl.col("row").cast(pl.Int64()),
        pl.concat_str(
            [pl.col(c).cast(pl.String()).fill_null("") for c in fields], separator=","
        ).alias("raw"),
        *[(_stripped(by_name[source]) if source else pl.lit(None, pl.String())).alias(
            f"{name}_raw") for name, source in sources.items()],
        pl.lit(layout["open"] is None).alias("close_only"),
    )


def _stripped(column: str) -> pl.Expr:
    value = pl.col(column).cast(pl.String()).str.strip_chars()
    return pl.when(value != "").then(value)


def assign_commodity(
    frame: pl.DataFrame, file: str, universe: Universe, commodity: str | None
) -> pl.DataFrame:
    """Add ``commodity``: the argument, else the ``commodity`` column (a key or alias per row),
    else the file name (``domain.commodity_names``). An argument that contradicts the column
    is refused rather than relabelling the rows."""
    known = ", ".join(universe.commodity_keys)
    if commodity is not None and commodity not in universe.commodities:
        reason = f"commodity {commodity!r} is not in the universe (known {known})"
        raise IngestError(file, None, "unknown_commodity", reason)
    if "commodity_raw" not in frame.columns:
        if commodity is None:
            try:
                commodity = commodity_from_file_name(file, universe)
            except CommodityNameError as error:
                raise IngestError(file, None, error.rule, error.reason) from error
        return frame.with_columns(commodity=pl.lit(commodity))
    owners = universe.alias_owners
    comparable = (pl.col("commodity_raw").str.strip_chars().str.to_lowercase()
                  .str.replace_all(r"[-. ]+", "_").str.strip_chars("_"))
    named = frame.with_columns(commodity=comparable.replace(owners))
    resolved = named["commodity"].is_in(universe.commodity_keys)
    if commodity is not None:
        other = named.filter(resolved & (pl.col("commodity") != commodity))
        if other.height:
            first = other.row(0, named=True)
            reason = (f"the commodity column says {first['commodity']!r} but --commodity says "
                      f"{commodity!r}; rows are never relabelled: drop --commodity or fix the "
                      "column")
            raise IngestError(file, first["row"], "commodity_conflict", reason)
    if not resolved.any():
        first = named.row(0, named=True)
        reason = f"no row names a universe commodity (first {first['commodity']!r}; known {known})"
        raise IngestError(file, first["row"], "unknown_commodity", reason)
    return named
