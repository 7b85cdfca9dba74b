"""Every user strategy on one commodity: screened once per screen key, replayed in full and
focused, parity checked, and the sweep's variants replayed over the candidate sets they share.

For each spec, its own parameter set is replayed twice (every bar, and only the candidate
bars) and the two must make the same trades: that is the parity the ``candidate_sets`` check
blocks on. A swept variant whose screen key is one already screened reuses that candidate set
(``reused_screen``) and is replayed focused only; a variant whose swept parameter changes the
screen is screened afresh. Seconds are wall-clock per replay, screen included for focused ones.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from trading_platform.config.contracts import FuturesSpec
from trading_platform.config.user_strategies import UserStrategies
from trading_platform.domain.evidence import ERROR, CheckOutcome
from trading_platform.domain.futures.backtest import Costs, equity_metrics
from trading_platform.domain.replay.focused import (
    candidate_windows,
    focused_replay,
    replay_parity,
    screen_series,
)
from trading_platform.domain.replay.replay import ReplayResult, full_replay, time_column
from trading_platform.domain.replay.specs import Variant, sweep_variants

PARITY = "focused_replay_matches_full"


@dataclass(frozen=True)
class StrategyStudy:
    """Candidate bars (per strategy and screen key), trade logs and one row per replay."""

    candidates: pl.DataFrame
    trades: pl.DataFrame
    runs: pl.DataFrame
    parity: CheckOutcome


def study_strategies(strategies: UserStrategies, series: pl.DataFrame, contract: FuturesSpec,
                     costs: Costs, capital: float,
                     clock: Callable[[], float] = time.perf_counter,
                     progress: Callable[[str], None] | None = None) -> StrategyStudy:
    """Run every spec of ``strategies`` on ``series`` (one commodity's continuous series);
    ``progress`` hears one line per replay."""
    times = series[time_column(series)]
    screens: dict[str, pl.DataFrame] = {}
    candidates, trades, runs, outcomes = [], [], [], []
    for name, spec in strategies.strategies.items():
        for index, variant in enumerate(sweep_variants(name, spec)):
            started = clock()
            reused = variant.screen_key in screens
            if not reused:
                screened = screen_series(variant.strategy, series)
                screens[variant.screen_key] = screened
                candidates.append(_candidate_rows(name, variant, screened, times))
            focused = focused_replay(variant.strategy, series, contract, costs, capital,
                                     candidates=screens[variant.screen_key])
            seconds = clock() - started
            replays = [("focused", focused.replay, seconds, focused.called_bars)]
            if index == 0:
                started = clock()
                full = full_replay(variant.strategy, series, contract, costs, capital)
                replays.insert(0, ("full", full, clock() - started, series.height))
                outcomes.append((name, replay_parity(full, focused.replay)))
            for mode, replay, spent, called in replays:
                tags = {"strategy": name, "variant": _variant_name(variant), "mode": mode}
                if progress is not None:
                    progress(f"{variant.label} {mode}: {called} of {series.height} bars "
                             f"called, {replay.trades.height} trades, {spent:.2f} s")
                trades.append(replay.trades.with_columns(
                    *(pl.lit(v).alias(k) for k, v in tags.items())))
                runs.append({**tags, "version": spec.version, "spec_hash": spec.content_hash,
                             "screen_key": variant.screen_key, "reused_screen": reused,
                             "bars": series.height, "candidate_bars": focused.candidates.height,
                             "called_bars": called, "trades": replay.trades.height,
                             **_metrics(replay, capital), "seconds": spent})
    return StrategyStudy(pl.concat(candidates, how="vertical"),
                         pl.concat(trades, how="vertical"), pl.DataFrame(runs),
                         _parity(outcomes))


def _candidate_rows(name: str, variant: Variant, screened: pl.DataFrame, times: pl.Series
                    ) -> pl.DataFrame:
    windows = candidate_windows(screened, int(getattr(variant.strategy, "warmup", 0)))
    return windows.with_columns(
        pl.lit(name).alias("strategy"), pl.lit(variant.screen_key).alias("screen_key"),
        times.gather(windows["bar"]).alias("timestamp"))


def _variant_name(variant: Variant) -> str:
    return ",".join(f"{k}={v}" for k, v in variant.swept.items()) or "spec"


def _metrics(replay: ReplayResult, capital: float) -> dict[str, float]:
    figures = equity_metrics(replay.equity, capital) if replay.equity.size else {}
    return {"final_equity": replay.final_equity,
            "sharpe": figures.get("sharpe", np.nan), "cagr": figures.get("cagr", np.nan),
            "max_drawdown": figures.get("max_drawdown", np.nan)}


def _parity(outcomes: list[tuple[str, CheckOutcome]]) -> CheckOutcome:
    """One verdict over every spec: each named, failures first."""
    failed = [(n, o) for n, o in outcomes if not o.passed]
    shown = failed or outcomes
    return CheckOutcome(
        PARITY, not failed, ERROR,
        "; ".join(f"{n}: {o.description}" for n, o in shown),
        {"observed": len(failed), "threshold": 0, "strategies": len(outcomes),
         "failed": [n for n, _ in failed],
         **({"first_failure": failed[0][1].metadata} if failed else {})})
