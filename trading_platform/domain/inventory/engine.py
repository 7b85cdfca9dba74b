"""Run the inventory book for one strategy: validate, call the kernel, wrap the result.

See ``engine_kernels`` for the day's order of events and the array contract.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trading_platform.domain.inventory.book import BookState
from trading_platform.domain.inventory.engine_kernels import (
    DAILY_COLUMNS,
    NEVER_SOLD,
    simulate_kernel,
)


@dataclass(frozen=True)
class BookResult:
    """``daily`` (n, 10) in ``DAILY_COLUMNS`` order and ``sales`` (k, 5): day, quantity, price,
    reason (``engine_kernels.REASON_STRATEGY`` or ``REASON_FORCED``) and the day it was decided
    (-1: an order carried in); ``final`` the book at the last close (inventory, days since the
    last strategy decision, the order waiting for the next session) and ``final_cash``."""

    daily: np.ndarray
    sales: np.ndarray
    final: BookState
    final_cash: float
    lag: int = 1

    def column(self, name: str) -> np.ndarray:
        return self.daily[:, DAILY_COLUMNS.index(name)]

    def decided(self) -> np.ndarray:
        """Per day, what the day's decision concerns: the forced sale, else the order."""
        forced = self.column("forced")
        return np.where(forced > 0, forced, self.column("ordered"))

    def carried_fills(self) -> np.ndarray:
        """Per day, the fill of the order decided at the previous close (lag 1; with lag 0
        every strategy sale is the day's own order, so none is carried)."""
        sold = self.column("sold")
        return sold - self.column("ordered") if self.lag == 0 else sold


def run_book(
    price: np.ndarray, intake: np.ndarray, liquidate: np.ndarray, share: np.ndarray,
    cadence: int, storage_rate: float, tx_rate: float, dates: np.ndarray | None = None,
    hold_gain: np.ndarray | None = None, hold_threshold: float = np.inf,
    initial: BookState | None = None, initial_cash: float = 0.0, lag: int = 1,
) -> BookResult:
    """Simulate the book from ``initial`` (default: empty, never sold) and ``initial_cash``,
    decisions filling ``lag`` sessions later (0 or 1); raises ValueError naming the first bad
    day for unusable input.

    Prices must be finite (a missing price is an error: fill or drop the day upstream); a zero
    or negative price is allowed and the strategy does not sell on it (forced sales still do).
    """
    price = np.ascontiguousarray(price, dtype=np.float64)
    n = price.shape[0]
    arrays = {"intake": intake, "liquidate": liquidate, "share": share}
    for name, values in arrays.items():
        if np.shape(values) != (n,):
            raise ValueError(f"{name} must have one value per day ({n}), got {np.shape(values)}")
    share = np.ascontiguousarray(share, dtype=np.float64)
    intake = np.ascontiguousarray(intake, dtype=np.float64)
    rules = (("price", price, ~np.isfinite(price), "finite"),
             ("share", share, ~((share >= 0.0) & (share <= 1.0)), "in [0, 1]"),
             ("intake", intake, ~(np.isfinite(intake) & (intake >= 0.0)), "finite and >= 0"))
    for name, values, bad, rule in rules:
        if bad.any():
            day = int(np.flatnonzero(bad)[0])
            where = f"{dates[day]}" if dates is not None else f"day {day}"
            raise ValueError(f"inventory book: {name} on {where} is {float(values[day])}; "
                             f"rule: {name} must be {rule}")
    if cadence < 0 or not 0.0 <= storage_rate < 1.0 or not 0.0 <= tx_rate < 1.0:
        raise ValueError(f"invalid cadence {cadence} or cost rates {storage_rate}, {tx_rate}")
    if lag not in (0, 1):
        raise ValueError(f"fill lag must be 0 (same close) or 1 (next session), got {lag}")
    daily = np.empty((n, len(DAILY_COLUMNS)))
    sales = np.empty((n, 5))
    gain = np.full(n, -np.inf) if hold_gain is None else np.ascontiguousarray(
        hold_gain, dtype=np.float64)
    start = initial or BookState(inventory=0.0, days_since_sale=NEVER_SOLD)
    state = np.array([start.inventory, initial_cash, start.days_since_sale, start.pending],
                     dtype=np.float64)
    count = simulate_kernel(price, intake, np.ascontiguousarray(liquidate, dtype=np.bool_),
                            share, gain, float(hold_threshold), int(cadence), int(lag),
                            float(storage_rate), float(tx_rate), daily, sales, state)
    return BookResult(daily=daily, sales=sales[:count].copy(),
                      final=BookState(float(state[0]), int(state[2]), float(state[3])),
                      final_cash=float(state[1]), lag=int(lag))
