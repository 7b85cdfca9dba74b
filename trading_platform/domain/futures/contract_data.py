"""Per-contract prices: the rules a vendor file of contract closes must pass, and the stand-in
series where only a front-month continuous file exists.

A contract price frame (``CONTRACT_PRICE_SCHEMA``) has one row per (commodity, date, contract):
the contract's close in the commodity's quote unit and where the row came from (``origin``
``synthetic`` or ``vendor``, ``source`` the generator seed or the file name). Contract data is
close-only: the engine fills orders at the next close.

A file is judged whole: any row that breaks a rule refuses the file, every offending row is
listed (file, row, rule, value) for the quarantine, and nothing of the file is stored. The rules:

- ``contract_columns``: the file has ``date``, ``contract`` and ``close``;
- ``date_valid``: the date is a date;
- ``contract_listed``: the contract is ``<root><month letter><year>`` of a month the spec lists;
- ``close_on_tick``: the close is a whole number of ticks (to 1e-6 of a tick; vendors' floats);
- ``price_legal``: finite, and positive unless the commodity allows negative prices;
- ``unique_date_contract``: one close per (date, contract);
- ``stored_close_unchanged``: a close already stored for the (date, contract) is not changed
  silently (a revision is a decision: delete the commodity's contract rows first).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import polars as pl

from trading_platform.config.contracts import MONTH_CODES, FuturesSpec

CONTRACT_PRICE_SCHEMA = {"commodity": pl.String, "date": pl.Date, "contract": pl.String,
                         "close": pl.Float64, "origin": pl.String, "source": pl.String}
TICK_TOLERANCE = 1e-6  # of a tick
FRONT_MONTH = "front"  # the contract name of a front-month continuous file's rows


@dataclass(frozen=True)
class ContractRefusal:
    """One rule a row broke: the file's 1-based data row (None for the whole file)."""

    row: int | None
    rule: str
    column: str
    value: str
    reason: str


class ContractDataError(ValueError):
    """A refused contract price file: every refusal, the first one in the message."""

    def __init__(self, file: str, commodity: str, refusals: list[ContractRefusal]) -> None:
        self.file, self.commodity, self.refusals = file, commodity, refusals
        first = refusals[0]
        where = f"row {first.row}" if first.row is not None else "the file"
        more = f" (and {len(refusals) - 1} more rows, all in market.quarantine)" \
            if len(refusals) > 1 else ""
        super().__init__(f"contract prices file {file}, {where}: {first.reason} (rule "
                         f"{first.rule}){more}; nothing from the file was stored")


def check_contract_prices(raw: pl.DataFrame, spec: FuturesSpec, commodity: str, file: str,
                          allow_negative: bool, stored: pl.DataFrame | None = None
                          ) -> pl.DataFrame:
    """The file's rows as ``CONTRACT_PRICE_SCHEMA`` (origin ``vendor``, source ``file``), or
    ContractDataError listing every row that breaks a rule (module doc). ``raw`` has the file's
    columns as read (``date`` a date, ``close`` a number); ``stored`` the commodity's stored
    contract rows."""
    missing = {"date", "contract", "close"} - set(raw.columns)
    if missing:
        raise ContractDataError(file, commodity, [ContractRefusal(
            None, "contract_columns", ", ".join(sorted(missing)), "",
            f"missing column(s) {', '.join(sorted(missing))}; a contract price file needs "
            "date, contract, close")])
    frame = raw.select(pl.col("date").cast(pl.Date), pl.col("contract").cast(pl.String),
                       pl.col("close").cast(pl.Float64))
    refusals = _row_refusals(frame, spec, commodity, allow_negative)
    refusals += _repeats(frame) + _revisions(frame, stored)
    if refusals:
        raise ContractDataError(file, commodity, sorted(refusals, key=lambda r: r.row or 0))
    return frame.with_columns(pl.lit(commodity).alias("commodity"), pl.lit("vendor")
                              .alias("origin"), pl.lit(file).alias("source")).select(
        list(CONTRACT_PRICE_SCHEMA)).sort("date", "contract")


def _row_refusals(frame: pl.DataFrame, spec: FuturesSpec, commodity: str,
                  allow_negative: bool) -> list[ContractRefusal]:
    pattern = re.compile(rf"^{re.escape(spec.root)}([{MONTH_CODES}])(\d{{4}})$")
    out: list[ContractRefusal] = []
    for row, (day, contract, close) in enumerate(frame.iter_rows(), start=1):
        match = pattern.match(contract or "")
        if match is None or match.group(1) not in spec.months:
            out.append(ContractRefusal(row, "contract_listed", "contract", str(contract),
                                       f"contract {contract!r} is not {spec.root} + one of the "
                                       f"listed months {spec.months} + a year"))
        if day is None:
            out.append(ContractRefusal(row, "date_valid", "date", "", "the date is missing or "
                                       "not a date (YYYY-MM-DD)"))
        if close is None or not math.isfinite(close) or (
                close <= 0 and not allow_negative):
            out.append(ContractRefusal(row, "price_legal", "close", str(close),
                                       f"close {close} on {day} is not a legal {commodity} "
                                       "price" + ("" if allow_negative else
                                                  " (negative prices not allowed)")))
        elif abs(close / spec.tick_size - round(close / spec.tick_size)) > TICK_TOLERANCE:
            out.append(ContractRefusal(row, "close_on_tick", "close", repr(close),
                                       f"close {close} is not a multiple of the tick size "
                                       f"{spec.tick_size} (universe.yaml {commodity}.futures."
                                       "tick_size): the data or the spec is wrong"))
    return out


def _repeats(frame: pl.DataFrame) -> list[ContractRefusal]:
    repeated = frame.with_row_index("row", offset=1).filter(
        pl.struct("date", "contract").is_duplicated())
    return [ContractRefusal(row, "unique_date_contract", "contract", contract,
                            f"{contract} has more than one close on {day}")
            for row, day, contract in repeated.select("row", "date", "contract").iter_rows()]


def _revisions(frame: pl.DataFrame, stored: pl.DataFrame | None) -> list[ContractRefusal]:
    if stored is None or stored.is_empty():
        return []
    joined = frame.with_row_index("row", offset=1).join(
        stored.select("date", "contract", pl.col("close").alias("stored")), on=["date",
                                                                                 "contract"])
    changed = joined.filter((pl.col("close") - pl.col("stored")).abs() > 1e-9)
    return [ContractRefusal(row, "stored_close_unchanged", "close", repr(close),
                            f"{contract} on {day}: close {close} differs from the stored "
                            f"{old}; delete the commodity's contract rows to replace them")
            for row, day, contract, close, old in
            changed.select("row", "date", "contract", "close", "stored").iter_rows()]


def merge_contract_prices(stored: pl.DataFrame, incoming: pl.DataFrame) -> pl.DataFrame:
    """``stored`` with ``incoming``'s new (date, contract) rows added (stored rows never move:
    ``check_contract_prices`` refused any change to them)."""
    if stored.is_empty():
        return incoming.sort("date", "contract")
    new = incoming.join(stored.select("date", "contract"), on=["date", "contract"], how="anti")
    return pl.concat([stored.select(list(CONTRACT_PRICE_SCHEMA)), new]).sort("date", "contract")


def front_month_series(front: pl.DataFrame) -> pl.DataFrame:
    """The continuous-series columns from a front-month continuous file's closes (``date``,
    ``close``), used as given: contract ``front``, no rolls, ``adjusted_close`` = ``close``.
    The vendor's own roll gaps stay in it as price moves: the series is flagged, not fixed."""
    return front.sort("date").select(
        "date", pl.lit(FRONT_MONTH).alias("contract"), "close",
        pl.col("close").alias("adjusted_close"), pl.lit(False).alias("roll"),
        pl.lit(None, dtype=pl.String).alias("next_contract"),
        pl.lit(None, dtype=pl.Float64).alias("next_close"))


def quarantine_rows(error: ContractDataError, sha256: str | None,
                    raw: pl.DataFrame | None) -> list[dict[str, object]]:
    """``error``'s refusals as market.quarantine rows (``QUARANTINE_SCHEMA`` keys)."""
    lines = raw.rows() if raw is not None else []
    return [{"file": error.file, "sha256": sha256, "row": refusal.row,
             "commodity": error.commodity,
             "date": str(lines[refusal.row - 1][raw.columns.index("date")])
             if refusal.row and raw is not None and "date" in raw.columns else None,
             "column": refusal.column, "value": refusal.value, "rule": refusal.rule,
             "reason": refusal.reason,
             "raw": ",".join(map(str, lines[refusal.row - 1])) if refusal.row and lines else None}
            for refusal in error.refusals]


def synthetic_rows(curves: pl.DataFrame, commodity: str, seed: int) -> pl.DataFrame:
    """Generated contract curves (``date``, ``contract``, ``close``) as contract price rows."""
    return curves.with_columns(pl.lit(commodity).alias("commodity"),
                               pl.lit("synthetic").alias("origin"),
                               pl.lit(f"synthetic:{seed}").alias("source")).select(
        list(CONTRACT_PRICE_SCHEMA))
