"""Row rules shared by vendor-file ingestion (``domain.ingest``) and the stored-data checks
(``domain.quality``), so that a rule means the same thing at the door and in the warehouse.

Frame contract: columns named as in ``MARKET_SCHEMA`` (``commodity``, ``date``, Float64 prices,
numeric ``volume``) plus the per-commodity limits that ``with_spec_columns`` joins on. A rule's
``test`` is true where the row breaks it; null (a value that is missing) never counts as a break,
because emptiness has rules of its own. ``reason`` is a sentence naming the values and is only
meaningful where ``test`` is true. Log returns are ``ln(close / previous close)`` of the same
commodity in the frame's row order (sort by commodity, date first), null when either close is
missing or <= 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import polars as pl

from trading_platform.config.universe import Universe
from trading_platform.domain.market.schema import PRICE_COLUMNS

SPEC_MAX_PRICE = "spec_max_price"
SPEC_ALLOW_NEGATIVE = "spec_allow_negative_prices"
SPEC_SPIKE_THRESHOLD = "spec_spike_threshold"
SPEC_CALENDAR = "spec_calendar"
SPEC_WEEKDAYS = "spec_weekdays"
SPEC_FIXED_HOLIDAYS = "spec_fixed_holidays"
SPEC_HOLIDAYS = "spec_holidays"


class Rule(NamedTuple):
    """A named row rule: ``test`` marks breaking rows, ``reason`` explains one, ``column``
    names the field at fault (null when the whole row is)."""

    name: str
    test: pl.Expr
    reason: pl.Expr
    column: pl.Expr = pl.lit(None, pl.String())


def spec_frame(universe: Universe) -> pl.DataFrame:
    """Return one row per commodity with its price limits and trading calendar."""
    rows = []
    for key in universe.commodity_keys:
        spec = universe.commodity(key)
        calendar = universe.calendar_for(key)
        rows.append(
            {
                "commodity": key,
                SPEC_MAX_PRICE: spec.max_price,
                SPEC_ALLOW_NEGATIVE: spec.allow_negative_prices,
                SPEC_SPIKE_THRESHOLD: spec.spike_threshold,
                SPEC_CALENDAR: spec.calendar,
                SPEC_WEEKDAYS: list(calendar.weekdays),
                SPEC_FIXED_HOLIDAYS: list(calendar.fixed_holidays),
                SPEC_HOLIDAYS: list(calendar.holidays),
            }
        )
    schema = {
        "commodity": pl.String(),
        SPEC_MAX_PRICE: pl.Float64(),
        SPEC_ALLOW_NEGATIVE: pl.Boolean(),
        SPEC_SPIKE_THRESHOLD: pl.Float64(),
        SPEC_CALENDAR: pl.String(),
        SPEC_WEEKDAYS: pl.List(pl.Int64()),
        SPEC_FIXED_HOLIDAYS: pl.List(pl.String()),
        SPEC_HOLIDAYS: pl.List(pl.Date()),
    }
    return pl.DataFrame(rows, schema=schema)


def with_spec_columns(frame: pl.DataFrame, universe: Universe) -> pl.DataFrame:
    """Left-join the commodity limits onto ``frame``, keeping its row order (null if unknown)."""
    return frame.join(spec_frame(universe), on="commodity", how="left", maintain_order="left")


def first_broken_rule(rules: Sequence[Rule]) -> pl.Expr:
    """Name of the first rule in ``rules`` that the row breaks, else null."""
    chain = pl.when(rules[0].test.fill_null(False)).then(pl.lit(rules[0].name))
    for rule in rules[1:]:
        chain = chain.when(rule.test.fill_null(False)).then(pl.lit(rule.name))
    return chain.otherwise(pl.lit(None, pl.String()))


def reason_of(rules: Sequence[Rule], rule_column: str = "rule") -> pl.Expr:
    """The reason sentence of the rule named in ``rule_column`` (null when none)."""
    chain = pl.when(pl.col(rule_column) == rules[0].name).then(rules[0].reason)
    for rule in rules[1:]:
        chain = chain.when(pl.col(rule_column) == rule.name).then(rule.reason)
    return chain.otherwise(pl.lit(None, pl.String()))


def column_of(rules: Sequence[Rule], rule_column: str = "rule") -> pl.Expr:
    """The field at fault for the rule named in ``rule_column`` (null when none)."""
    chain = pl.when(pl.col(rule_column) == rules[0].name).then(rules[0].column)
    for rule in rules[1:]:
        chain = chain.when(pl.col(rule_column) == rule.name).then(rule.column)
    return chain.otherwise(pl.lit(None, pl.String()))


def broken_rule_names(rules: Sequence[Rule]) -> pl.Expr:
    """All rules the row breaks, sorted by name and comma-joined ("" when none)."""
    parts = [
        pl.when(rule.test.fill_null(False)).then(pl.lit(rule.name))
        for rule in sorted(rules, key=lambda rule: rule.name)
    ]
    return pl.concat_str(parts, separator=",", ignore_nulls=True)


def sentence(*parts: str | pl.Expr) -> pl.Expr:
    """Concatenate literal text and expressions into one reason string per row."""
    return pl.concat_str([pl.lit(part) if isinstance(part, str) else part for part in parts])


def text(column: str) -> pl.Expr:
    """The column's value as text for reasons (volumes without a trailing ``.0``)."""
    value = pl.col(column)
    if column == "volume":
        value = value.cast(pl.Int64(), strict=False)
    return value.cast(pl.String()).fill_null("")


def _fields_breaking(predicate: Callable[[str], pl.Expr], columns: Sequence[str]) -> pl.Expr:
    """Boolean: some column breaks ``predicate``."""
    return pl.any_horizontal([predicate(column).fill_null(False) for column in columns])


def shown_value(column: str) -> pl.Expr:
    """``close 101.5``: the column name and its value, for reasons."""
    return pl.lit(f"{column} ") + text(column)


def per_field_rule(
    name: str,
    predicate: Callable[[str], pl.Expr],
    columns: Sequence[str],
    prefix: pl.Expr,
    shown: Callable[[str], pl.Expr] = shown_value,
) -> Rule:
    """A rule broken when any of ``columns`` breaks ``predicate``; the reason lists those."""
    listing = pl.concat_str(
        [pl.when(predicate(column).fill_null(False)).then(shown(column)) for column in columns],
        separator=", ",
        ignore_nulls=True,
    )
    first = pl.coalesce(
        [pl.when(predicate(column).fill_null(False)).then(pl.lit(column)) for column in columns]
    )
    return Rule(name, _fields_breaking(predicate, columns), prefix + listing, first)


def unknown_commodity() -> Rule:
    reason = pl.lit("commodity '") + pl.col("commodity").fill_null("") + "' is not in the universe"
    return Rule("unknown_commodity", pl.col(SPEC_MAX_PRICE).is_null(), reason,
                pl.lit("commodity"))


def non_finite(columns: Sequence[str] = (*PRICE_COLUMNS, "volume")) -> Rule:
    def predicate(column: str) -> pl.Expr:
        return ~pl.col(column).is_finite()

    return per_field_rule("non_finite", predicate, columns, pl.lit("not a finite number: "))


def price_out_of_range() -> Rule:
    def predicate(column: str) -> pl.Expr:
        return pl.col(column).abs() > pl.col(SPEC_MAX_PRICE)

    prefix = pl.lit("abs(price) above max_price ") + text(SPEC_MAX_PRICE) + ": "
    return per_field_rule("price_out_of_range", predicate, PRICE_COLUMNS, prefix)


def non_positive_price() -> Rule:
    def predicate(column: str) -> pl.Expr:
        return (pl.col(column) <= 0) & ~pl.col(SPEC_ALLOW_NEGATIVE)

    prefix = pl.lit("price <= 0 but ") + pl.col("commodity") + " does not allow negatives: "
    return per_field_rule("non_positive_price", predicate, PRICE_COLUMNS, prefix)


def ohlc_impossible() -> Rule:
    reason = pl.lit("high ") + text("high") + " < low " + text("low")
    return Rule("ohlc_impossible", pl.col("high") < pl.col("low"), reason, pl.lit("high"))


def negative_volume() -> Rule:
    reason = pl.lit("volume ") + text("volume") + " < 0"
    return Rule("negative_volume", pl.col("volume") < 0, reason, pl.lit("volume"))


def ohlc_unbracketed() -> Rule:
    outside = (pl.col("high") < pl.max_horizontal("open", "close")) | (
        pl.col("low") > pl.min_horizontal("open", "close")
    )
    reason = sentence(
        "high ", text("high"), " / low ", text("low"),
        " do not bracket open ", text("open"), " / close ", text("close"),
    )  # fmt: skip
    return Rule("ohlc_unbracketed", (pl.col("high") >= pl.col("low")) & outside, reason)


def flat_bar() -> Rule:
    flat = (
        (pl.col("open") == pl.col("high"))
        & (pl.col("high") == pl.col("low"))
        & (pl.col("low") == pl.col("close"))
    )
    return Rule("flat_bar", flat, pl.lit("open = high = low = close = ") + text("close"))


def zero_volume() -> Rule:
    return Rule("zero_volume", pl.col("volume") == 0, pl.lit("volume 0"))


def missing_volume(close_only: pl.Expr | None = None) -> Rule:
    """Volume blank; never for close-only rows, whose format has no volume to leave blank."""
    blank = pl.col("volume").is_null()
    if close_only is not None:
        blank = blank & ~close_only
    return Rule("missing_volume", blank, pl.lit("volume blank"))


def flagged_close_only() -> pl.Expr:
    """A stored row from a close-only file (its ``flags`` name ``close_only``)."""
    return pl.col("flags").str.contains("close_only", literal=True).fill_null(False)


def close_only() -> Rule:
    """A row from a close-only file: open, high and low are empty by design."""
    reason = pl.lit("close-only row: open, high and low are empty")
    return Rule("close_only", pl.col("close_only"), reason)


def previous_close() -> pl.Expr:
    return pl.col("close").shift(1).over("commodity")


def close_log_return() -> pl.Expr:
    """ln(close / previous close) within the commodity; null when either is missing or <= 0."""
    both_positive = (pl.col("close") > 0) & (previous_close() > 0)
    return pl.when(both_positive).then((pl.col("close") / previous_close()).log())


def spike() -> Rule:
    size = close_log_return().abs()
    reason = sentence(
        "close ", text("close"), " vs previous ", previous_close().cast(pl.String()),
        ": abs log return ", size.round(3).cast(pl.String()), " > ", text(SPEC_SPIKE_THRESHOLD),
    )  # fmt: skip
    return Rule("spike", size > pl.col(SPEC_SPIKE_THRESHOLD), reason)


def on_listed_weekday() -> pl.Expr:
    """Whether ``date`` falls on one of the calendar's trading weekdays (0 = Monday)."""
    return pl.col(SPEC_WEEKDAYS).list.contains(pl.col("date").dt.weekday().cast(pl.Int64()) - 1)


def holiday_trading() -> Rule:
    holiday = pl.col(SPEC_FIXED_HOLIDAYS).list.contains(pl.col("date").dt.strftime("%m-%d")) | (
        pl.col(SPEC_HOLIDAYS).list.contains(pl.col("date"))
    )
    reason = sentence(text("date"), " is a holiday of calendar ", pl.col(SPEC_CALENDAR))
    return Rule("holiday_trading", holiday, reason)
