"""The paper ledger: the inventory book per commodity, one row per trading day.

Where a day's opening book comes from (first match):
1. the commodity's previous ledger row (its closing stock, cash, days since the last strategy
   decision, and the order it sent for today's session with the price a person recorded for
   its fill, if any);
2. on the first live day, the champion's research backtest at the last day before it: the live
   book takes over the backtest's stock and days since its last decision (counted in the
   backtest's trading days; never decided: ``NEVER_SOLD``), but not its cash (paper-trading
   profit and loss starts at zero on the first live day) nor an order the backtest decided at
   its last close (the desk never sent it);
3. otherwise an empty book.

Settling a day applies what was executed with the engine's arithmetic in the engine's order:
intake; on a forced-liquidation day the forced sale (a waiting order lapses); otherwise the
order sent at the previous close fills at today's close (or at the price a person recorded);
today's executed order then waits for the next session (fill lag 1) or fills at today's close
(lag 0); storage accrues on the stock left at the close. In dry-run mode the executed order is
the decided one; a halted or blocked day sends nothing (an order sent the day before still
fills); in manual mode the day stays ``pending`` until a fill, approval or rejection is recorded,
and the next day refuses to start before that.
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
    """The book after a day's fills, and the day's cash flows; ``filled`` at ``fill_price``
    is the order carried in from the previous close."""

    closing: BookState
    closing_cash: float
    value: float
    proceeds: float
    transaction_cost: float
    storage_cost: float
    filled: float
    fill_price: float | None


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
    pending = float(last.get("closing_pending") or 0.0)
    return Opening(BookState(float(last["closing_inventory"]), int(last["closing_since"]),
                             pending), float(last["closing_cash"]),
                   last["executed_price"] if pending > 0 else None)


def opening_from_backtest(daily: pl.DataFrame, day: dt.date) -> Opening | None:
    """The champion backtest's stock at its last day before ``day`` (None if it has none),
    with zero cash and no waiting order (see the module docstring).

    ``daily`` holds the backtest rows of the champion's (model, strategy).
    """
    before = daily.filter(pl.col("date") < day).sort("date")
    if before.is_empty():
        return None
    last = before.row(-1, named=True)
    decisions = before.filter(pl.col("ordered") > 0) if "ordered" in before.columns else (
        before.filter(pl.col("sold") > 0))
    since = NEVER_SOLD
    if decisions.height:
        since = before.filter(pl.col("date") > decisions["date"].max()).height
    return Opening(BookState(float(last["inventory"]), since), 0.0)


def settle(opening: Opening, intake: float, price: float, sale: float,
           liquidation_day: bool, setup: BookSetup) -> Settlement:
    """Apply one day (module docstring): ``sale`` is what was executed of today's decision (the
    forced sale on a liquidation day, else the strategy's order), at today's close ``price``."""
    inventory = opening.book.inventory + intake
    since = opening.book.days_since_sale + 1
    recorded = opening.pending_price is not None
    filled, fill_price = 0.0, None
    if opening.book.pending > 0 and (recorded or (not liquidation_day and price > 0)):
        filled = min(opening.book.pending, inventory)
        fill_price = float(opening.pending_price) if recorded else price
    stock = inventory - filled
    if sale > stock * (1 + 1e-12) + 1e-9 or sale < 0:
        raise ValueError(f"cannot settle a sale of {sale:,.4f} with {stock:,.4f} in stock")
    pending = now = 0.0
    if liquidation_day:
        now = sale
    elif sale > 0:
        since = 0
        if setup.fill_lag == 0:
            now = sale
        else:
            pending = sale
    inventory = stock - now
    proceeds = filled * (fill_price or 0.0) + now * price
    transaction = setup.tx_rate * abs(proceeds)
    storage = setup.storage_rate * inventory * max(price, 0.0)
    cash = opening.cash + (proceeds - transaction - storage)
    return Settlement(BookState(inventory, since, pending), cash, cash + inventory * price,
                      proceeds, transaction, storage, filled, fill_price)
