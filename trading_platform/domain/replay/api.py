"""The strategy API for user code: a strategy looks at one bar at a time through a context.

A user strategy is a class with ``on_bar(ctx)`` and optionally ``on_start(ctx)`` and
``on_fill(ctx, fill)``. ``ctx`` gives:

- ``ctx.bar``: the current bar's index; ``ctx.time`` its date (daily bars) or time (intraday);
- ``ctx.history(column, n=None)``: the column's values up to and including the current bar (the
  last ``n`` of them); ``ctx.value(column, ago=0)`` one of them. Reading a later bar raises
  ``LookAheadError``: the strategy cannot see the future even by accident;
- ``ctx.position``: contracts held; ``ctx.state``: a dict the strategy may keep anything in
  (carried explicitly between bars and, in a focused replay, between windows);
- orders, all filled at the next bar by the futures engine's rules: ``ctx.target(contracts)``
  (trade to a position), ``ctx.buy(n)`` / ``ctx.sell(n)`` (relative), ``ctx.stop(price)`` (a
  protective stop on the held position, checked at each later close; ``None`` clears it) and
  ``ctx.trail(distance)`` (a stop the replay moves behind the best close on every bar, so a
  trailing stop needs no call on the bars in between).

Columns are those of the continuous series (``close``, ``adjusted_close``; ``high``, ``low`` and
``open`` where the data has them). Signals should read the back-adjusted prices.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np


class LookAheadError(LookupError):
    """A strategy asked for a bar after the current one."""


@dataclass(frozen=True)
class Fill:
    """One fill: the bar it happened on, signed contracts, price, costs and why."""

    bar: int
    time: dt.date | dt.datetime
    contracts: float
    price: float
    commission: float
    slippage: float
    reason: str


@dataclass
class Orders:
    """What a bar decided: a target position (None: keep), a stop (``keep_stop``: unchanged)
    and a trailing distance (``keep_trail``: unchanged)."""

    target: float | None = None
    stop: float | None = None
    keep_stop: bool = True
    trail: float | None = None
    keep_trail: bool = True


class Context:
    """The view a strategy has of the market at one bar (see the module doc). The replay moves
    ``bar`` and ``position``; the strategy reads through ``history``/``value`` and orders."""

    def __init__(self, columns: dict[str, np.ndarray],
                 times: list[dt.date] | list[dt.datetime]) -> None:
        self._columns = {name: _read_only(values) for name, values in columns.items()}
        self._times = times
        self.bar = 0
        self.warming = False  # a warm-up bar of a focused replay: orders are discarded
        self.position = 0.0
        self.state: dict[str, Any] = {}
        self.orders = Orders()

    @property
    def time(self) -> dt.date | dt.datetime:
        return self._times[self.bar]

    def history(self, column: str, n: int | None = None) -> np.ndarray:
        """The column up to and including the current bar (read-only), the last ``n`` only
        when given."""
        values = self._column(column)[: self.bar + 1]
        return values if n is None else values[max(values.size - n, 0):]

    def value(self, column: str, ago: int = 0) -> float:
        if ago < 0:
            raise LookAheadError(f"bar {self.bar} ({self.time}) asked for {column!r} {-ago} "
                                 "bar(s) ahead: a strategy sees only bars up to the current one")
        if ago > self.bar:
            return float("nan")
        return float(self._column(column)[self.bar - ago])

    def target(self, contracts: float) -> None:
        self.orders.target = float(round(contracts))

    def buy(self, contracts: float) -> None:
        self.target(self._wanted() + contracts)

    def sell(self, contracts: float) -> None:
        self.target(self._wanted() - contracts)

    def stop(self, price: float | None) -> None:
        self.orders.stop, self.orders.keep_stop = price, False

    def trail(self, distance: float | None) -> None:
        """A trailing stop ``distance`` away from the best close since the fill (in raw price),
        moved by the replay itself on every bar; ``None`` clears it."""
        self.orders.trail, self.orders.keep_trail = distance, False

    def _wanted(self) -> float:
        return self.orders.target if self.orders.target is not None else self.position

    def _column(self, column: str) -> np.ndarray:
        try:
            return self._columns[column]
        except KeyError:
            raise KeyError(f"no column {column!r}; the bars have {sorted(self._columns)}") \
                from None


def _read_only(values: np.ndarray) -> np.ndarray:
    out = np.asarray(values, dtype=np.float64).copy()
    out.flags.writeable = False
    return out
