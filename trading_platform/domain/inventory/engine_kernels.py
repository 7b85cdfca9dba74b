"""Numba kernel of the inventory book, one pass over trading days.

Array contract (stated once): every input is a 1-d array of length n over trading days in date
order. ``price`` float64 closes (finite); ``intake`` float64 volume arriving that day;
``liquidate`` bool forced-sale days; ``share`` float64 in [0, 1], the share of the inventory the
strategy wants to sell that day; ``hold_gain`` float64, the expected gain per unit of waiting
instead of selling today (-inf when a strategy has no such rule), and ``hold_threshold``: the
sale is skipped when ``inventory x hold_gain`` exceeds it (the Expected Value rule, which
depends on the inventory held); ``cadence`` the minimum trading days between two strategy
sales. ``storage_rate`` and ``tx_rate`` are fractions (0.00005 = 0.005 %). Outputs are
preallocated by the caller: ``daily`` (n, 9) float64 with the ``DAILY_COLUMNS`` below, ``sales``
(n, 4) float64 rows ``day, quantity, price, reason``; the kernel returns how many sale rows it
wrote. ``state`` (3,) float64 is read at the start and written at the end: inventory, cash and
days since the last strategy sale (the book at the close before the first day; zeros and
``NEVER_SOLD`` for an empty book), so a live day continues the book exactly where it stood.

Order of a day: intake arrives; on a forced-liquidation day everything left is sold (reason
FORCED); otherwise, if the strategy's share is > 0, at least ``cadence`` days have passed since
its last sale, the price is positive and waiting is not worth more than ``hold_threshold``, it
sells ``share x inventory`` (reason STRATEGY). A
sale earns ``quantity x price`` and pays ``tx_rate x proceeds``. Storage then accrues on the
value held at the close: ``storage_rate x inventory x max(price, 0)``. Cash is proceeds minus
transaction and storage costs; value is cash plus inventory at the close.
"""

from __future__ import annotations

import numpy as np
from numba import njit

DAILY_COLUMNS = ("intake", "inventory", "sold", "forced", "proceeds", "transaction_cost",
                 "storage_cost", "cash", "value")
REASON_STRATEGY = 0
REASON_FORCED = 1
NEVER_SOLD = 1 << 30  # days since the last sale before the first one


@njit(cache=True)
def simulate_kernel(
    price: np.ndarray, intake: np.ndarray, liquidate: np.ndarray, share: np.ndarray,
    hold_gain: np.ndarray, hold_threshold: float, cadence: int, storage_rate: float,
    tx_rate: float, daily: np.ndarray, sales: np.ndarray, state: np.ndarray,
) -> int:
    inventory = state[0]
    cash = state[1]
    since = int(state[2])
    n_sales = 0
    for t in range(price.shape[0]):
        inventory += intake[t]
        since += 1
        sold = 0.0
        forced = 0.0
        if liquidate[t]:
            forced = inventory
        elif (share[t] > 0.0 and since >= cadence and price[t] > 0.0 and inventory > 0.0
              and not inventory * hold_gain[t] > hold_threshold):
            sold = share[t] * inventory
            since = 0
        quantity = sold + forced
        if quantity > 0.0:
            sales[n_sales, 0] = t
            sales[n_sales, 1] = quantity
            sales[n_sales, 2] = price[t]
            sales[n_sales, 3] = REASON_FORCED if forced > 0.0 else REASON_STRATEGY
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
    state[0] = inventory
    state[1] = cash
    state[2] = since
    return n_sales
