"""What a commodity's desk trades with, given the champion decision: only confirmed evidence.

Rule (stated once):
- a **confirmed** champion trades itself;
- a **provisional** champion never trades. The desk falls back to the last confirmed champion
  of the commodity (selected on data that ended before this selection's), else to the baseline
  strategy (it reads no forecast) that added most value on the selection window among those
  whose turnover is within ``max_turnover``: one that sells more of its stock a day (Immediate
  Sale sells everything every day) would be refused by the desk's daily sale limit day after
  day. Without such a baseline, the best baseline overall; equal values go to the simpler
  model;
- the choice says which case it is and why, in words the recommendation and the report quote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from trading_platform.domain.selection.champion import ChampionDecision
from trading_platform.domain.statuses import TradingBasis


@dataclass(frozen=True)
class TradingChoice:
    """The (model, strategy, spec hash) the desk trades, on which basis, and why."""

    basis: TradingBasis
    model: str
    strategy: str
    spec_hash: str
    reason: str


def trading_choice(decision: ChampionDecision, last_confirmed: Mapping[str, object] | None,
                   max_turnover: float) -> TradingChoice:
    """The choice of the module rule; ``last_confirmed`` is the commodity's latest earlier
    confirmed champion record (``model``, ``strategy``, ``spec_hash``, ``selected_through``)."""
    champion = f"{decision.model} x {decision.strategy}"
    if decision.passed:
        return TradingChoice(TradingBasis.CONFIRMED_CHAMPION, decision.model, decision.strategy,
                             decision.spec_hash, f"confirmed champion {champion}")
    if last_confirmed is not None:
        earlier = f"{last_confirmed['model']} x {last_confirmed['strategy']}"
        return TradingChoice(
            TradingBasis.LAST_CONFIRMED, str(last_confirmed["model"]),
            str(last_confirmed["strategy"]), str(last_confirmed["spec_hash"]),
            f"champion {champion} is provisional: trading the last confirmed champion {earlier}"
            f" (selected on data through {last_confirmed['selected_through']})")
    baseline = _fallback_baseline(decision.evaluated, max_turnover)
    if baseline is None:
        raise ValueError(f"champion {champion} is provisional and no baseline strategy was "
                         "backtested to fall back on: backtest the baseline strategies")
    return TradingChoice(
        TradingBasis.BEST_BASELINE, str(baseline["model"]), str(baseline["strategy"]),
        str(baseline["spec_hash"]),
        f"champion {champion} is provisional and none was confirmed before: trading the best "
        f"baseline strategy {baseline['strategy']} (no forecast; value added "
        f"{baseline['value_added']:,.0f} on the selection window, turnover "
        f"{baseline['turnover']:.2f})")


def _fallback_baseline(evaluated: pl.DataFrame, max_turnover: float) -> dict | None:
    """The baseline row of the module rule, or None without baseline rows."""
    baselines = evaluated.filter((pl.col("family") == "baseline")
                                 & pl.col("value_added").is_not_nan())
    if baselines.is_empty():
        return None
    within = baselines.filter(pl.col("turnover") <= max_turnover)
    ranked = (within if within.height else baselines).sort(
        ["value_added", "complexity", "model", "strategy"],
        descending=[True, False, False, False])
    return ranked.row(0, named=True)
