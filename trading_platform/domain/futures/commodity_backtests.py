"""Every futures signal strategy on one commodity: technical ones once, the forecast-driven one
on each model's stored prediction matrices, all on the same traded days.

Conventions:
- The traded window starts at the first day every usable model has a forecast (``window_start``)
  and ends with the series, so every (model, strategy) of a commodity is compared on identical
  dates; signals and risk estimates use the history before it as warm-up.
- A forecast made at the close of day t (paths for t+1..t+14) gives day t's direction; the
  engine fills it at the next close. A day without a forecast is flat.
- Technical strategies carry the model ``none``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from trading_platform.config.contracts import FuturesSpec
from trading_platform.config.futures_strategies import (
    DonchianBreakout,
    ForecastStrength,
    FuturesStrategies,
)
from trading_platform.domain.evidence import ERROR, CheckOutcome
from trading_platform.domain.futures.backtest import (
    Costs,
    FuturesBacktest,
    engine_inputs,
    risk_per_contract,
    run_directions,
)
from trading_platform.domain.futures.checks import futures_accounting_holds
from trading_platform.domain.futures.engine import (
    EngineConfig,
    run_positions,
    run_positions_reference,
)
from trading_platform.domain.futures.signals import path_return_stats, strategy_signal

NO_MODEL = "none"


@dataclass(frozen=True)
class ModelForecasts:
    """A model's forecast days and, per day, the paths' mean and spread of the 14-day log
    return (``path_return_stats``)."""

    dates: np.ndarray  # datetime64[D], sorted
    expected: np.ndarray
    spread: np.ndarray

    @classmethod
    def from_paths(cls, dates: np.ndarray, front_close: np.ndarray,
                   paths: np.ndarray) -> ModelForecasts:
        expected, spread = path_return_stats(front_close, paths)
        return cls(np.asarray(dates, dtype="datetime64[D]"), expected, spread)

    def on(self, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(expected, spread) on ``days``, NaN where the model made no forecast."""
        at = np.searchsorted(self.dates, days)
        found = (at < self.dates.size) & (self.dates[np.minimum(at, self.dates.size - 1)] == days)
        expected, spread = np.full(days.size, np.nan), np.full(days.size, np.nan)
        expected[found], spread[found] = self.expected[at[found]], self.spread[at[found]]
        return expected, spread


@dataclass(frozen=True)
class CommodityBacktests:
    """``metrics`` one row per (model, strategy); ``daily`` and ``trades`` their books;
    ``outcomes`` the guards' evidence."""

    metrics: pl.DataFrame
    daily: pl.DataFrame
    trades: pl.DataFrame
    outcomes: list[CheckOutcome]
    window: tuple[dt.date, dt.date]


def window_start(series_dates: np.ndarray, forecasts: dict[str, ModelForecasts]) -> int:
    """The first row of ``series_dates`` on or after every model's first forecast (0 without
    forecasts)."""
    if not forecasts:
        return 0
    first = max(f.dates[0] for f in forecasts.values())
    start = int(np.searchsorted(series_dates, first))
    if start >= series_dates.size - 1:
        raise ValueError(f"the forecasts start on {first}, at the end of the series: nothing "
                         "to trade")
    return start


def backtest_commodity(series: pl.DataFrame, contract: FuturesSpec,
                       strategies: FuturesStrategies, forecasts: dict[str, ModelForecasts],
                       config: EngineConfig, costs: Costs) -> CommodityBacktests:
    """Every strategy of ``strategies`` on ``series`` (technical once; forecast-driven on each
    model of ``forecasts``), traded from ``window_start``; the accounting guard on each run and
    the kernel against its twin on the first."""
    days = series["date"].to_numpy().astype("datetime64[D]")
    start = window_start(days, forecasts)
    adjusted = series["adjusted_close"].to_numpy()
    runs: dict[tuple[str, str], tuple[FuturesBacktest, np.ndarray, np.ndarray]] = {}
    for name, spec in strategies.strategies.items():
        models = forecasts if isinstance(spec, ForecastStrength) else {NO_MODEL: None}
        for model, forecast in models.items():
            expected, spread = forecast.on(days) if forecast else (None, None)
            direction, atr = strategy_signal(spec, adjusted, adjusted, adjusted, expected,
                                             spread)
            run_config = _with_stop(config, spec)
            runs[(model, name)] = (run_directions(series, direction, atr, contract, run_config,
                                                  costs, start), direction, atr)
    outcomes = [_accounting(runs, series.slice(start), contract, config.capital),
                _twin_sample(runs, series, start, contract, config, costs, strategies)]
    return CommodityBacktests(*_frames(runs, strategies, start), outcomes,
                              (series["date"][start], series["date"][-1]))


def _with_stop(config: EngineConfig, spec: object) -> EngineConfig:
    if isinstance(spec, DonchianBreakout):
        return replace(config, stop_atr=spec.stop_atr)
    return config


def _frames(runs: dict, strategies: FuturesStrategies,
            start: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    metrics, daily, trades = [], [], []
    for (model, name), (run, direction, atr) in runs.items():
        spec = strategies.strategies[name]
        keys = {"model": model, "strategy": name}
        metrics.append(keys | {"kind": spec.kind, "version": spec.version,
                               "spec_hash": spec.content_hash} | run.metrics)
        daily.append(run.frame.with_columns(
            pl.lit(model).alias("model"), pl.lit(name).alias("strategy"),
            pl.Series("direction", direction[start:]), pl.Series("atr", atr[start:])))
        trades.append(run.trades.with_columns(pl.lit(model).alias("model"),
                                              pl.lit(name).alias("strategy")))
    first = ["model", "strategy"]
    return (pl.DataFrame(metrics),
            pl.concat(daily).select(*first, pl.exclude(first)),
            pl.concat(trades).select(*first, pl.exclude(first)))


def _accounting(runs: dict, traded: pl.DataFrame, contract: FuturesSpec,
                capital: float) -> CheckOutcome:
    """``futures_accounting_holds`` on every run; the first failure is the evidence."""
    for (model, name), (run, _, _) in runs.items():
        outcome = futures_accounting_holds(run.frame, run.trades, traded, contract.point_value(),
                                           capital)
        if not outcome.passed:
            return CheckOutcome(outcome.name, False, ERROR, f"{model} x {name}: "
                                f"{outcome.description}", outcome.metadata)
    return CheckOutcome("futures_accounting_holds", True, ERROR,
                        f"all {len(runs)} runs equal their recompute from trades and raw closes",
                        {"observed": 0, "threshold": 0, "runs": len(runs)})


def _twin_sample(runs: dict, series: pl.DataFrame, start: int, contract: FuturesSpec,
                 config: EngineConfig, costs: Costs,
                 strategies: FuturesStrategies) -> CheckOutcome:
    """The kernel and its plain-Python twin on the first run's inputs: equal to the cent."""
    (model, name), (_, direction, atr) = next(iter(runs.items()))
    risk = risk_per_contract(series["adjusted_close"].to_numpy(), contract.point_value())
    inputs = engine_inputs(series.slice(start), direction[start:], risk[start:], atr[start:],
                           contract, costs)
    run_config = _with_stop(config, strategies.strategies[name])
    return engine_matches_twin(run_positions(inputs, run_config),
                               run_positions_reference(inputs, run_config), f"{model} x {name}")


def engine_matches_twin(kernel: object, twin: object, label: str) -> CheckOutcome:
    """Equity, positions, P&L, costs, pending orders and trades of the numba kernel equal its
    twin's (1e-6)."""
    gaps = {name: float(np.max(np.abs(getattr(kernel, name) - getattr(twin, name)), initial=0.0))
            if getattr(kernel, name).shape == getattr(twin, name).shape else float("inf")
            for name in ("equity", "positions", "pnl", "costs", "pending", "trades")}
    worst = max(gaps, key=lambda k: gaps[k])
    passed = gaps[worst] <= 1e-6
    return CheckOutcome(
        "engine_matches_twin", passed, ERROR,
        f"{label}: the numba kernel equals its plain-Python twin" if passed else
        f"{label}: kernel and twin differ in {worst} by {gaps[worst]:g}; the kernel is wrong "
        "until shown otherwise", {"observed": gaps[worst], "threshold": 1e-6, "gaps": gaps})
