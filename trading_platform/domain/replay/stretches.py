"""The book between the bars a focused replay calls the strategy on, moved vectorised.

On a quiet stretch (no call, no warm-up, no roll, no pending order) the book does three things
per bar, as in the per-bar loop of ``replay``: mark the held position to the close, move a
trailing stop behind the best close, and check the stop. Here those are array operations over
the whole stretch, in the same order of floating-point operations as the loop, so the equity
and the stop levels are bit-identical:

- increments ``(contracts x (close_t - close_{t-1})) x point value``, accumulated left to right
  from the equity before the stretch (``cumsum`` adds sequentially, as the loop does);
- the stop path ``max(stop, running max of (close - distance))`` for a long (``min`` mirrored
  for a short); a fixed stop is a flat path;
- the first bar whose close reached the path ends the stretch early: the loop takes that bar
  itself (the stop's flat order, and ``on_bar`` there).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass
class Book:
    """The replay's book: contracts held, the last mark, equity, stops and the pending order."""

    value: float
    position: float = 0.0
    last: float = math.nan
    stop: float | None = None
    trail: float | None = None
    pending: float | None = None
    reason: str = "signal"

    def move_trail(self, price: float) -> None:
        """A trailing stop follows the best price of the held contract (never backs off)."""
        if self.trail is None or self.position == 0.0:
            return
        if self.position > 0:
            level = price - self.trail
            self.stop = level if self.stop is None else max(self.stop, level)
        else:
            level = price + self.trail
            self.stop = level if self.stop is None else min(self.stop, level)

    def stop_hit(self, price: float) -> bool:
        return self.stop is not None and (
            (self.position > 0 and price <= self.stop) or
            (self.position < 0 and price >= self.stop))


def quiet_stretch(book: Book, close: np.ndarray, start: int, end: int, point_value: float,
                  equity: np.ndarray, positions: np.ndarray) -> int:
    """Move ``book`` over bars ``start`` .. ``end - 1`` (writing ``equity`` and
    ``positions``) and return the bar the loop continues from: ``end``, or the first bar
    whose close reached the stop (``start`` itself when that is the first bar, or when a
    close is missing and the loop's own rules must decide)."""
    prices = close[start:end]
    if prices.size == 0 or np.isnan(prices).any():
        return start
    if book.position == 0.0:
        equity[start:end], positions[start:end] = book.value, 0.0
        book.last = float(prices[-1])
        return end
    path = _stop_path(book, prices)
    stop_at = prices.size
    if path is not None:
        reached = prices <= path if book.position > 0 else prices >= path
        hits = np.flatnonzero(reached)
        stop_at = int(hits[0]) if hits.size else prices.size
    if stop_at == 0:
        return start
    moved = prices[:stop_at]
    before = np.concatenate(([book.last], moved[:-1]))
    increments = (book.position * (moved - before)) * point_value
    marked = np.cumsum(np.concatenate(([book.value], increments)))[1:]
    equity[start:start + stop_at], positions[start:start + stop_at] = marked, book.position
    book.value, book.last = float(marked[-1]), float(moved[-1])
    if path is not None:
        book.stop = float(path[stop_at - 1])
    return start + stop_at


def _stop_path(book: Book, prices: np.ndarray) -> np.ndarray | None:
    """The stop level after each bar's trail move (None: no stop)."""
    if book.trail is None:
        return None if book.stop is None else np.full(prices.size, book.stop)
    if book.position > 0:
        path = np.maximum.accumulate(prices - book.trail)
        return path if book.stop is None else np.maximum(path, book.stop)
    path = np.minimum.accumulate(prices + book.trail)
    return path if book.stop is None else np.minimum(path, book.stop)
