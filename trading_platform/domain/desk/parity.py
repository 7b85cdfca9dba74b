"""Backtest-live parity: the backtest engine, run over the recorded days, decides the same.

For the most recent ``days`` ledger rows the engine is run again as a backtest: the strategy's
plan over the commodity's closes with every recorded day's prediction matrix in place, and
the inventory engine over a span of consecutive days from the first day's recorded opening
book. A span ends where the book left the engine's path (a halted, blocked or manually filled
day executed something other than what the engine decided) or where the champion changed; the
next span starts from that day's recorded opening. Every day's decided quantity and action
must equal the backtest's exactly (no tolerance: the same code on the same numbers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import polars as pl

from trading_platform.domain.desk.live import Opening, place_matrices, plan_days, run_span
from trading_platform.domain.evidence import CheckOutcome
from trading_platform.domain.inventory.backtest import BookSetup
from trading_platform.domain.inventory.book import BookState
from trading_platform.domain.inventory.engine_kernels import DAILY_COLUMNS
from trading_platform.domain.inventory.strategy_base import StrategySpec

NAME = "backtest_live_parity"


def spans(rows: pl.DataFrame) -> list[pl.DataFrame]:
    """Split date-ordered ledger rows where the book left the engine's path or the champion
    changed (see the module docstring)."""
    out: list[pl.DataFrame] = []
    start = 0
    records = rows.to_dicts()
    for i in range(1, len(records)):
        before, now = records[i - 1], records[i]
        followed = before["executed_quantity"] == before["decided_quantity"]
        same = (before["model"], before["strategy_hash"]) == (now["model"], now["strategy_hash"])
        if not (followed and same):
            out.append(rows.slice(start, i - start))
            start = i
    if records:
        out.append(rows.slice(start, len(records) - start))
    return out


def replay_span(span: pl.DataFrame, dates: np.ndarray, closes: np.ndarray,
                matrices: Mapping[dt.date, np.ndarray], setup: BookSetup,
                spec: StrategySpec) -> list[dict[str, object]]:
    """The backtest's quantity per day of ``span``, with the recorded one, where they differ."""
    last = span["date"][-1]
    stop = int(np.searchsorted(dates, np.datetime64(last, "D"), side="right"))
    dates, closes = dates[:stop], closes[:stop]
    rows = {int(np.searchsorted(dates, np.datetime64(d, "D"))): matrices[d]
            for d in span["date"] if d in matrices}
    n_paths = next(iter(rows.values())).shape[0] if rows else 1
    plan, _ = plan_days(closes, place_matrices(stop, rows, n_paths), setup, spec)
    first = span.row(0, named=True)
    opening = Opening(BookState(float(first["opening_inventory"]), int(first["opening_since"])),
                      float(first["opening_cash"]))
    start = int(np.searchsorted(dates, np.datetime64(first["date"], "D")))
    result = run_span(dates, closes, plan, setup, start, opening, span["next_day"][-1])
    sold = result.daily[:, DAILY_COLUMNS.index("sold")] + result.daily[:, DAILY_COLUMNS.index(
        "forced")]
    mismatches = []
    for recorded, engine in zip(span.iter_rows(named=True), sold, strict=True):
        if recorded["decided_quantity"] != float(engine):
            mismatches.append({"date": str(recorded["date"]),
                               "live": recorded["decided_quantity"], "backtest": float(engine)})
    return mismatches


def backtest_live_parity(
    ledger: pl.DataFrame, dates: np.ndarray, closes: np.ndarray,
    matrices: Mapping[dt.date, np.ndarray], setup: BookSetup,
    specs: Mapping[str, StrategySpec], days: int,
) -> CheckOutcome:
    """Replay the most recent ``days`` ledger rows; ``specs`` maps strategy hash -> spec."""
    recent = ledger.sort("date").tail(days)
    dates = np.asarray(dates, dtype="datetime64[D]")
    closes = np.asarray(closes, dtype=np.float64)
    mismatches: list[dict[str, object]] = []
    parts = spans(recent)
    for span in parts:
        spec = specs.get(span["strategy_hash"][0])
        if spec is None:  # a spec no longer in the code cannot be replayed: say so, loudly
            mismatches.append({"date": str(span["date"][0]), "live": span["strategy_hash"][0],
                               "backtest": f"no strategy spec {span['strategy_hash'][0]}"})
            continue
        mismatches += replay_span(span, dates, closes, matrices, setup, spec)
    passed = recent.height > 0 and not mismatches
    if passed:
        text = (f"the backtest engine reproduces all {recent.height} recent decisions exactly "
                f"({len(parts)} span(s))")
    elif recent.height == 0:
        text = "no recorded day to compare: the ledger is empty"
    else:
        text = (f"{len(mismatches)} of {recent.height} recent decisions differ from the "
                "backtest engine's: the live path no longer trades what was backtested; stop "
                "and investigate before acting (first: "
                f"{mismatches[0]['date']} live {mismatches[0]['live']} vs backtest "
                f"{mismatches[0]['backtest']})")
    return CheckOutcome(NAME, passed, "ERROR", text, {
        "observed": len(mismatches), "threshold": 0, "days_compared": recent.height,
        "spans": len(parts), "mismatches": mismatches[:10]})
