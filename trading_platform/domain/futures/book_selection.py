"""The trading-book champion: one (signal set, optimiser) cell of the matrix, chosen on a
selection window and proven on a later holdout, its Sharpe deflated for the cells compared.

Rules:
- Every cell must trade the same dates (else ValueError naming the cells that differ).
- The dates split into a selection window and the last ``holdout_fraction`` (``split_windows``).
- Selection Sharpe, holdout Sharpe and the Deflated Sharpe Ratio of the selection returns are
  computed for every cell; the DSR counts every cell compared (``n_trials``, synthetic-accuracy
  cells included: they were looked at) and the variance of their per-day selection Sharpes.
- Cells on synthetic-accuracy models use the future and are never eligible.
- The champion is the eligible cell with the highest selection Sharpe (ties: the first in
  signal-set, optimiser order). It is **confirmed** when its DSR >= ``min_dsr`` and its holdout
  Sharpe > ``min_holdout_sharpe``; otherwise **provisional**, and it must not trade.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from trading_platform.config.futures_book import BookSelection
from trading_platform.domain.futures.backtest import TRADING_DAYS
from trading_platform.domain.selection.deflated_sharpe import deflated_sharpe
from trading_platform.domain.selection.windows import split_windows


@dataclass(frozen=True)
class BookDecision:
    """The scored ``candidates`` (one row per cell), the ``champion`` row, its status and the
    criteria it was confirmed (or not) on."""

    candidates: pl.DataFrame
    champion: dict[str, object]
    confirmed: bool
    criteria: list[dict[str, object]]
    selection_span: tuple[object, object]
    holdout_span: tuple[object, object] | None


def _sharpe(returns: np.ndarray) -> float:
    if returns.size < 2:
        return math.nan
    sd = float(np.std(returns, ddof=1))
    return float(np.mean(returns)) / sd * math.sqrt(TRADING_DAYS) if sd > 0 else math.nan


def cell_returns(equity: pl.DataFrame, capital: float) -> tuple[np.ndarray, dict]:
    """(the shared dates, each cell's daily returns on them); ValueError when cells differ."""
    cells: dict[tuple[str, str], np.ndarray] = {}
    dates = None
    for (set_name, optimiser), rows in equity.sort("date").group_by(
            ["signal_set", "optimiser"], maintain_order=True):
        days = rows["date"].to_numpy().astype("datetime64[D]")
        if dates is None:
            dates = days
        elif days.shape != dates.shape or np.any(days != dates):
            raise ValueError(f"cell {set_name} x {optimiser} trades {days.size} days from "
                             f"{days[0]}, the first cell {dates.size} from {dates[0]}: every "
                             "candidate must be compared on identical dates")
        path = np.concatenate([[capital], rows["equity"].to_numpy()])
        cells[(set_name, optimiser)] = path[1:] / path[:-1] - 1.0
    if dates is None:
        raise ValueError("no matrix cells to select from")
    return dates, cells


def select_book_champion(equity: pl.DataFrame, synthetic_sets: set[str], capital: float,
                         config: BookSelection) -> BookDecision:
    """Score every cell and choose the trading-book champion (module rules)."""
    dates, cells = cell_returns(equity, capital)
    windows = split_windows(dates, config.holdout_fraction)
    per_day = [float(np.mean(r[windows.selection]) / np.std(r[windows.selection], ddof=1))
               if np.std(r[windows.selection], ddof=1) > 0 else 0.0 for r in cells.values()]
    variance = float(np.var(per_day, ddof=1)) if len(per_day) > 1 else 0.0
    rows = []
    for (set_name, optimiser), returns in cells.items():
        chosen = returns[windows.selection]
        deflated = deflated_sharpe(chosen, len(cells), variance) if np.std(chosen) > 0 else None
        rows.append({"signal_set": set_name, "optimiser": optimiser,
                     "eligible": set_name not in synthetic_sets,
                     "selection_sharpe": _sharpe(chosen),
                     "holdout_sharpe": _sharpe(returns[windows.holdout]),
                     "dsr": deflated.dsr if deflated else 0.0,
                     "n_trials": len(cells)})
    candidates = pl.DataFrame(rows).with_columns(
        pl.col("selection_sharpe").rank("ordinal", descending=True).alias("rank"))
    eligible = candidates.filter(pl.col("eligible") & pl.col("selection_sharpe").is_not_nan())
    if eligible.is_empty():
        raise ValueError("no eligible matrix cell (every cell is synthetic or never traded)")
    champion = eligible.sort("selection_sharpe", descending=True, maintain_order=True).row(
        0, named=True)
    criteria = [
        {"criterion": "deflated_sharpe", "value": champion["dsr"], "threshold": config.min_dsr,
         "passed": champion["dsr"] >= config.min_dsr},
        {"criterion": "holdout_sharpe", "value": champion["holdout_sharpe"],
         "threshold": config.min_holdout_sharpe,
         "passed": bool(champion["holdout_sharpe"] > config.min_holdout_sharpe)},
    ]
    return BookDecision(candidates, champion, all(c["passed"] for c in criteria), criteria,
                        windows.span(windows.selection), windows.span(windows.holdout))


def decision_words(decision: BookDecision) -> str:
    """One paragraph: what was chosen, on what, and whether it may trade."""
    row = decision.champion
    status = "CONFIRMED" if decision.confirmed else "PROVISIONAL (must not trade)"
    failed = [f"{c['criterion']} {c['value']:.3f} vs {c['threshold']}" for c in
              decision.criteria if not c["passed"]]
    return (f"{status}: {row['signal_set']} x {row['optimiser']}, best selection Sharpe "
            f"{row['selection_sharpe']:.2f} of {row['n_trials']} cells on "
            f"{decision.selection_span[0]}..{decision.selection_span[1]}; holdout Sharpe "
            f"{row['holdout_sharpe']:.2f}, DSR {row['dsr']:.3f}"
            + (f"; failed: {', '.join(failed)}" if failed else ""))
