"""What a forecast is worth, measured honestly: each forecast strategy against its own A/B twin.

Rules (stated once):
- A twin pair is a forecast strategy and the baseline it overlays (``StrategySpec.twin``):
  the same rule, except that the forecast may hold back a sale. Comparing a pair isolates the
  forecast; comparing the best forecast strategy with the best baseline would not (picking the
  maximum of each side rewards the side with more or noisier members).
- The **paired advantage** of a pair is the sum over the backtest's days of the daily P&L
  difference (forecast - twin, ``metrics.daily_pnl``, same days, same intake): the value the
  forecast added. ``advantage_pct`` is it in % of |the twin's net earnings|.
- Its interval is the block-bootstrap interval (``selection.bootstrap``: 20-day blocks, 1,000
  resamples, 90 %, seeded) of the mean daily difference, times the number of days.
- The headline advantage of a backtest is the mean over its pairs, with the interval of the
  day-by-day mean of the pairs' differences.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from trading_platform.domain.inventory.engine import BookResult
from trading_platform.domain.inventory.metrics import daily_pnl
from trading_platform.domain.inventory.strategy_base import StrategySpec
from trading_platform.domain.selection.bootstrap import mean_difference_interval

PAIR_COLUMNS = ("twin", "twin_advantage", "twin_advantage_pct", "twin_advantage_low",
                "twin_advantage_high")



@dataclass(frozen=True)
class TwinPair:
    """One forecast strategy against its twin: the paired advantage, in % and its interval."""

    strategy: str
    twin: str
    advantage: float
    advantage_pct: float
    low: float
    high: float

    def columns(self) -> dict[str, object]:
        """The pair as the ``twin_*`` columns of the forecast strategy's metrics row."""
        return {"twin": self.twin, "twin_advantage": self.advantage,
                "twin_advantage_pct": self.advantage_pct, "twin_advantage_low": self.low,
                "twin_advantage_high": self.high}


def _pnl(result: BookResult, price: np.ndarray) -> np.ndarray:
    return daily_pnl(result.column("value"), result.column("intake"), price)


def twin_pairs(strategies: Mapping[str, StrategySpec]) -> dict[str, str]:
    """Forecast strategy key -> its twin's key, for pairs whose both members were run."""
    return {key: spec.twin for key, spec in strategies.items()
            if spec.twin is not None and spec.twin in strategies}


def twin_advantages(results: Mapping[str, BookResult], price: np.ndarray,
                    strategies: Mapping[str, StrategySpec],
                    net_earnings: Mapping[str, float]) -> list[TwinPair]:
    """Every pair of the module rules, in the strategies' order."""
    pairs = []
    for key, twin in twin_pairs(strategies).items():
        mine, theirs = _pnl(results[key], price), _pnl(results[twin], price)
        interval = mean_difference_interval(mine, theirs)
        advantage = float((mine - theirs).sum())
        base = abs(net_earnings[twin])  # the twin's whole-window net earnings
        pairs.append(TwinPair(key, twin, advantage,
                              100.0 * advantage / base if base else float("nan"),
                              interval.low * mine.size, interval.high * mine.size))
    return pairs


def headline_advantage(results: Mapping[str, BookResult], price: np.ndarray,
                       pairs: list[TwinPair]) -> dict[str, float]:
    """The backtest's headline: the mean paired advantage (absolute and %) and its interval;
    NaN without a pair."""
    if not pairs:
        nan = float("nan")
        return {"advantage": nan, "advantage_pct": nan, "advantage_low": nan,
                "advantage_high": nan, "twin_pairs": 0}
    mine = np.mean([_pnl(results[pair.strategy], price) for pair in pairs], axis=0)
    theirs = np.mean([_pnl(results[pair.twin], price) for pair in pairs], axis=0)
    interval = mean_difference_interval(mine, theirs)
    return {"advantage": float(np.mean([pair.advantage for pair in pairs])),
            "advantage_pct": float(np.mean([pair.advantage_pct for pair in pairs])),
            "advantage_low": interval.low * mine.size,
            "advantage_high": interval.high * mine.size, "twin_pairs": len(pairs)}
