"""The futures desk's day as rows: the paper book per commodity, the day's summary, and the
report pack's ``trades.csv`` and ``portfolio_weights.csv``.

Weights follow ``book``'s conventions (signed notional over the book's value at today's
close). ``weight_before`` is the book after today's fills at today's close; ``weight_after``
the book once today's orders fill, at today's prices. An order's ``side`` is BUY (contracts
> 0) or SELL; its ``reason`` says why it exists or why it was not sent; ``order_notional`` is
the notional of the order sent, or of the one dropped for its size.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from trading_platform.domain.desk.trading_book.day import FuturesDay
from trading_platform.domain.desk.trading_book.go_no_go import stage_name

POSITION_SCHEMA = {
    "commodity": pl.String, "contract": pl.String, "held_open": pl.Float64,
    "filled": pl.Float64, "fill_price": pl.Float64, "pnl": pl.Float64,
    "commission": pl.Float64, "slippage": pl.Float64, "shortfall": pl.Float64,
    "held": pl.Float64, "mark": pl.Float64, "entry": pl.Float64, "opened_pnl": pl.Float64,
    "price": pl.Float64, "weight_before": pl.Float64, "weight_after": pl.Float64,
    "order": pl.Float64, "order_notional": pl.Float64, "cost_estimate": pl.Float64,
    "slippage_estimate": pl.Float64, "plan_weight": pl.Float64, "volume": pl.Float64,
    "dropped_order": pl.Float64, "gap": pl.Boolean,
}


def position_rows(day: FuturesDay, contracts: list[str], plan: np.ndarray,
                  slippage_per_contract: np.ndarray, held_open: np.ndarray) -> pl.DataFrame:
    """One row per commodity (``POSITION_SCHEMA``); ``contracts`` the contract held after
    today's roll, ``plan`` the champion's weights, ``held_open`` the contracts before fills."""
    book, settled = day.book, day.settled
    after = settled.positions
    dropped = {row["commodity"]: row["contracts"] for row in day.dropped}
    dropped_order = np.array([float(dropped.get(c, 0.0)) for c in book.commodities])
    notional = np.abs(np.where(book.orders != 0, book.orders, dropped_order)) * book.price \
        * book.point_value
    return pl.DataFrame({
        "commodity": list(book.commodities), "contract": contracts, "held_open": held_open,
        "filled": settled.filled, "fill_price": settled.fill_price, "pnl": settled.pnl,
        "commission": settled.commission, "slippage": settled.slippage,
        "shortfall": settled.shortfall, "held": after.held, "mark": after.last,
        "entry": after.entry, "opened_pnl": after.opened_pnl, "price": book.price,
        "weight_before": book.before, "weight_after": book.after, "order": book.orders,
        "order_notional": notional,
        "cost_estimate": np.abs(book.orders) * book.cost_per_contract,
        "slippage_estimate": np.abs(book.orders) * slippage_per_contract,
        "plan_weight": plan, "volume": book.volume,
        "dropped_order": dropped_order,
        "gap": [c in day.gaps for c in book.commodities],
    }, schema=POSITION_SCHEMA)


def day_figures(day: FuturesDay) -> dict[str, float]:
    """The day's book-level figures (shares of the book unless said)."""
    settled, book = day.settled, day.book
    return {"equity": book.equity, "pnl": float(settled.pnl.sum()),
            "costs": float((settled.commission + settled.slippage).sum()),
            "gross": book.gross, "cash": book.cash, "turnover": book.turnover,
            "estimated_costs": book.costs, "margin_share": book.margin_share,
            "orders": int(np.count_nonzero(book.orders)), "dropped": len(day.dropped),
            "gaps": len(day.gaps)}


def trades_frame(positions: pl.DataFrame, status: str, capital_share: float) -> pl.DataFrame:
    """``trades.csv``: every order of the day, and every order dropped for its size.

    ``live_contracts`` is the part of an order sent with real capital at the champion's stage
    (``capital_share`` of the paper order, whole contracts, rounded toward zero; 0 in the shadow
    stage): the paper book trades the whole order either way."""
    rows = positions.filter((pl.col("order") != 0) | (pl.col("dropped_order") != 0))
    sent = pl.col("order") != 0
    contracts = pl.when(sent).then(pl.col("order")).otherwise(pl.col("dropped_order"))
    stage = stage_name(capital_share)
    live = pl.when(sent).then((pl.col("order").abs() * capital_share + 1e-9).floor()
                              ).otherwise(0.0)
    return rows.select(
        "commodity", "contract",
        pl.when(contracts > 0).then(pl.lit("BUY")).otherwise(pl.lit("SELL")).alias("side"),
        contracts.abs().alias("contracts"), live.alias("live_contracts"),
        pl.col("price").alias("reference_price"),
        pl.col("order_notional").alias("notional"), "weight_before", "weight_after",
        (pl.col("cost_estimate") - pl.col("slippage_estimate")).alias("commission"),
        "slippage_estimate",
        pl.when(sent).then(pl.format("toward the champion's weight {} ({}, {} stage)",
                                     pl.col("plan_weight").round(4), pl.lit(status),
                                     pl.lit(stage)))
        .otherwise(pl.lit("dropped, not sent: below the minimum order size")).alias("reason"))


def weights_frame(positions: pl.DataFrame) -> pl.DataFrame:
    """``portfolio_weights.csv``: each commodity's contracts and weights, then cash."""
    rows = positions.select("commodity", "contract", pl.col("held").alias("contracts_held"),
                            "weight_before", "weight_after", pl.col("plan_weight").alias(
                                "champion_weight"))
    cash = pl.DataFrame({"commodity": ["cash"], "contract": [""], "contracts_held": [0.0],
                         "weight_before": [1.0 - float(rows["weight_before"].abs().sum())],
                         "weight_after": [1.0 - float(rows["weight_after"].abs().sum())],
                         "champion_weight": [1.0 - float(
                             rows["champion_weight"].fill_nan(0.0).abs().sum())]})
    return pl.concat([rows, cash], how="vertical_relaxed")
