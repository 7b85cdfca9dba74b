"""One commodity x model backtest from stored inputs: refuse, align, simulate, tabulate, check.

This is the single domain call of the ``backtest_results`` asset. Inputs are what the stores
hold: the commodity's market dates and closes, the model's forecast dates and prediction
matrices, and the verdicts of the forecasts' checks.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from trading_platform.domain.evidence import CheckOutcome
from trading_platform.domain.inventory.alignment import (
    AlignedInputs,
    align_forecasts,
    require_passed_checks,
)
from trading_platform.domain.inventory.backtest import (
    Backtest,
    BacktestFrames,
    BookSetup,
    backtest_frames,
    run_backtest,
)
from trading_platform.domain.inventory.backtest_checks import (
    every_strategy_has_finite_metrics,
    inventory_accounting_holds,
    kernel_matches_reference,
)
from trading_platform.domain.inventory.strategy_base import StrategySpec


@dataclass(frozen=True)
class ModelBacktest:
    """Everything one partition produces: inputs as aligned, results, tables, check verdicts,
    the one-row summary table and the timings (seconds) of each step."""

    aligned: AlignedInputs
    backtest: Backtest
    frames: BacktestFrames
    outcomes: list[CheckOutcome]
    summary: pl.DataFrame
    timings: dict[str, float]


def _summary_table(frames: BacktestFrames, aligned: AlignedInputs) -> pl.DataFrame:
    return pl.DataFrame([{
        **frames.summary, "accuracy": frames.accuracy,
        **{f"tier_{name}": frames.tiers.get(name, float("nan"))
           for name in ("high", "medium", "low")},
        "window_start": aligned.dates[0].astype(object), "window_end":
        aligned.dates[-1].astype(object), "n_days": int(aligned.dates.size),
        "missing_forecast_days": aligned.missing_days,
        "ignored_forecast_days": aligned.ignored_days,
    }])


def backtest_model(
    market_dates: np.ndarray, closes: np.ndarray, forecast_dates: np.ndarray,
    paths: np.ndarray, checks: dict[str, Any] | None, where: str, setup: BookSetup,
    strategies: Mapping[str, StrategySpec],
) -> ModelBacktest:
    """Refuse unusable forecasts, align them to market days, run every strategy and check it."""
    began = time.perf_counter()
    require_passed_checks(checks, where)
    aligned = align_forecasts(market_dates, closes, forecast_dates, paths)
    loaded = time.perf_counter()
    backtest = run_backtest(aligned.dates, aligned.price, aligned.paths, setup, strategies)
    simulated = time.perf_counter()
    frames = backtest_frames(backtest)
    tabulated = time.perf_counter()
    outcomes = [inventory_accounting_holds(backtest, market_dates, closes),
                every_strategy_has_finite_metrics(frames.metrics, strategies),
                kernel_matches_reference(backtest)]
    checked = time.perf_counter()
    return ModelBacktest(
        aligned=aligned, backtest=backtest, frames=frames, outcomes=outcomes,
        summary=_summary_table(frames, aligned),
        timings={"align_s": loaded - began, "simulate_s": simulated - loaded,
                 "tabulate_s": tabulated - simulated, "checks_s": checked - tabulated},
    )
