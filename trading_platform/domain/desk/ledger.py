"""The paper ledger: the inventory book per commodity, one row per trading day.

Where a day's opening book comes from (first match):
1. the commodity's previous ledger row (its closing stock, cash and days since the last sale);
2. on the first live day, the champion's research backtest at the last day before it, so the
   live book continues exactly where the backtest stood (days since the last sale counted in
   the backtest's trading days; never sold: ``NEVER_SOLD``);
3. otherwise an empty book.

Settling a day applies the executed quantity with the engine's arithmetic in the engine's
order (intake, sale, proceeds, transaction cost, storage on the stock left at the close). In
dry-run mode the executed quantity is the decided one; a halted or blocked day executes
nothing; in manual mode the day stays ``pending`` until a fill, approval or rejection is
recorded, and the next day refuses to start before that.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from trading_platform.domain.desk.live import Opening
from trading_platform.domain.inventory.backtest import BookSetup
from trading_platform.domain.inventory.book import BookState
from trading_platform.domain.inventory.engine_kernels import NEVER_SOLD
from trading_platform.domain.statuses import LedgerState


class PendingFillError(ValueError):
    """A manual-mode day still waits for its fill; the message names the command to record it."""


@dataclass(frozen=True)
class Settlement:
    """The book after a day's executed sale, and the day's cash flows."""

    closing: BookState
    closing_cash: float
    value: float
    proceeds: float
    transaction_cost: float
    storage_cost: float


def opening_from_ledger(rows: pl.DataFrame, day: dt.date) -> Opening | None:
    """The closing book of the last row before ``day`` (None without one).

    Raises ``PendingFillError`` when that row is a manual-mode day still waiting for its fill.
    """
    before = rows.filter(pl.col("date") < day).sort("date")
    if before.is_empty():
        return None
    last = before.row(-1, named=True)
    if last["state"] == LedgerState.PENDING:
        raise PendingFillError(
            f"{last['commodity']} {last['date']} is waiting for its fill (manual mode): record "
            f"it with `python -m trading_platform.cli fill --commodity {last['commodity']} "
            f"--date {last['date']} --quantity Q --price P` (or `approve` / `reject`) first")
    return Opening(BookState(float(last["closing_inventory"]), int(last["closing_since"])),
                   float(last["closing_cash"]))


def opening_from_backtest(daily: pl.DataFrame, sales: pl.DataFrame, day: dt.date) -> Opening | None:
    """The champion backtest's book at its last day before ``day`` (None if it has none).

    ``daily`` and ``sales`` are the backtest rows of the champion's (model, strategy).
    """
    before = daily.filter(pl.col("date") < day).sort("date")
    if before.is_empty():
        return None
    last = before.row(-1, named=True)
    strategy_sales = sales.filter((pl.col("reason") == "strategy")
                                  & (pl.col("date") <= last["date"]))
    since = NEVER_SOLD
    if strategy_sales.height:
        last_sale = strategy_sales["date"].max()
        since = before.filter(pl.col("date") > last_sale).height
    return Opening(BookState(float(last["inventory"]), since), float(last["cash"]))


def settle(opening: Opening, intake: float, price: float, quantity: float, strategy_sale: bool,
           setup: BookSetup) -> Settlement:
    """Apply one day's executed ``quantity`` at ``price`` (the engine's arithmetic and order)."""
    inventory = opening.book.inventory + intake
    since = opening.book.days_since_sale + 1
    if quantity > inventory * (1 + 1e-12) + 1e-9 or quantity < 0:
        raise ValueError(f"cannot settle a sale of {quantity:,.4f} with {inventory:,.4f} in stock")
    if quantity > 0 and strategy_sale:
        since = 0
    inventory -= quantity
    proceeds = quantity * price
    transaction = setup.tx_rate * abs(proceeds)
    storage = setup.storage_rate * inventory * max(price, 0.0)
    cash = opening.cash + (proceeds - transaction - storage)
    return Settlement(BookState(inventory, since), cash, cash + inventory * price, proceeds,
                      transaction, storage)
