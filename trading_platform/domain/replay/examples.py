"""Example user strategies, written as a desk would: plain Python, one bar at a time.

``MovingAverageCrossUser``: long ``size`` contracts while the fast mean of the back-adjusted
close is above the slow one, short while below; it acts only where the two cross, which is
exactly what its screener marks (vectorised over the whole series). ``FusionUser``: several
signals fused into a score with a trailing stop (its docstring).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from trading_platform.domain.replay.api import Context
from trading_platform.domain.replay.focused import CANDIDATE_SCHEMA


def _mean_windows(values: np.ndarray, window: int) -> np.ndarray:
    out = np.full(values.size, np.nan)
    if values.size >= window:
        sums = np.cumsum(np.concatenate([[0.0], values]))
        out[window - 1:] = (sums[window:] - sums[:-window]) / window
    return out


class MovingAverageCrossUser:
    """The simple example: a moving-average cross in plain Python."""

    warmup = 0  # stateless: every bar reads its history afresh

    def __init__(self, fast: int = 20, slow: int = 100, size: float = 5.0) -> None:
        self.fast, self.slow, self.size = fast, slow, size

    def on_bar(self, ctx: Context) -> None:
        prices = ctx.history("adjusted_close", self.slow + 1)
        if prices.size < self.slow + 1:
            return
        now = prices[-self.fast:].mean() - prices[-self.slow:].mean()
        before = prices[-self.fast - 1:-1].mean() - prices[-self.slow - 1:-1].mean()
        if now > 0 >= before:
            ctx.target(self.size)
        elif now < 0 <= before:
            ctx.target(-self.size)

    def screen(self, columns: dict[str, np.ndarray]) -> pl.DataFrame:
        """Every bar where the fast mean crosses the slow one (the only bars it acts on)."""
        prices = columns["adjusted_close"]
        gap = _mean_windows(prices, self.fast) - _mean_windows(prices, self.slow)
        previous = np.concatenate([[np.nan], gap[:-1]])
        # The running sums round differently from on_bar's means: a gap within eps of zero is
        # taken as either sign, so the screen marks too many bars rather than too few.
        eps = 1e-9 * max(float(np.nanmax(np.abs(prices))), 1.0) if prices.size else 0.0
        up = (gap > -eps) & (previous <= eps)
        down = (gap < eps) & (previous >= -eps)
        bars = np.flatnonzero(up | down)
        return pl.DataFrame({"bar": bars, "side": np.where(up[bars], "buy", "sell"),
                             "score": gap[bars], "reason": "ma_cross"}, schema=CANDIDATE_SCHEMA)


def _rolling_extreme(values: np.ndarray, window: int, highest: bool) -> np.ndarray:
    """The max (or min) of the ``window`` values before each bar (NaN until there are enough)."""
    out = np.full(values.size, np.nan)
    if values.size > window:
        view = np.lib.stride_tricks.sliding_window_view(values[:-1], window)
        out[window:] = view.max(axis=1) if highest else view.min(axis=1)
    return out


class FusionUser:
    """The fusion example: several signals fused into a score, written plainly per bar.

    Score at a close, from the back-adjusted closes: 0.4 x the side of the fast mean against the
    slow one, + 0.4 x a breakout (+1 above the highest close of the previous ``breakout`` bars,
    -1 below the lowest), + 0.2 x that side again while the ATR regime is on (ATR / close >=
    ``min_atr_pct``). Flat: enter ``size`` contracts long when the score crosses up through
    ``threshold`` (short through ``-threshold``), with a trailing stop ``trail_atr`` ATRs away.
    In a position: leave when the score crosses back through ``exit_level``.

    ``on_bar`` recomputes every indicator from the history with plain loops, as user code does
    (about a millisecond a bar); ``screen`` computes the same score for every bar at once and
    marks each crossing of the three levels, and every bar within rounding of a boundary.
    """

    warmup = 0

    def __init__(self, fast: int = 20, slow: int = 100, breakout: int = 55,
                 atr_window: int = 20, min_atr_pct: float = 0.005, threshold: float = 0.6,
                 exit_level: float = 0.0, trail_atr: float = 3.0, size: float = 5.0) -> None:
        self.fast, self.slow, self.breakout, self.atr_window = fast, slow, breakout, atr_window
        self.min_atr_pct, self.threshold, self.exit_level = min_atr_pct, threshold, exit_level
        self.trail_atr, self.size = trail_atr, size

    def _score(self, prices: list[float]) -> tuple[float, float]:
        """(score, ATR) at the last of ``prices``, by plain loops."""
        last = prices[-1]
        fast = sum(prices[-self.fast:]) / self.fast
        slow = sum(prices[-self.slow:]) / self.slow
        side = (fast > slow) - (fast < slow)
        before = prices[-self.breakout - 1:-1]
        breakout = (last > max(before)) - (last < min(before))
        moves = [abs(prices[i] - prices[i - 1]) for i in range(len(prices) - self.atr_window,
                                                                len(prices))]
        atr = sum(moves) / self.atr_window
        regime = 1.0 if abs(last) > 0 and atr / abs(last) >= self.min_atr_pct else 0.0
        return 0.4 * side + 0.4 * breakout + 0.2 * regime * side, atr

    def on_bar(self, ctx: Context) -> None:
        need = max(self.slow, self.breakout, self.atr_window) + 2
        history = ctx.history("adjusted_close", need)
        if history.size < need:
            return
        prices = history.tolist()
        now, atr = self._score(prices)
        before, _ = self._score(prices[:-1])
        if ctx.position == 0:
            if before < self.threshold <= now or before > -self.threshold >= now:
                ctx.target(self.size if now > 0 else -self.size)
                ctx.trail(self.trail_atr * atr)
        elif (ctx.position > 0 and before >= self.exit_level > now) or \
                (ctx.position < 0 and before <= -self.exit_level < now):
            ctx.target(0)

    def screen(self, columns: dict[str, np.ndarray]) -> pl.DataFrame:
        """Every crossing of +threshold, -threshold and the exit levels, and every bar whose
        inputs sit within rounding of a boundary (too many bars, never too few)."""
        prices = columns["adjusted_close"]
        scale = max(float(np.nanmax(np.abs(prices))), 1.0) if prices.size else 1.0
        eps = 1e-9 * scale
        gap = _mean_windows(prices, self.fast) - _mean_windows(prices, self.slow)
        high = _rolling_extreme(prices, self.breakout, True)
        low = _rolling_extreme(prices, self.breakout, False)
        moves = np.abs(np.diff(prices, prepend=np.nan))
        atr = _mean_windows(np.nan_to_num(moves), self.atr_window)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = atr / np.abs(prices)
        side = np.sign(gap)
        score = 0.4 * side + 0.4 * ((prices > high).astype(float) - (prices < low)) \
            + 0.2 * (ratio >= self.min_atr_pct) * side
        previous = np.concatenate([[np.nan], score[:-1]])
        crossed = np.zeros(prices.size, dtype=bool)
        for level in (self.threshold, -self.threshold, self.exit_level, -self.exit_level):
            crossed |= ((previous < level) & (score >= level)) | \
                ((previous >= level) & (score < level)) | \
                ((previous > level) & (score <= level)) | ((previous <= level) & (score > level))
        edge = (np.abs(gap) <= eps) | (np.abs(prices - high) <= eps) | \
            (np.abs(prices - low) <= eps) | (np.abs(ratio - self.min_atr_pct) <= 1e-9)
        marked = crossed | edge | np.concatenate([[False], edge[:-1]])
        bars = np.flatnonzero(marked)
        return pl.DataFrame({"bar": bars, "side": np.where(score[bars] > 0, "buy", "sell"),
                             "score": np.nan_to_num(score[bars]), "reason": "score_cross"},
                            schema=CANDIDATE_SCHEMA)
