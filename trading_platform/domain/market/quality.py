"""Data-quality checks over stored market data, returning evidence for Dagster asset checks.

``evaluate_market_quality`` judges a ``MARKET_SCHEMA`` frame with the same row rules that
ingestion applies (``domain.rules``), so stored data is held to the door's standard. Severity is
chosen per finding: ERROR for data that is wrong (duplicates, illegal prices, high < low, null
prices, negative volume), WARN for data that is suspicious but real (unbracketed bars, spikes,
zero or blank volume). A passing outcome carries the severity its failure would have. Spikes are
``abs(ln(close / previous close))`` within the frame, per commodity in date order, compared with
the commodity's ``spike_threshold``. ``evaluate_freshness`` compares each commodity's latest
stored date with the last complete trading day: data for day D lands after D's close, so on
``as_of`` the freshest possible day is the trading day before it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from typing import NamedTuple

import polars as pl

from trading_platform.config.universe import Universe
from trading_platform.domain.evidence import ERROR, WARN, CheckOutcome
from trading_platform.domain.json_values import json_safe
from trading_platform.domain.market import rules as r
from trading_platform.domain.market.calendar import previous_trading_day, trading_days
from trading_platform.domain.market.schema import MARKET_SCHEMA, PRICE_COLUMNS

_EVIDENCE_ROWS = 10
_ONE_DAY = timedelta(days=1)
_EVIDENCE_COLUMNS = ("commodity", "date", *PRICE_COLUMNS, "volume")


class _Check(NamedTuple):
    name: str
    hard: tuple[r.Rule, ...]  # a break is an ERROR
    warn: tuple[r.Rule, ...]  # a break is a WARN
    threshold: str | None = None  # spec column reported as per-commodity thresholds
    evidence: tuple[str, ...] = ()  # extra columns shown for each offending row


def _duplicate_date() -> r.Rule:
    copies = pl.len().over("commodity", "date")
    reason = pl.lit("commodity+date stored ") + copies.cast(pl.String()) + " times"
    return r.Rule("duplicate_date", copies > 1, reason)


def _missing_price() -> r.Rule:
    """A null price; open, high and low of a close-only row are null by design."""
    close_only = r.flagged_close_only()

    def missing(column: str) -> pl.Expr:
        null = pl.col(column).is_null()
        return null if column == "close" else null & ~close_only

    return r.per_field_rule("missing_price", missing, PRICE_COLUMNS, pl.lit("null: "), pl.lit)


def _checks() -> tuple[_Check, ...]:
    prices = (
        r.unknown_commodity(),
        r.non_finite(PRICE_COLUMNS),
        r.price_out_of_range(),
        r.non_positive_price(),
    )
    return (
        _Check("no_duplicate_dates", (_duplicate_date(),), ()),
        _Check("prices_legal", prices, (), r.SPEC_MAX_PRICE),
        _Check("ohlc_consistent", (_missing_price(), r.ohlc_impossible()), (r.ohlc_unbracketed(),)),
        _Check("no_spikes", (), (r.spike(),), r.SPEC_SPIKE_THRESHOLD, ("log_return",)),
        _Check("volume_valid", (r.negative_volume(),), (r.zero_volume(),
                                                         r.missing_volume(r.flagged_close_only()))),
    )


def evaluate_market_quality(frame: pl.DataFrame, universe: Universe) -> list[CheckOutcome]:
    """Run every market data check on ``frame``; the schema check comes first and gates the rest."""
    schema = _schema_outcome(frame)
    if not schema.passed:
        return [schema, *(_not_evaluated(check) for check in _checks())]
    data = r.with_spec_columns(frame.sort("commodity", "date", maintain_order=True), universe)
    data = data.with_columns(log_return=r.close_log_return())
    return [schema, *(_evaluate(data, check) for check in _checks())]


def _schema_outcome(frame: pl.DataFrame) -> CheckOutcome:
    observed = dict(frame.schema)
    missing = [name for name in MARKET_SCHEMA if name not in observed]
    extra = [name for name in observed if name not in MARKET_SCHEMA]
    wrong = {
        name: {"expected": str(dtype), "observed": str(observed[name])}
        for name, dtype in MARKET_SCHEMA.items()
        if name in observed and observed[name] != dtype
    }
    passed = not (missing or extra or wrong)
    metadata: dict[str, object] = {
        "rows_checked": frame.height,
        "missing_columns": missing,
        "extra_columns": extra,
        "wrong_dtypes": wrong,
        "expected_schema": {name: str(dtype) for name, dtype in MARKET_SCHEMA.items()},
    }
    description = (
        f"all {len(MARKET_SCHEMA)} columns match MARKET_SCHEMA"
        if passed
        else f"schema differs from MARKET_SCHEMA: missing {missing or 'none'}, "
        f"extra {extra or 'none'}, wrong dtype {sorted(wrong) or 'none'}"
    )
    return CheckOutcome("schema_valid", passed, ERROR, description, metadata)


def _not_evaluated(check: _Check) -> CheckOutcome:
    description = f"{check.name} could not be evaluated because the schema is invalid"
    return CheckOutcome(check.name, False, ERROR, description, {"evaluated": False})


def _evaluate(data: pl.DataFrame, check: _Check) -> CheckOutcome:
    """Tag each row with the first rule of ``check`` it breaks and summarise the evidence."""
    rules = (*check.hard, *check.warn)
    tagged = data.with_columns(rule=r.first_broken_rule(rules))
    tagged = tagged.with_columns(reason=r.reason_of(rules))
    offending = tagged.filter(pl.col("rule").is_not_null())
    by_rule = Counter(offending["rule"].to_list())
    hard = sum(by_rule[rule.name] for rule in check.hard)
    passed = offending.height == 0
    severity = ERROR if hard or (passed and check.hard) else WARN
    metadata = {
        "rows_checked": data.height,
        "rows_per_commodity": _per_commodity(data),
        "violations": {rule.name: by_rule[rule.name] for rule in rules},
        "error_rows": hard,
        "warn_rows": offending.height - hard,
        "offending_per_commodity": _per_commodity(offending),
        "first_offending_rows": _evidence(offending, check.evidence),
    }
    if check.threshold is not None:
        metadata["thresholds"] = _thresholds(data, check.threshold)
    return CheckOutcome(check.name, passed, severity, _describe(check, data, by_rule), metadata)


def _describe(check: _Check, data: pl.DataFrame, by_rule: Counter[str]) -> str:
    names = ", ".join(rule.name for rule in (*check.hard, *check.warn))
    total = sum(by_rule.values())
    if total == 0:
        return f"{data.height} rows checked; none breaks {names}"
    found = ", ".join(f"{name} {count}" for name, count in sorted(by_rule.items()))
    return f"{total} of {data.height} rows break {check.name}: {found}"


def _per_commodity(frame: pl.DataFrame) -> dict[str, int]:
    counts = frame.group_by("commodity").len().sort("commodity")
    return {str(key): int(n) for key, n in counts.iter_rows()}


def _thresholds(data: pl.DataFrame, column: str) -> dict[str, float | None]:
    limits = data.group_by("commodity").agg(pl.col(column).first()).sort("commodity")
    return {str(key): value for key, value in limits.iter_rows()}


def _evidence(offending: pl.DataFrame, extra: tuple[str, ...]) -> list[dict[str, object]]:
    """Up to ten offending rows as JSON-safe dicts (ISO dates, non-finite floats as text)."""
    columns = [*_EVIDENCE_COLUMNS, *extra, "rule", "reason"]
    head = offending.head(_EVIDENCE_ROWS).select(columns)
    head = head.with_columns(pl.col("date").cast(pl.String()))
    return [{key: json_safe(value, non_finite="text") for key, value in row.items()}
            for row in head.to_dicts()]


def evaluate_freshness(
    latest: dict[str, date | None],
    universe: Universe,
    *,
    as_of: date,
    max_stale_trading_days: int = 1,
    commodities: Sequence[str] | None = None,
    severity: str = WARN,
) -> CheckOutcome:
    """Fail when a commodity's latest stored day lags the last complete trading day too far.

    The expected day is the last trading day strictly before ``as_of``; the lag counts trading
    days after ``latest`` up to and including it (0 when up to date). No data at all is stale.
    ``commodities`` defaults to the whole universe; ``severity`` is WARN for the synthetic demo
    and ERROR in vendor mode, where a missing file means no trustworthy price.
    """
    per_commodity: dict[str, dict[str, object]] = {}
    stale: dict[str, str] = {}
    for key in commodities if commodities is not None else universe.commodity_keys:
        calendar = universe.calendar_for(key)
        expected = previous_trading_day(as_of, calendar)
        last = latest.get(key)
        lag = None if last is None else len(trading_days(last + _ONE_DAY, expected, calendar))
        per_commodity[key] = {
            "latest": None if last is None else last.isoformat(),
            "expected": expected.isoformat(),
            "lag_trading_days": lag,
        }
        if lag is None or lag > max_stale_trading_days:
            stale[key] = "no data" if lag is None else f"latest {last}, {lag} trading days behind"
    metadata: dict[str, object] = {
        "as_of": as_of.isoformat(),
        "max_stale_trading_days": max_stale_trading_days,
        "stale": list(stale),
        "per_commodity": per_commodity,
    }
    description = _freshness_description(stale, len(per_commodity), max_stale_trading_days)
    return CheckOutcome("market_data_fresh", not stale, severity, description, metadata)


def _freshness_description(stale: dict[str, str], commodities: int, allowed: int) -> str:
    if not stale:
        return f"all {commodities} commodities lag at most {allowed} trading day(s)"
    details = "; ".join(f"{key} {text}" for key, text in stale.items())
    return (
        f"{len(stale)} of {commodities} commodities lag more than {allowed} trading day(s) "
        f"behind the last complete trading day: {details}"
    )
