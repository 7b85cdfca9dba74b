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

Bars are daily (a ``date`` column) or intraday (a ``timestamp`` column); the rules do not
depend on the bar length. Stops are in the held contract's raw price (``ctx.value("close")``);
signals should read the back-adjusted columns. The trade log has one row per trade: bar,
timestamp (the bar's date or time), contract, side, signed contracts, price, commission,
slippage and reason (signal, stop, roll_out, roll_in).

A strategy that raises inside ``on_bar`` stops the replay with a ``StrategyError`` naming the
strategy, the bar and its time; the original traceback (the offending line) is chained.
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
from trading_platform.domain.replay.stretches import Book, quiet_stretch

REQUIRED = ("contract", "close", "adjusted_close", "roll", "next_contract", "next_close")
TIME_COLUMNS = ("timestamp", "date")


class Strategy(Protocol):
    def on_bar(self, ctx: Context) -> None: ...


class StrategyError(RuntimeError):
    """A user strategy raised inside one of its calls."""


@dataclass(frozen=True)
class ReplayResult:
    """The trade log, and per bar the contracts held after it and the equity."""

    trades: pl.DataFrame
    positions: np.ndarray
    equity: np.ndarray

    @property
    def final_equity(self) -> float:
        return float(self.equity[-1]) if self.equity.size else math.nan


def trade_schema(time_type: pl.DataType) -> dict[str, pl.DataType]:
    """The trade log's columns; ``timestamp`` has the bars' type (Date or Datetime)."""
    return {"bar": pl.Int64, "timestamp": time_type, "contract": pl.String, "side": pl.String,
            "contracts": pl.Float64, "price": pl.Float64, "commission": pl.Float64,
            "slippage": pl.Float64, "reason": pl.String}


def time_column(series: pl.DataFrame) -> str:
    """The series' time column: ``timestamp`` for intraday bars, ``date`` for daily ones."""
    for name in TIME_COLUMNS:
        if name in series.columns:
            return name
    raise ValueError(f"replay needs a 'date' or 'timestamp' column; the bars have "
                     f"{series.columns}")


def full_replay(strategy: Strategy, series: pl.DataFrame, contract: FuturesSpec, costs: Costs,
                capital: float) -> ReplayResult:
    """Call ``strategy`` on every bar of ``series`` (a ``continuous_series``) and trade its
    orders by the module's rules."""
    return run_replay(strategy, series, contract, costs, capital)


def run_replay(strategy: Strategy, series: pl.DataFrame, contract: FuturesSpec, costs: Costs,
               capital: float, calls: np.ndarray | None = None,
               warm: np.ndarray | None = None) -> ReplayResult:
    """The replay loop. ``calls`` (bool per bar; None: every bar) says where ``on_bar`` runs;
    on ``warm`` bars it runs with ``ctx.warming`` set and its orders are discarded. Between
    those bars (and rolls and fills) the book moves vectorised (``stretches``). A stop reached
    on a bar without a call orders flat by itself: by the screener's promise ``on_bar`` would
    order nothing there, which the parity check proves."""
    return _Replay(strategy, series, contract, costs, capital).run(calls, warm)


def series_columns(series: pl.DataFrame) -> dict[str, np.ndarray]:
    """The numeric columns a strategy and its screener read (floats, NaN for nulls)."""
    return {c: series[c].cast(pl.Float64).fill_null(math.nan).to_numpy()
            for c in series.columns if series[c].dtype.is_numeric() or c == "roll"}


class _Replay:
    def __init__(self, strategy: Strategy, series: pl.DataFrame, contract: FuturesSpec,
                 costs: Costs, capital: float) -> None:
        missing = [c for c in REQUIRED if c not in series.columns]
        if missing:
            raise ValueError(f"replay needs the continuous series' columns; missing {missing}")
        when = time_column(series)
        self.strategy, self.costs, self.spec = strategy, costs, contract
        self.numeric = series_columns(series)
        self.times, self.held = series[when].to_list(), series["contract"].to_list()
        self.following = series["next_contract"].to_list()
        self.schema = trade_schema(series.schema[when])
        self.ctx, self.book = Context(self.numeric, self.times), Book(value=capital)
        self.rows: list[tuple] = []
        self.positions, self.equity = np.zeros(series.height), np.zeros(series.height)
        self.point_value = contract.point_value()
        self.label = str(getattr(strategy, "label", type(strategy).__name__))

    def run(self, calls: np.ndarray | None, warm: np.ndarray | None) -> ReplayResult:
        n = self.positions.size
        if hasattr(self.strategy, "on_start"):
            self._call(self.strategy.on_start, 0)  # type: ignore[attr-defined]
        events = None if calls is None else _events(calls, warm, self.numeric["roll"])
        marked = None if events is None else np.flatnonzero(events)
        t = 0
        while t < n:
            if events is not None and self.book.pending is None and not events[t]:
                after = quiet_stretch(self.book, self.numeric["close"], t,
                                      _next_event(marked, t, n), self.point_value,
                                      self.equity, self.positions)
                if after > t:
                    t = after
                    continue
            self._step(t, calls, warm)
            t += 1
        return ReplayResult(pl.DataFrame(self.rows, schema=self.schema, orient="row"),
                            self.positions, self.equity)

    def _step(self, t: int, calls: np.ndarray | None, warm: np.ndarray | None) -> None:
        close, book, ctx = self.numeric["close"][t], self.book, self.ctx
        pnl, charged = 0.0, 0.0
        ctx.bar = t
        if book.pending is not None and book.pending != book.position:
            pnl, charged = self._fill(t, close)
        book.pending = None
        if book.position != 0.0:
            pnl += book.position * (close - book.last)
        book.last = close
        rolled = self.numeric["roll"][t] == 1.0
        if rolled:
            charged += self._roll(t, close)
        book.value += pnl * self.point_value - charged
        self.equity[t], self.positions[t] = book.value, book.position
        held_price = self.numeric["next_close"][t] if rolled else close
        book.move_trail(held_price)
        if calls is None or calls[t]:
            self._decide(t, held_price)
            return
        if book.stop_hit(held_price):  # an unmarked bar: on_bar would order nothing here
            book.pending, book.reason = 0.0, "stop"
        if warm is not None and warm[t]:
            ctx.warming, ctx.position, ctx.orders = True, book.position, Orders()
            self._call(self.strategy.on_bar, t)
            ctx.warming = False

    def _fill(self, t: int, close: float) -> tuple[float, float]:
        """Rule 1: the pending order fills at this close; returns (P&L to the fill, cost)."""
        book, costs = self.book, self.costs
        delta = book.pending - book.position  # type: ignore[operator]
        pnl = book.position * (close - book.last) if book.position != 0.0 else 0.0
        fill = Fill(t, self.times[t], delta, close, costs.commission * abs(delta),
                    costs.slippage_ticks * self.spec.tick_value * abs(delta), book.reason)
        per_contract = costs.commission + costs.slippage_ticks * self.spec.tick_value
        self.rows.append(_row(fill, self.held[t]))
        book.position, book.last = book.pending, close  # type: ignore[assignment]
        if book.position == 0.0:
            book.stop, book.trail = None, None
        self.ctx.position = book.position
        if hasattr(self.strategy, "on_fill"):
            self._call(self.strategy.on_fill, t, fill)  # type: ignore[attr-defined]
        return pnl, per_contract * abs(delta)

    def _roll(self, t: int, close: float) -> float:
        """Rule 3: both legs at their closes; returns their cost."""
        book, costs, spec = self.book, self.costs, self.spec
        next_close = self.numeric["next_close"][t]
        if book.position != 0.0:
            slip = costs.slippage_ticks * spec.tick_value * abs(book.position)
            fee = costs.commission * abs(book.position)
            day = self.times[t]
            self.rows.append(_row(Fill(t, day, -book.position, close, fee, slip, "roll_out"),
                                  self.held[t]))
            self.rows.append(_row(Fill(t, day, book.position, next_close, fee, slip,
                                       "roll_in"), self.following[t]))
            if book.stop is not None:
                book.stop += next_close - close
        book.last = next_close
        return 2.0 * (costs.commission + costs.slippage_ticks * spec.tick_value) \
            * abs(book.position)

    def _decide(self, t: int, price: float) -> None:
        """Rules 5 and 6: the stop's flat order, then the strategy's orders for the next bar."""
        book, ctx = self.book, self.ctx
        ctx.position, ctx.orders = book.position, Orders()
        hit = book.stop_hit(price)
        if hit:
            ctx.orders.target = 0.0
        self._call(self.strategy.on_bar, t)
        if ctx.orders.target is not None and ctx.orders.target != book.position:
            book.pending = ctx.orders.target
            book.reason = "stop" if hit and ctx.orders.target == 0.0 else "signal"
        if not ctx.orders.keep_stop:
            book.stop = ctx.orders.stop
        if not ctx.orders.keep_trail:
            book.trail = ctx.orders.trail

    def _call(self, method, t: int, *args: object) -> None:
        try:
            method(self.ctx, *args)
        except Exception as exc:
            raise StrategyError(
                f"strategy {self.label} raised {type(exc).__name__} in "
                f"{getattr(method, '__name__', 'a call')} at bar {t} ({self.times[t]}): {exc}. "
                "The traceback above shows the offending line; the replay stopped there"
            ) from exc


def _events(calls: np.ndarray, warm: np.ndarray | None, roll: np.ndarray) -> np.ndarray:
    """Bars the loop must take one at a time: calls, warm-up bars and rolls."""
    events = np.asarray(calls, dtype=bool) | (roll == 1.0)
    return events if warm is None else events | np.asarray(warm, dtype=bool)


def _next_event(marked: np.ndarray, t: int, n: int) -> int:
    i = int(np.searchsorted(marked, t))
    return int(marked[i]) if i < marked.size else n


def _row(fill: Fill, contract: str) -> tuple:
    side = "buy" if fill.contracts > 0 else "sell"
    return (fill.bar, fill.time, contract, side, fill.contracts, fill.price, fill.commission,
            fill.slippage, fill.reason)
