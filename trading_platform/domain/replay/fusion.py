"""The fusion example: several signals fused into a score, written plainly per bar, as user
code is (about a millisecond a bar), with a vectorised screen that marks every bar it can act on.

Score at a close, from the back-adjusted closes:

    0.4 x side + 0.4 x breakout + 0.2 x regime x side

- side: +1 while the ``fast`` mean is above the ``slow`` mean, -1 below, 0 equal;
- breakout: +1 while the highest close of the last ``breakout`` bars is under
  ``breakout_recent`` bars old and newer than the lowest (a recent breakout up), -1 mirrored;
- regime: 1 while the ATR (mean absolute move over ``atr_window`` bars) is at or above its
  ``regime_quantile`` among the last ``regime_window`` ATRs (a volatile market), else 0.

Flat: enter ``size`` contracts long when the score crosses up through ``threshold`` (short
through ``-threshold``), with a trailing stop ``trail_atr`` ATRs away (the replay moves it).
In a position: leave when the score crosses back through ``exit_level`` (long: from
``>= exit_level`` to below it; short mirrored).

The screen marks every up-crossing of any level in ``threshold_range`` (and the mirrored
down-crossings), and every crossing of the exit levels. The range defaults to the threshold
alone (the fewest candidates); widened, it makes the entry threshold a parameter outside the
screen: any ``threshold`` inside the range acts only on marked bars, so a sweep of thresholds
reuses one candidate set (``SCREEN_PARAMETERS`` lists those that do change the screen).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from trading_platform.domain.replay.api import Context
from trading_platform.domain.replay.focused import CANDIDATE_SCHEMA
from trading_platform.domain.replay.fusion_kernels import fusion_score_kernel

SCREEN_PARAMETERS = ("fast", "slow", "breakout", "breakout_recent", "atr_window", "regime_window",
                     "regime_quantile", "exit_level", "threshold_range")


class FusionUser:
    """The fusion strategy (module doc). Parameters are checked when it is built."""

    warmup = 0  # stateless: every bar reads its history afresh
    screen_parameters = SCREEN_PARAMETERS

    def __init__(self, fast: int = 50, slow: int = 200, breakout: int = 100,
                 breakout_recent: int = 40, atr_window: int = 50, regime_window: int = 100,
                 regime_quantile: float = 0.5, threshold: float = 0.6,
                 threshold_range: tuple[float, float] | None = None, exit_level: float = 0.0,
                 trail_atr: float = 3.0, size: float = 5.0) -> None:
        low, high = threshold_range if threshold_range is not None else (threshold, threshold)
        if not 0 < low <= threshold <= high:
            raise ValueError(f"threshold {threshold} must lie in threshold_range "
                             f"[{low}, {high}] (and the range above 0): the screen marks the "
                             "crossings of that range only")
        if not 2 <= fast < slow:
            raise ValueError(f"fast ({fast}) must be at least 2 and below slow ({slow})")
        self.fast, self.slow, self.breakout, self.atr_window = fast, slow, breakout, atr_window
        self.breakout_recent = breakout_recent
        self.regime_window, self.regime_quantile = regime_window, regime_quantile
        self.threshold, self.threshold_range = threshold, (float(low), float(high))
        self.exit_level, self.trail_atr, self.size = exit_level, trail_atr, size
        # the bars on_bar needs: the score at this bar and at the one before
        self.need = max(slow, breakout, regime_window + atr_window) + 1

    def on_bar(self, ctx: Context) -> None:
        history = ctx.history("adjusted_close", self.need)
        if history.size < self.need:
            return
        prices = history.tolist()
        now, atr = self.score_at(prices)
        before, _ = self.score_at(prices[:-1])
        if ctx.position == 0:
            if before < self.threshold <= now or before > -self.threshold >= now:
                ctx.target(self.size if now > 0 else -self.size)
                ctx.trail(self.trail_atr * atr)
        elif (ctx.position > 0 and before >= self.exit_level > now) or \
                (ctx.position < 0 and before <= -self.exit_level < now):
            ctx.target(0)

    def score_at(self, prices: list[float]) -> tuple[float, float]:
        """(score, ATR) at the last of ``prices``, by plain loops (user code as written)."""
        fast, slow = _mean(prices[-self.fast:]), _mean(prices[-self.slow:])
        side = (fast > slow) - (fast < slow)
        channel = prices[-self.breakout:]
        high_age = len(channel) - 1 - channel.index(max(channel))
        low_age = len(channel) - 1 - channel.index(min(channel))
        breakout = 0
        if high_age < self.breakout_recent and high_age < low_age:
            breakout = 1
        elif low_age < self.breakout_recent and low_age < high_age:
            breakout = -1
        atrs = [self._atr(prices, end) for end in range(len(prices) - self.regime_window,
                                                        len(prices))]
        atr = atrs[-1]
        below = 0
        for value in atrs:
            if value <= atr:
                below += 1
        regime = 1.0 if below / self.regime_window >= self.regime_quantile else 0.0
        return 0.4 * side + 0.4 * breakout + 0.2 * regime * side, atr

    def _atr(self, prices: list[float], end: int) -> float:
        total = 0.0
        for i in range(end - self.atr_window + 1, end + 1):
            total += abs(prices[i] - prices[i - 1])
        return total / self.atr_window

    def scores(self, prices: np.ndarray) -> np.ndarray:
        """The score at every bar (NaN where ``on_bar`` cannot compute it), vectorised."""
        return fusion_score_kernel(np.ascontiguousarray(prices, dtype=np.float64), self.fast,
                                   self.slow, self.breakout, self.breakout_recent,
                                   self.atr_window,
                                   self.regime_window, self.regime_quantile, self.need - 2)

    def screen(self, columns: dict[str, np.ndarray]) -> pl.DataFrame:
        """Every bar where the score crosses into or out of ``threshold_range`` (either sign)
        or crosses the exit levels: all the bars ``on_bar`` can order on."""
        score = self.scores(columns["adjusted_close"])
        before = np.concatenate([[np.nan], score[:-1]])
        low, high = self.threshold_range
        with np.errstate(invalid="ignore"):
            up = (before < score) & (score >= low) & (before < high)
            down = (before > score) & (score <= -low) & (before > -high)
            exits = ((before >= self.exit_level) & (score < self.exit_level)) | \
                ((before <= -self.exit_level) & (score > -self.exit_level))
        bars = np.flatnonzero(up | down | exits)
        reason = np.where(up[bars] | down[bars], "score_cross", "exit_cross")
        return pl.DataFrame({"bar": bars, "side": np.where(score[bars] > before[bars], "buy",
                                                            "sell"),
                             "score": score[bars], "reason": reason}, schema=CANDIDATE_SCHEMA)


def _mean(values: list[float]) -> float:
    # A left-to-right loop (not sum(), which compensates on newer Pythons): the screen's
    # kernel adds in this order, so both see the same bits.
    total = 0.0
    for value in values:
        total += value
    return total / len(values)
