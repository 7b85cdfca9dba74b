"""Numba kernel of the inventory book, one pass over trading days.

Array contract (stated once): every input is a 1-d array of length n over trading days in date
order. ``price`` float64 closes (finite); ``intake`` float64 volume arriving that day;
``liquidate`` bool forced-sale days; ``share`` float64 in [0, 1], the share of the inventory the
strategy wants to sell that day; ``hold_gain`` float64, the expected gain per unit of waiting
instead of selling today (-inf when a strategy has no such rule), and ``hold_threshold``: the
sale is skipped when ``inventory x hold_gain`` exceeds it (the Expected Value rule, which
depends on the inventory held); ``cadence`` the minimum trading days between two strategy
decisions; ``lag`` the trading days between a decision and its fill (0: the same close, 1: the
next session's close). ``storage_rate`` and ``tx_rate`` are fractions (0.00005 = 0.005 %).
Outputs are preallocated by the caller: ``daily`` (n, 10) float64 with the ``DAILY_COLUMNS``
below, ``sales`` (n, 5) float64 rows ``day, quantity, price, reason, decided`` (``decided``: the
day of the close the sale was decided at, -1 for an order carried in by ``state``); the kernel
returns how many sale rows it wrote. ``state`` (4,) float64 is read at the start and written at
the end: inventory, cash, days since the last strategy decision and the order waiting for the
next session (the book at the close before the first day; zeros, ``NEVER_SOLD`` and no order for
an empty book), so a live day continues the book exactly where it stood.

Order of a day: intake arrives. On a forced-liquidation day (a calendar rule, known in advance)
everything left is sold at the close (reason FORCED) and a waiting order lapses. Otherwise the
order decided at the previous close fills at today's close (at most the stock held; reason
STRATEGY), or lapses if that close is not positive. Then, at the close, the strategy decides: if
its share is > 0, at least ``cadence`` days have passed since its last decision, the price is
positive, stock is left and waiting is not worth more than ``hold_threshold``, it orders ``share
x stock`` (column ``ordered``), which fills at this close when ``lag`` is 0 and at the next
session's close when it is 1. A sale earns ``quantity x price`` and pays ``tx_rate x proceeds``.
Storage then accrues on the value held at the close: ``storage_rate x inventory x max(price,
0)``. Cash is proceeds minus transaction and storage costs; value is cash plus inventory at the
close (an order not yet filled is still stock).
"""

from __future__ import annotations

import numpy as np
from numba import njit

DAILY_COLUMNS = ("intake", "inventory", "sold", "forced", "proceeds", "transaction_cost",
                 "storage_cost", "cash", "value", "ordered")
REASON_STRATEGY = 0
REASON_FORCED = 1
NEVER_SOLD = 1 << 30  # days since the last sale before the first one


@njit(cache=True)
def simulate_kernel(
    price: np.ndarray, intake: np.ndarray, liquidate: np.ndarray, share: np.ndarray,
    hold_gain: np.ndarray, hold_threshold: float, cadence: int, lag: int, storage_rate: float,
    tx_rate: float, daily: np.ndarray, sales: np.ndarray, state: np.ndarray,
) -> int:
    inventory = state[0]
    cash = state[1]
    since = int(state[2])
    pending = state[3]
    n_sales = 0
    for t in range(price.shape[0]):
        inventory += intake[t]
        since += 1
        sold = 0.0
        forced = 0.0
        ordered = 0.0
        decided = t - 1
        if liquidate[t]:
            forced = inventory
            pending = 0.0
        else:
            if pending > 0.0 and price[t] > 0.0:
                sold = min(pending, inventory)
            pending = 0.0
            held = inventory - sold
            if (share[t] > 0.0 and since >= cadence and price[t] > 0.0 and held > 0.0
                    and not held * hold_gain[t] > hold_threshold):
                ordered = share[t] * held
                since = 0
                if lag == 0:
                    sold += ordered
                    decided = t
                else:
                    pending = ordered
        quantity = sold + forced
        if quantity > 0.0:
            sales[n_sales, 0] = t
            sales[n_sales, 1] = quantity
            sales[n_sales, 2] = price[t]
            sales[n_sales, 3] = REASON_FORCED if forced > 0.0 else REASON_STRATEGY
            sales[n_sales, 4] = t if forced > 0.0 else decided
            n_sales += 1
        inventory -= quantity
        proceeds = quantity * price[t]
        transaction = tx_rate * abs(proceeds)
        storage = storage_rate * inventory * max(price[t], 0.0)
        cash += proceeds - transaction - storage
        daily[t, 0] = intake[t]
        daily[t, 1] = inventory
        daily[t, 2] = sold
        daily[t, 3] = forced
        daily[t, 4] = proceeds
        daily[t, 5] = transaction
        daily[t, 6] = storage
        daily[t, 7] = cash
        daily[t, 8] = cash + inventory * price[t]
        daily[t, 9] = ordered
    state[0] = inventory
    state[1] = cash
    state[2] = since
    state[3] = pending
    return n_sales
