"""The slow reference of the inventory book: plain Python, one day at a time.

Used only by parity tests and as the benchmark baseline, never in production. A strategy is a
``decide(state, market, forecast) -> share`` callable that sees only the past and today:
``state`` (inventory, days since its last sale), ``market`` (today's index and the closes up to
today) and ``forecast`` (today's prediction matrix or None). The engine rules are those of
``engine_kernels`` and are written out again here independently.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from trading_platform.domain.inventory.book import NEVER_SOLD, BookState, MarketView

Decide = Callable[[BookState, MarketView, "np.ndarray | None"], float]


def run_book_reference(
    price: np.ndarray, intake: np.ndarray, liquidate: np.ndarray, decide: Decide,
    cadence: int, storage_rate: float, tx_rate: float,
    forecasts: np.ndarray | None = None, start: int = 0, stop: int | None = None,
    initial: BookState | None = None, initial_cash: float = 0.0, lag: int = 1,
) -> tuple[list[dict[str, float]], list[tuple[int, float, float, str, int]]]:
    """Return (one dict per day with the engine's daily columns, sales as tuples).

    Days ``start .. stop - 1`` are simulated from ``initial`` (inventory, days since the last
    strategy decision and the order waiting for the next session at the close of day
    ``start - 1``) and ``initial_cash``; the defaults start an empty book on day 0. A decision
    taken at a close fills ``lag`` sessions later (0: at that close, 1: at the next session's
    close). Sale tuples are (day, quantity, price, reason, day decided), with absolute indices.
    """
    state = BookState(inventory=0.0, days_since_sale=NEVER_SOLD) if initial is None else (
        BookState(initial.inventory, initial.days_since_sale, initial.pending))
    cash = initial_cash
    days: list[dict[str, float]] = []
    sales: list[tuple[int, float, float, str, int]] = []
    for t in range(start, len(price) if stop is None else stop):
        state.inventory += float(intake[t])
        state.days_since_sale += 1
        waiting, state.pending = state.pending, 0.0
        sold = forced = ordered = 0.0
        if liquidate[t]:  # the calendar's forced sale takes everything; an order lapses
            forced = state.inventory
        else:
            sold = min(waiting, state.inventory) if price[t] > 0 else 0.0
            stock = state.inventory - sold
            matrix = None if forecasts is None else forecasts[t]
            view = BookState(stock, state.days_since_sale)
            wanted = decide(view, MarketView(t, price[: t + 1], storage_rate), matrix)
            if wanted > 0 and state.days_since_sale >= cadence and price[t] > 0 and stock > 0:
                ordered = wanted * stock
                state.days_since_sale = 0
                if lag == 0:
                    sold += ordered
                else:
                    state.pending = ordered
        if sold + forced > 0:
            decided = t if forced or (lag == 0 and ordered) else t - 1
            sales.append((t, sold + forced, float(price[t]), "forced" if forced else "strategy",
                          decided))
        state.inventory -= sold + forced
        proceeds = (sold + forced) * float(price[t])
        transaction = tx_rate * abs(proceeds)
        storage = storage_rate * state.inventory * max(float(price[t]), 0.0)
        cash += proceeds - transaction - storage
        days.append({"intake": float(intake[t]), "inventory": state.inventory, "sold": sold,
                     "forced": forced, "proceeds": proceeds, "transaction_cost": transaction,
                     "storage_cost": storage, "cash": cash,
                     "value": cash + state.inventory * float(price[t]), "ordered": ordered})
    return days, sales
