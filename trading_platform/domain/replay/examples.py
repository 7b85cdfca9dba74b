"""The simple example user strategy, written as a desk would: plain Python, one bar at a time.

``MovingAverageCrossUser``: long ``size`` contracts while the fast mean of the back-adjusted
close is above the slow one, short while below; it acts only where the two cross, which is
exactly what its screener marks (vectorised over the whole series, with a rounding margin).
The fusion example lives in ``fusion``.
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
    screen_parameters = ("fast", "slow")

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
