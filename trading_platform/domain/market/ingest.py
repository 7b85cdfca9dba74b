"""Vendor market data ingestion: accept what is valid, quarantine or flag what is not.

A vendor file (CSV or Parquet, optionally ``.gz``/``.zip``-compressed) has the columns ``date,
open, high, low, close, volume``, or is close-only: ``date`` and one of ``close, price, value,
settle`` (optionally ``volume``); header case and surrounding whitespace are ignored. Its
commodity is the ``commodity`` argument (``ingest --commodity`` or the drop folder
``incoming/<commodity>/``), else a ``commodity`` column (a key or alias per row), else its file
name resolved by whole aliases (``domain.commodity_names``). Every value is read as text
first and validated here, so nothing is coerced silently. ``row`` is the CSV line number
(header = line 1) or the Parquet record number. Dates are exchange-local ``YYYY-MM-DD``;
day/month order is never guessed.

Policy:

| outcome | rule | when |
|---|---|---|
| file refused | ``unreadable`` | binary; not UTF-8; field count unlike the header; bad Parquet |
| file refused | ``empty_file`` | 0 bytes (or only whitespace): no header |
| file refused | ``no_data_rows`` | a header and nothing below it |
| file refused | ``missing_columns`` | a required column is absent (message lists found columns) |
| file refused | ``duplicate_columns`` | two header fields name the same column |
| file refused | ``unsupported_format`` | extension other than .csv/.tsv/.txt/.parquet/.pq |
| file refused | ``unknown_commodity`` | no commodity from argument/file name; no row names one |
| file refused | ``date_format`` | no row has an ISO ``YYYY-MM-DD`` date (first value quoted) |
| handled | - | UTF-8 BOM; ``,``/``;``/tab sniffed from the header; ``\\r\\n``; blank lines |
| handled | ``rows_out_of_order`` | rows dated before an earlier row of the same commodity: sorted |
| quarantined | ``empty_row`` | all price and volume fields empty (vendor holiday rows) |
| quarantined | ``bad_date`` | date not ISO ``YYYY-MM-DD`` or not a real day |
| quarantined | ``unknown_commodity`` | ``commodity`` value not in the universe |
| quarantined | ``before_partition_start`` | date < ``universe.partition_start`` |
| quarantined | ``future_date`` | date > ``today`` |
| quarantined | ``non_trading_day`` | not a trading weekday of the calendar (no date partition) |
| quarantined | ``missing_price`` | some of open/high/low/close empty |
| quarantined | ``non_numeric`` | a price or volume is not a number; volume not a whole number |
| quarantined | ``non_finite`` | nan or inf |
| quarantined | ``price_out_of_range`` | abs(price) > the commodity's ``max_price`` (e.g. 1e308) |
| quarantined | ``non_positive_price`` | price <= 0 and the commodity does not allow negatives |
| quarantined | ``ohlc_impossible`` | high < low |
| quarantined | ``negative_volume`` | volume < 0 |
| quarantined | ``duplicate_date`` | same commodity+date twice with different values: all copies |
| quarantined | ``duplicate_row`` | exact copy of an earlier row: the first is kept |
| quarantined | ``decimal_shift`` | a price 10x/100x (or 1/10, 1/100) both neighbouring rows' |
| flagged | ``close_only`` | the file is close-only: open, high and low stored empty |
| flagged | ``flat_bar`` | open == high == low == close |
| flagged | ``holiday_trading`` | a weekday that is a configured holiday of the calendar |
| flagged | ``missing_volume`` | volume blank (stored as null) |
| flagged | ``ohlc_unbracketed`` | high >= low but they do not bracket open and close |
| flagged | ``spike`` | abs log return vs the previous accepted close > ``spike_threshold`` |
| flagged | ``zero_volume`` | volume 0 |

A quarantined row carries the first hard rule it breaks, in the order above; an accepted row
lists every soft rule it trips in ``flags`` (sorted, comma-joined, "" when clean).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from trading_platform.config.universe import Universe
from trading_platform.domain.market import rules as r
from trading_platform.domain.market.readers import (
    IngestError,
    assign_commodity,
    normalise_columns,
    read_vendor_bytes,
)
from trading_platform.domain.market.schema import (
    PRICE_COLUMNS,
    QUARANTINE_SCHEMA,
    conform_market_frame,
)

__all__ = ["IngestError", "IngestResult", "ingest_bytes", "ingest_frame"]

_NUMERIC = (*PRICE_COLUMNS, "volume")
_MAX_VOLUME = 2.0**62  # a whole-number float beyond this cannot be an Int64 contract count


@dataclass(frozen=True, eq=False)
class IngestResult:
    """What one vendor file produced. Compare frames with ``DataFrame.equals``."""

    file: str
    commodity_counts: dict[str, int]  # accepted rows per commodity
    accepted: pl.DataFrame
    quarantine: pl.DataFrame
    counts: dict[str, int]
    rule_counts: dict[str, int]
    sha256: str | None = None  # of the file's bytes

    def summary(self) -> str:
        counts = self.counts
        rules = ", ".join(f"{name} {count}" for name, count in self.rule_counts.items())
        return (
            f"{self.file}: {counts['rows']} rows, {counts['accepted']} accepted "
            f"({counts['flagged']} flagged), {counts['quarantined']} quarantined; "
            f"rules: {rules or 'none'}"
        )


def ingest_bytes(
    file: str, content: bytes, universe: Universe, *, today: date, commodity: str | None = None
) -> IngestResult:
    """Validate the bytes of one vendor file named ``file`` (see the module policy); raise
    IngestError if refused. The refusal and the result carry the sha256 of the bytes."""
    sha256 = hashlib.sha256(content).hexdigest()
    try:
        raw = read_vendor_bytes(file, content)
        return ingest_frame(raw, file, universe, today=today, commodity=commodity, sha256=sha256)
    except IngestError as error:
        error.sha256 = sha256
        raise


def ingest_frame(
    raw: pl.DataFrame,
    file: str,
    universe: Universe,
    *,
    today: date,
    commodity: str | None = None,
    sha256: str | None = None,
) -> IngestResult:
    """Validate an all-string vendor frame with a ``row`` column; raise IngestError if refused."""
    frame = assign_commodity(normalise_columns(raw, file), file, universe, commodity)
    frame = r.with_spec_columns(_parse_values(frame), universe)
    _refuse_without_iso_dates(frame, file)
    hard_rules = _hard_rules(universe, today)
    judged = frame.with_columns(rule=r.first_broken_rule(hard_rules))
    rejected = judged.filter(pl.col("rule").is_not_null())
    rejected = rejected.with_columns(reason=r.reason_of(hard_rules),
                                     column=r.column_of(hard_rules))
    candidates = _judge_shifts(_judge_duplicates(judged.filter(pl.col("rule").is_null())))
    quarantine = pl.concat([rejected, candidates.filter(pl.col("rule").is_not_null())])
    accepted = _flag(candidates.filter(pl.col("rule").is_null()), file, sha256)
    result = _result(file, frame, accepted, _quarantine_frame(quarantine, file, sha256))
    return replace(result, sha256=sha256)


def _parse_values(frame: pl.DataFrame) -> pl.DataFrame:
    """Strict ISO dates and Float64 numbers; anything else parses to null (judged later)."""
    iso = pl.col("date_raw").str.contains(r"^\d{4}-\d{2}-\d{2}$").fill_null(False)
    return frame.with_columns(
        pl.when(iso).then(pl.col("date_raw").str.to_date("%Y-%m-%d", strict=False)).alias("date"),
        *[pl.col(f"{name}_raw").cast(pl.Float64(), strict=False).alias(name) for name in _NUMERIC],
    )


def _refuse_without_iso_dates(frame: pl.DataFrame, file: str) -> None:
    if frame["date"].is_not_null().any():
        return
    first = frame.row(0, named=True)
    reason = (
        f"date {first['date_raw'] or ''!r} is not in the expected format YYYY-MM-DD and no row "
        "has an ISO date (day/month order is never guessed)"
    )
    raise IngestError(file, first["row"], "date_format", reason)


def _raw_is_empty(column: str) -> pl.Expr:
    return pl.col(f"{column}_raw").is_null()


def _price_is_missing(column: str) -> pl.Expr:
    """An empty price field; open, high and low are empty by design in a close-only file."""
    missing = _raw_is_empty(column)
    return missing if column == "close" else missing & ~pl.col("close_only")


def _raw_not_a_number(column: str) -> pl.Expr:
    unparsed = pl.col(f"{column}_raw").is_not_null() & pl.col(column).is_null()
    if column != "volume":
        return unparsed
    value = pl.col(column)
    fractional = value.is_finite() & ((value != value.floor()) | (value.abs() > _MAX_VOLUME))
    return unparsed | fractional


def _quoted_raw(column: str) -> pl.Expr:
    shown = pl.lit(f"{column} '") + pl.col(f"{column}_raw") + "'"
    return shown + " (not a whole number)" if column == "volume" else shown


def _hard_rules(universe: Universe, today: date) -> list[r.Rule]:
    """The quarantine rules in the order they are tried; the first broken one wins."""
    start, day, on_date = universe.partition_start, pl.col("date_raw"), pl.lit("date")
    weekday, calendar = pl.col("date").dt.strftime("%A"), pl.col(r.SPEC_CALENDAR)
    return [
        r.Rule("empty_row", pl.all_horizontal([_raw_is_empty(c) for c in _NUMERIC]),
               pl.lit("all price and volume fields are empty (vendor holiday row)")),
        r.Rule("bad_date", pl.col("date").is_null(),
               r.sentence("date '", day.fill_null(""), "' is not an ISO date YYYY-MM-DD"),
               on_date),
        r.unknown_commodity(),
        r.Rule("before_partition_start", pl.col("date") < start,
               r.sentence(day, f" is before the partition start {start}"), on_date),
        r.Rule("future_date", pl.col("date") > today, r.sentence(day, f" is after today {today}"),
               on_date),
        r.Rule("non_trading_day", ~r.on_listed_weekday(), r.sentence(
            day, " is a ", weekday, ", not a trading weekday of calendar ", calendar), on_date),
        r.per_field_rule("missing_price", _price_is_missing, PRICE_COLUMNS,
                         pl.lit("empty price field(s): "), shown=pl.lit),
        r.per_field_rule("non_numeric", _raw_not_a_number, _NUMERIC, pl.lit("not a number: "),
                         shown=_quoted_raw),
        r.non_finite(),
        r.price_out_of_range(),
        r.non_positive_price(),
        r.ohlc_impossible(),
        r.negative_volume(),
    ]  # fmt: skip


def _judge_duplicates(candidates: pl.DataFrame) -> pl.DataFrame:
    """Mark repeated commodity+date rows: all copies if their values differ, else later copies."""
    keys = ("commodity", "date")
    copies = pl.len().over(keys)
    variants = pl.struct(_NUMERIC).n_unique().over(keys)
    first = pl.col("row").min().over(keys)
    rule = (
        pl.when((copies > 1) & (variants > 1))
        .then(pl.lit("duplicate_date"))
        .when((copies > 1) & (pl.col("row") != first))
        .then(pl.lit("duplicate_row"))
    )
    conflict = r.sentence(
        pl.col("commodity"), " ", pl.col("date_raw"), " appears ", copies.cast(pl.String()),
        " times with different values (first at row ", first.cast(pl.String()),
        "); none is chosen",
    )  # fmt: skip
    reason = (
        pl.when(pl.col("rule") == "duplicate_date")
        .then(conflict)
        .when(pl.col("rule") == "duplicate_row")
        .then(pl.lit("exact copy of row ") + first.cast(pl.String()))
    )
    return candidates.with_columns(rule=rule).with_columns(
        reason=reason, column=pl.when(pl.col("rule").is_not_null()).then(pl.lit("date")))


# A price 10x or 100x (or 1/10, 1/100) both neighbours: |log10 ratio - k| below this, k = +-1, 2.
_SHIFT_TOLERANCE = 0.1


def _shifted(column: str) -> pl.Expr:
    """Whether ``column`` is a decimal shift of both neighbouring rows of its commodity."""
    value = pl.col(column)
    ratios = [(value / value.shift(step).over("commodity")).log(10) for step in (1, -1)]
    return pl.any_horizontal([
        ((ratios[0] - k).abs() < _SHIFT_TOLERANCE) & ((ratios[1] - k).abs() < _SHIFT_TOLERANCE)
        for k in (-2, -1, 1, 2)
    ]).fill_null(False) & (value > 0)


def _judge_shifts(candidates: pl.DataFrame) -> pl.DataFrame:
    """Mark rows whose price is a decimal shift of both neighbours (``decimal_shift``).

    Neighbours are the rows before and after in date order among the file's rows that passed
    every other rule; a row at either end of the file has one neighbour and is never marked.
    """
    ordered = candidates.sort("commodity", "date", maintain_order=True)
    shift = r.per_field_rule("decimal_shift", _shifted, PRICE_COLUMNS,
                             pl.lit("10x or 100x off both neighbouring rows: "))
    flagged = pl.col("rule").is_null() & shift.test
    return ordered.with_columns(
        rule=pl.when(flagged).then(pl.lit("decimal_shift")).otherwise(pl.col("rule")),
        reason=pl.when(flagged).then(
            shift.reason + " (a decimal shift); the row is kept out").otherwise(pl.col("reason")),
        column=pl.when(flagged).then(shift.column).otherwise(pl.col("column")),
    )


def _flag(accepted: pl.DataFrame, file: str, sha256: str | None) -> pl.DataFrame:
    """Sort the accepted rows, list the soft rules each trips in ``flags``, name the source."""
    soft = [r.close_only(), r.flat_bar(), r.holiday_trading(),
            r.missing_volume(pl.col("close_only")),
            r.ohlc_unbracketed(), r.spike(), r.zero_volume()]  # fmt: skip
    flagged = accepted.sort("commodity", "date").with_columns(
        flags=r.broken_rule_names(soft), origin=pl.lit("vendor"), source=pl.lit(file),
        source_sha256=pl.lit(sha256, pl.String()),
    )
    return conform_market_frame(flagged)


def _quarantine_frame(rejected: pl.DataFrame, file: str, sha256: str | None) -> pl.DataFrame:
    raw_of = [pl.when(pl.col("column") == name).then(pl.col(f"{name}_raw"))
              for name in ("date", *_NUMERIC, "commodity") if f"{name}_raw" in rejected.columns]
    value = pl.coalesce(raw_of) if raw_of else pl.lit(None, pl.String())
    columns = [pl.lit(file).alias("file"), pl.lit(sha256, pl.String()).alias("sha256"), "row",
               "commodity", pl.col("date_raw").alias("date"), "column", value.alias("value"),
               "rule", "reason", "raw"]  # fmt: skip
    return rejected.select(columns).cast(QUARANTINE_SCHEMA).sort("row")


def _rows_out_of_order(frame: pl.DataFrame) -> int:
    """Rows dated before an earlier row of the same commodity, in file order."""
    latest_before = pl.col("date").cum_max().forward_fill().shift(1)
    late = (pl.col("date") < latest_before).over("commodity").fill_null(False)
    return int(frame.select(late.sum()).item())


def _result(
    file: str, frame: pl.DataFrame, accepted: pl.DataFrame, quarantine: pl.DataFrame
) -> IngestResult:
    flags = accepted["flags"].str.split(",").explode()
    rule_counts = Counter(quarantine["rule"].to_list()) + Counter(flags.filter(flags != ""))
    rule_counts["rows_out_of_order"] = _rows_out_of_order(frame)
    per_commodity = accepted.group_by("commodity").len()
    counts = {
        "rows": frame.height,
        "accepted": accepted.height,
        "flagged": int((accepted["flags"] != "").sum()),
        "quarantined": quarantine.height,
    }
    return IngestResult(
        file=file,
        commodity_counts=dict(sorted(per_commodity.iter_rows())),
        accepted=accepted,
        quarantine=quarantine,
        counts=counts,
        rule_counts={name: n for name, n in sorted(rule_counts.items()) if n > 0},
    )
