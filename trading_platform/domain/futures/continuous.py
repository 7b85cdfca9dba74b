"""Continuous series from per-contract prices: raw closes of the held contract for execution and
P&L, and a back-adjusted close for signals.

Back adjustment is by differences: at each roll ``r`` (the close where the book leaves contract
``c`` for the next one ``n``) the gap ``close_n(r) - close_c(r)`` is added to every earlier day.
The latest contract's prices are left as they are, a day-to-day change of the adjusted series is
always a change of one contract's price, and negative prices stay correct (a ratio adjustment
would break on them). Only rolls inside the data are applied, so adding later rolls shifts every
earlier adjusted close by one constant: moving averages, breakouts and ATR computed on them
compare levels or differences and do not move.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from trading_platform.config.contracts import FuturesSpec
from trading_platform.config.universe import TradingCalendarSpec
from trading_platform.domain.futures.contracts import Contract, held_contract, roll_calendar

CONTINUOUS_SCHEMA = {"date": pl.Date, "contract": pl.String, "close": pl.Float64,
                     "adjusted_close": pl.Float64, "roll": pl.Boolean, "next_contract": pl.String,
                     "next_close": pl.Float64}


def continuous_series(prices: pl.DataFrame, contracts: list[Contract],
                      commodity: str) -> pl.DataFrame:
    """One row per day the held contract has a close (``CONTINUOUS_SCHEMA``), oldest first.

    ``prices`` has ``date``, ``contract`` and ``close``, one row per (date, contract);
    ``contracts`` is the roll calendar over its dates. On a roll day ``roll`` is true and
    ``next_contract``/``next_close`` give the contract bought at that close. Raises ValueError
    naming the commodity, contract and day when a roll day has no close for the contract
    rolled into (or for the one rolled out of), and for a repeated (date, contract).
    """
    _check_unique(prices, commodity)
    closes = {(row[0], row[1]): row[2]
              for row in prices.select("date", "contract", "close").iter_rows()}
    days = sorted({day for day, _ in closes})
    rows: list[tuple] = []
    for day in days:
        held = held_contract(contracts, day)
        close = closes.get((day, held.name))
        rolling = held.roll_day == day
        if close is None:
            if rolling:
                raise ValueError(f"{commodity}: no close for {held.name} on its roll day {day}")
            continue  # the held contract did not trade today: no bar, no position change
        following = _following(contracts, held) if rolling else None
        next_close = closes.get((day, following.name)) if following else None
        if following is not None and next_close is None:
            raise ValueError(f"{commodity}: roll into a contract with no data: "
                             f"{following.name} has no close on {day}, the roll day of "
                             f"{held.name}; supply its prices or shorten the history")
        rows.append((day, held.name, close, rolling, following.name if following else None,
                     next_close))
    return _adjusted(rows)


def series_from_contracts(prices: pl.DataFrame, spec: FuturesSpec,
                          calendar: TradingCalendarSpec, commodity: str) -> pl.DataFrame:
    """``continuous_series`` of ``prices`` (``date``, ``contract``, ``close``) under the roll
    calendar of ``spec`` over their dates."""
    if prices.is_empty():
        raise ValueError(f"{commodity}: no contract prices to build a continuous series from")
    contracts = roll_calendar(spec, calendar, prices["date"].min(), prices["date"].max())
    return continuous_series(prices, contracts, commodity)


def _adjusted(rows: list[tuple]) -> pl.DataFrame:
    """Add ``adjusted_close``: each close plus the gaps of every roll on or after its day."""
    shift, adjusted = 0.0, [0.0] * len(rows)
    for i in range(len(rows) - 1, -1, -1):
        _, _, close, rolling, _, next_close = rows[i]
        if rolling:
            shift += next_close - close
        adjusted[i] = close + shift
    return pl.DataFrame(
        [(r[0], r[1], r[2], a, r[3], r[4], r[5]) for r, a in zip(rows, adjusted, strict=True)],
        schema=CONTINUOUS_SCHEMA, orient="row")


def _following(contracts: list[Contract], held: Contract) -> Contract | None:
    at = contracts.index(held)
    return contracts[at + 1] if at + 1 < len(contracts) else None


def _check_unique(prices: pl.DataFrame, commodity: str) -> None:
    missing = {"date", "contract", "close"} - set(prices.columns)
    if missing:
        raise ValueError(f"{commodity}: per-contract prices need columns date, contract, close; "
                         f"missing {', '.join(sorted(missing))}")
    repeated = prices.with_row_index("row").filter(
        pl.struct("date", "contract").is_duplicated())
    if repeated.height:
        first = repeated.row(0, named=True)
        day: dt.date = first["date"]
        raise ValueError(f"{commodity}: row {first['row']}: contract {first['contract']} has "
                         f"more than one close on {day} (rule unique_date_contract)")
