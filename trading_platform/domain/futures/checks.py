"""Guards of the futures book's backtests, each re-deriving a result from its inputs."""

from __future__ import annotations

import math

import polars as pl

from trading_platform.domain.evidence import ERROR, CheckOutcome

_EVIDENCE_ROWS = 5


def futures_accounting_holds(run_frame: pl.DataFrame, trades: pl.DataFrame,
                             series: pl.DataFrame, point_value: float,
                             capital: float) -> CheckOutcome:
    """Equity and positions recomputed from the trade list and the raw closes alone.

    Each day with a bar: fills (signal and stop trades) move the position at their price, the
    position is marked from the last price to the fill and from the fill to the close; a roll
    must sell the whole position at the held contract's close and buy it back at the next
    contract's close, which becomes the base price; costs are the trades' commission and
    slippage. Every day's position and equity must match the run (equity to 1e-6 of capital).
    """
    name = "futures_accounting_holds"
    by_day: dict[object, list[dict]] = {}
    for trade in trades.iter_rows(named=True):
        by_day.setdefault(trade["date"], []).append(trade)
    position, base, equity = 0.0, math.nan, capital
    problems: list[dict[str, object]] = []
    columns = zip(series["date"].to_list(), series["close"].to_list(), series["roll"].to_list(),
                  series["next_close"].to_list(), run_frame["position"].to_list(),
                  run_frame["equity"].to_list(), strict=True)
    for day, close, rolling, next_close, kept_position, kept_equity in columns:
        pnl, costs, today = 0.0, 0.0, by_day.get(day, ())
        for trade in today:
            costs += trade["commission"] + trade["slippage"]
            if trade["reason"] in ("signal", "stop"):
                if position != 0.0:
                    pnl += position * (trade["price"] - base)
                position += trade["contracts"]
                base = trade["price"]
        if position != 0.0:
            pnl += position * (close - base)
        base = close
        if rolling:
            rolled = [t for t in today if t["reason"].startswith("roll")]
            expected = [(-position, close), (position, next_close)] if position else []
            if sorted((t["contracts"], t["price"]) for t in rolled) != sorted(expected):
                problems.append({"day": str(day), "rule": "roll trades at both closes",
                                 "observed": [(t["contracts"], t["price"]) for t in rolled]})
            base = next_close
        equity += pnl * point_value - costs
        if kept_position != position or abs(kept_equity - equity) > 1e-6 * capital:
            problems.append({"day": str(day), "position": kept_position,
                             "recomputed_position": position, "equity": kept_equity,
                             "recomputed_equity": equity})
            break  # later days inherit the difference: the first one is the evidence
    return CheckOutcome(
        name, not problems, ERROR,
        "positions and equity equal their recompute from the trade list and raw closes"
        if not problems else
        f"the backtest disagrees with its recompute from the trades and raw closes from "
        f"{problems[0]['day']} (first: {problems[0]}); fix the engine or its inputs before "
        "using these figures",
        {"observed": len(problems), "threshold": 0, "problems": problems[:_EVIDENCE_ROWS]})
