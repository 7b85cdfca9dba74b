"""Full event replay: a user strategy called on every bar of one commodity's continuous series.

Fill rules are the futures position engine's (``domain.futures.engine_kernels``) for
close-only bars, with the strategy's orders in contracts instead of volatility targets. For
each bar t, in order:

1. An order decided at the previous bar fills at this bar's close; the held position is marked
   from the last price to the fill first. ``on_fill`` is called with the fill.
2. The position is marked to the close: P&L = contracts x price change x point value.
3. On a roll day a held position is sold at the close and bought in the next contract at its
   close (two trades, both charged), and a stop moves by the roll gap.
4. Equity = previous equity + P&L - costs; costs per contract traded are the commission plus
   slippage ticks x tick value.
5. A trailing stop moves behind the close (long: up to close - distance, never down; short
   mirrored), then a held position whose close (on a roll day: the new contract's, which the
   stop now refers to) reached its stop (long: close <= stop; short: close >= stop) is
   ordered flat for the next bar (reason ``stop``); ``on_bar`` still runs and may order
   otherwise.
6. ``on_bar(ctx)`` decides the orders for the next bar.

Stops are in the held contract's raw price (``ctx.value("close")``); signals should read the
back-adjusted columns. The trade log has one row per trade: bar, date, contract, side, signed
contracts, price, commission, slippage and reason (signal, stop, roll_out, roll_in).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import polars as pl

from trading_platform.config.contracts import FuturesSpec
from trading_platform.domain.futures.backtest import Costs
from trading_platform.domain.replay.api import Context, Fill, Orders

TRADE_SCHEMA = {"bar": pl.Int64, "date": pl.Date, "contract": pl.String, "side": pl.String,
                "contracts": pl.Float64, "price": pl.Float64, "commission": pl.Float64,
                "slippage": pl.Float64, "reason": pl.String}
REQUIRED = ("date", "contract", "close", "adjusted_close", "roll", "next_contract", "next_close")


class Strategy(Protocol):
    def on_bar(self, ctx: Context) -> None: ...


@dataclass(frozen=True)
class ReplayResult:
    """The trade log, and per bar the contracts held after it and the equity."""

    trades: pl.DataFrame
    positions: np.ndarray
    equity: np.ndarray

    @property
    def final_equity(self) -> float:
        return float(self.equity[-1]) if self.equity.size else math.nan


@dataclass
class _Book:
    position: float = 0.0
    last: float = math.nan
    stop: float | None = None
    trail: float | None = None
    pending: float | None = None
    reason: str = "signal"


def full_replay(strategy: Strategy, series: pl.DataFrame, contract: FuturesSpec, costs: Costs,
                capital: float) -> ReplayResult:
    """Call ``strategy`` on every bar of ``series`` (a ``continuous_series``) and trade its
    orders by the module's rules."""
    return run_replay(strategy, series, contract, costs, capital)


def run_replay(strategy: Strategy, series: pl.DataFrame, contract: FuturesSpec, costs: Costs,
               capital: float, calls: np.ndarray | None = None,
               warm: np.ndarray | None = None) -> ReplayResult:
    """The replay loop. ``calls`` (bool per bar; None: every bar) says where ``on_bar`` runs;
    on ``warm`` bars it runs with ``ctx.warming`` set and its orders are discarded; on other
    bars it is skipped, and only the book moves (marks, rolls, fills, stops). A stop reached
    on a skipped bar calls ``on_bar`` there, as the full replay would."""
    missing = [c for c in REQUIRED if c not in series.columns]
    if missing:
        raise ValueError(f"replay needs the continuous series' columns; missing {missing}")
    numeric = series_columns(series)
    dates, held = series["date"].to_list(), series["contract"].to_list()
    following = series["next_contract"].to_list()
    ctx, book, rows = Context(numeric, dates), _Book(), []
    per_contract = costs.commission + costs.slippage_ticks * contract.tick_value
    positions, equity = np.zeros(series.height), np.zeros(series.height)
    value, point_value = capital, contract.point_value()
    if hasattr(strategy, "on_start"):
        strategy.on_start(ctx)
    for t in range(series.height):
        close, pnl, charged = numeric["close"][t], 0.0, 0.0
        ctx.bar = t
        if book.pending is not None and book.pending != book.position:
            delta = book.pending - book.position
            if book.position != 0.0:
                pnl += book.position * (close - book.last)
            fill = Fill(t, dates[t], delta, close, costs.commission * abs(delta),
                        costs.slippage_ticks * contract.tick_value * abs(delta), book.reason)
            rows.append(_row(fill, held[t]))
            charged += per_contract * abs(delta)
            book.position, book.last = book.pending, close
            if book.position == 0.0:
                book.stop, book.trail = None, None
            ctx.position = book.position
            if hasattr(strategy, "on_fill"):
                strategy.on_fill(ctx, fill)
        book.pending = None
        if book.position != 0.0:
            pnl += book.position * (close - book.last)
        book.last = close
        if numeric["roll"][t] == 1.0:
            charged += _roll(book, t, dates[t], close, numeric["next_close"][t], held[t],
                             following[t], costs, contract, rows)
        value += pnl * point_value - charged
        equity[t], positions[t] = value, book.position
        held_price = close if numeric["roll"][t] != 1.0 else numeric["next_close"][t]
        _move_trail(book, held_price)
        if calls is None or calls[t] or _stop_hit(book, held_price):
            ctx.warming = False
            _decide(strategy, ctx, book, held_price)
        elif warm is not None and warm[t]:
            ctx.warming, ctx.position, ctx.orders = True, book.position, Orders()
            strategy.on_bar(ctx)
            ctx.warming = False
    return ReplayResult(pl.DataFrame(rows, schema=TRADE_SCHEMA, orient="row"), positions,
                        equity)


def series_columns(series: pl.DataFrame) -> dict[str, np.ndarray]:
    """The numeric columns a strategy and its screener read (floats, NaN for nulls)."""
    return {c: series[c].cast(pl.Float64).fill_null(math.nan).to_numpy()
            for c in series.columns if series[c].dtype.is_numeric() or c == "roll"}


def _roll(book: _Book, t: int, day: object, close: float, next_close: float, contract: str,
          into: str, costs: Costs, spec: FuturesSpec, rows: list) -> float:
    """Rule 3: both legs at their closes; returns their cost."""
    if book.position != 0.0:
        slip = costs.slippage_ticks * spec.tick_value * abs(book.position)
        fee = costs.commission * abs(book.position)
        rows.append(_row(Fill(t, day, -book.position, close, fee, slip, "roll_out"), contract))
        rows.append(_row(Fill(t, day, book.position, next_close, fee, slip, "roll_in"), into))
        if book.stop is not None:
            book.stop += next_close - close
    book.last = next_close
    return 2.0 * (costs.commission + costs.slippage_ticks * spec.tick_value) * abs(book.position)


def _decide(strategy: Strategy, ctx: Context, book: _Book, close: float) -> None:
    """Rules 5 and 6: the stop's flat order, then the strategy's orders for the next bar."""
    ctx.position, ctx.orders = book.position, Orders()
    hit = _stop_hit(book, close)
    if hit:
        ctx.orders.target = 0.0
    strategy.on_bar(ctx)
    if ctx.orders.target is not None and ctx.orders.target != book.position:
        book.pending = ctx.orders.target
        book.reason = "stop" if hit and ctx.orders.target == 0.0 else "signal"
    if not ctx.orders.keep_stop:
        book.stop = ctx.orders.stop
    if not ctx.orders.keep_trail:
        book.trail = ctx.orders.trail


def _move_trail(book: _Book, price: float) -> None:
    """A trailing stop follows the best price of the held contract (never backs off)."""
    if book.trail is None or book.position == 0.0:
        return
    if book.position > 0:
        level = price - book.trail
        book.stop = level if book.stop is None else max(book.stop, level)
    else:
        level = price + book.trail
        book.stop = level if book.stop is None else min(book.stop, level)


def _stop_hit(book: _Book, close: float) -> bool:
    return book.stop is not None and (
        (book.position > 0 and close <= book.stop) or (book.position < 0 and close >= book.stop))


def _row(fill: Fill, contract: str) -> tuple:
    side = "buy" if fill.contracts > 0 else "sell"
    return (fill.bar, fill.date, contract, side, fill.contracts, fill.price, fill.commission,
            fill.slippage, fill.reason)
