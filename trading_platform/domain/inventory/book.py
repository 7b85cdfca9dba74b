"""The inventory book's core types: what a strategy sees of the book and of the market on a day.

``BookState``: the stock on hand, the days since the strategy's last sale decision
(``NEVER_SOLD`` before the first one) and the order decided at the last close that waits for the
next session (``pending``, 0 without one; see ``engine_kernels``). ``MarketView``: today's
index, the closes up to today (today's last) and the storage cost rate. The engine, the
reference twin, the strategies and the live desk all speak in these types.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NEVER_SOLD = 1 << 30


@dataclass
class BookState:
    inventory: float
    days_since_sale: int
    pending: float = 0.0


@dataclass(frozen=True)
class MarketView:
    day: int
    closes: np.ndarray  # closes[0 .. day], today's last
    storage_rate: float = 0.0  # storage cost per day as a fraction of the value held
