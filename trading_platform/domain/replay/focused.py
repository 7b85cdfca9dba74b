"""Focused replay: the user strategy called only where its screener says it could act, and the
parity check that proves it makes the same trades as the full replay.

A strategy declares ``warmup`` (bars of per-bar state its indicators need before a candidate)
and ``screen(columns) -> DataFrame`` with one row per **candidate bar** (``bar``, ``side``,
``score``, ``reason``): every bar where it could place or change an order, entries and exits
alike. The screener may mark too many bars, never too few. Its promise, which the parity check
tests: on an unmarked bar ``on_bar`` places no order and changes no ``ctx.state``.

The focused replay calls ``on_bar`` on every candidate bar (so exits must be screened like
entries; a stop the strategy moves on every bar makes every bar in a position a candidate).
Before each candidate, on its ``warmup`` bars, it calls ``on_bar`` with ``ctx.warming`` set and
discards the orders; overlapping windows merge. Every other bar moves the book alone: marks,
rolls, fills of pending orders and stops (``stretches`` does it vectorised between events; a
stop reached on an unmarked bar orders flat without a call, since there ``on_bar`` orders
nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from trading_platform.config.contracts import FuturesSpec
from trading_platform.domain.evidence import ERROR, CheckOutcome
from trading_platform.domain.futures.backtest import Costs
from trading_platform.domain.replay.api import Context
from trading_platform.domain.replay.replay import (
    ReplayResult,
    Strategy,
    run_replay,
    series_columns,
)

CANDIDATE_SCHEMA = {"bar": pl.Int64, "side": pl.String, "score": pl.Float64, "reason": pl.String}


@dataclass(frozen=True)
class FocusedResult:
    """The replay, the candidate bars and how many bars ``on_bar`` ran on (and warmed up)."""

    replay: ReplayResult
    candidates: pl.DataFrame
    called_bars: int
    warm_bars: int


def warm_mask(candidates: np.ndarray, warmup: int, n: int) -> np.ndarray:
    """The ``warmup`` bars before each candidate (merged where windows overlap)."""
    warm = np.zeros(n, dtype=bool)
    for bar in candidates:
        warm[max(bar - warmup, 0):bar] = True
    return warm


def focused_replay(strategy: Strategy, series: pl.DataFrame, contract: FuturesSpec,
                   costs: Costs, capital: float, candidates: pl.DataFrame | None = None
                   ) -> FocusedResult:
    """Screen ``series`` with the strategy's screener (or take ``candidates``, a set screened
    before with the same screen key), then replay only where it could act."""
    if candidates is None:
        candidates = screen_series(strategy, series)
    bars = candidates["bar"].to_numpy().astype(np.int64)
    marked = np.zeros(series.height, dtype=bool)
    marked[bars] = True
    warm = warm_mask(bars, int(getattr(strategy, "warmup", 0)), series.height) & ~marked
    tracker = _CallCounter(strategy)
    replay = run_replay(tracker, series, contract, costs, capital, calls=marked, warm=warm)
    return FocusedResult(replay, candidates, tracker.calls, tracker.warm)


def screen_series(strategy: Strategy, series: pl.DataFrame) -> pl.DataFrame:
    """The strategy's candidate bars over ``series``, checked: ValueError when the screener
    returns bars outside the data, out of order or twice."""
    label = getattr(strategy, "label", type(strategy).__name__)
    candidates = strategy.screen(series_columns(series))  # type: ignore[attr-defined]
    missing = [c for c in CANDIDATE_SCHEMA if c not in candidates.columns]
    if missing:
        raise ValueError(f"screen of {label} returned no {missing} column(s); a screen returns "
                         f"{list(CANDIDATE_SCHEMA)}")
    bars = candidates["bar"].to_numpy()
    outside = np.flatnonzero((bars < 0) | (bars >= series.height))
    if outside.size:
        raise ValueError(f"screen of {label}: candidate row {int(outside[0])} marks bar "
                         f"{int(bars[outside[0]])}, outside the data (bars 0..{series.height - 1})")
    steps = np.flatnonzero(np.diff(bars) <= 0)
    if steps.size:
        row = int(steps[0]) + 1
        what = "twice" if bars[row] == bars[row - 1] else "out of order"
        raise ValueError(f"screen of {label}: candidate row {row} marks bar {int(bars[row])} "
                         f"{what} (after bar {int(bars[row - 1])}); a screen returns each bar "
                         "once, in order")
    return candidates.select(list(CANDIDATE_SCHEMA)).cast(CANDIDATE_SCHEMA)  # type: ignore[arg-type]


def candidate_windows(candidates: pl.DataFrame, warmup: int) -> pl.DataFrame:
    """Each candidate with the window the focused replay runs for it (``window_start`` ..
    the bar: its warm-up bars), and ``window`` numbering the merged windows."""
    bars = candidates["bar"].to_numpy().astype(np.int64)
    starts = np.maximum(bars - warmup, 0)
    merged = np.concatenate([[True], starts[1:] > bars[:-1] + 1]) if bars.size else \
        np.zeros(0, dtype=bool)
    return candidates.with_columns(pl.Series("window_start", starts, dtype=pl.Int64),
                                   pl.Series("window", np.cumsum(merged), dtype=pl.Int64))


class _CallCounter:
    """Counts the calls the replay makes, passing everything else to the strategy."""

    def __init__(self, strategy: Strategy) -> None:
        self._strategy, self.calls, self.warm = strategy, 0, 0

    def on_bar(self, ctx: Context) -> None:
        if ctx.warming:
            self.warm += 1
        else:
            self.calls += 1
        self._strategy.on_bar(ctx)

    def __getattr__(self, name: str) -> object:
        return getattr(self._strategy, name)


def replay_parity(full: ReplayResult, focused: ReplayResult, tolerance: float = 1e-9
                  ) -> CheckOutcome:
    """Focused == full, trade for trade (bar, side, contracts, price within ``tolerance``) and
    in final equity; a failure names the first divergent trade, its bar and both positions."""
    keys = ("bar", "side", "contracts", "price", "reason")
    left, right = full.trades.select(keys).rows(), focused.trades.select(keys).rows()
    for i in range(max(len(left), len(right))):
        one, two = (left[i] if i < len(left) else None), (right[i] if i < len(right) else None)
        if one is None or two is None or one[:3] != two[:3] or one[4] != two[4] \
                or abs(one[3] - two[3]) > tolerance:
            bar = (one or two)[0]
            return CheckOutcome(
                "focused_replay_matches_full", False, ERROR,
                f"trade {i + 1} differs at bar {bar}: full {one}, focused {two}; positions "
                f"there: full {full.positions[bar]}, focused {focused.positions[bar]}. The "
                "screener missed a bar where the strategy acts (or the strategy changes state "
                "on unmarked bars)",
                {"observed": i + 1, "threshold": 0, "bar": int(bar), "full": str(one),
                 "focused": str(two)})
    gap = abs(full.final_equity - focused.final_equity)
    return CheckOutcome(
        "focused_replay_matches_full", gap <= tolerance * max(1.0, abs(full.final_equity)),
        ERROR, f"{len(left)} trades identical; final equity {full.final_equity:,.2f} vs "
        f"{focused.final_equity:,.2f}",
        {"observed": gap, "threshold": tolerance, "trades": len(left)})
