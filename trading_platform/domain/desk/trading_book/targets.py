"""The trading-book champion's target on one day: the research backtest's own path, run on the
data known that day, and its wanted contracts after that day's close as weights.

The path is the portfolio matrix's for one cell (``futures.matrix.run_matrix``): each
commodity's direction from ``signals.strategy_signal`` on its back-adjusted close (a
forecast-driven strategy reads that model's forecasts, NaN on a day without one), the
optimiser's weights (``portfolio.optimiser_weights``), and the position engine from the
matrix's first research day (``matrix_start``) to the last aligned day with the book's engine
settings and costs. The engine's target (held + pending after the last close) becomes weights
of the engine's own equity (``engine_weights``); a commodity without a bar on the last
day has no target (NaN): the desk holds it as a data gap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from trading_platform.config.contracts import FuturesSpec
from trading_platform.config.futures_book import FuturesBookConfig
from trading_platform.domain.futures.backtest import Costs
from trading_platform.domain.futures.commodity_backtests import ModelForecasts
from trading_platform.domain.futures.engine import (
    EngineConfig,
    EngineInputs,
    run_positions,
    run_positions_reference,
)
from trading_platform.domain.futures.matrix import matrix_start
from trading_platform.domain.futures.optimisers import WeightBounds
from trading_platform.domain.futures.portfolio import (
    PortfolioRun,
    align_book,
    inputs_from,
    optimiser_weights,
    portfolio_inputs,
)
from trading_platform.domain.futures.signals import strategy_signal


@dataclass(frozen=True)
class ChampionTarget:
    """The ``day`` the run ends on, the engine's ``contracts`` wanted after its close,
    the day's ``price`` per commodity (the contract held after a roll), the engine's
    ``equity`` that day, the ``weights`` (NaN without a bar that day), the ``run`` and the
    engine's ``inputs`` and ``config`` behind it."""

    day: dt.date
    contracts: np.ndarray
    price: np.ndarray
    equity: float
    weights: np.ndarray
    run: PortfolioRun
    inputs: EngineInputs
    config: EngineConfig

    def twin_gap(self) -> float:
        """The largest difference between the run and the engine's plain twin on the same
        inputs (equity, positions, pending orders)."""
        twin = run_positions_reference(self.inputs, self.config)
        result = self.run.result
        return max(float(np.max(np.abs(getattr(result, name) - getattr(twin, name)),
                                initial=0.0)) for name in ("equity", "positions", "pending"))


def engine_weights(contracts: np.ndarray, price: np.ndarray, point_value: np.ndarray,
                   equity: float) -> np.ndarray:
    """The backtest's wanted contracts as signed weights of its own equity: the desk trades
    the same exposure on its own capital."""
    return np.asarray(contracts, dtype=np.float64) * price * point_value / equity


def champion_target(series: dict[str, pl.DataFrame], specs: dict[str, FuturesSpec],
                    strategy: object, forecasts: dict[str, ModelForecasts] | None,
                    optimiser: str, book: FuturesBookConfig,
                    firsts: list[dt.date]) -> ChampionTarget:
    """Run the cell on ``series`` (each commodity's continuous series as known on its last
    day; ``forecasts`` per commodity for a forecast-driven strategy) from the latest of
    ``firsts``; ValueError when nothing can be traded."""
    aligned = align_book(series, specs)
    start = matrix_start(aligned.dates, firsts)
    if start >= len(aligned.dates):
        raise ValueError(f"the research windows start on {max(firsts)}, after the series' "
                         f"last day {aligned.dates[-1]}")
    directions, atrs = {}, {}
    for name, frame in series.items():
        adjusted = frame["adjusted_close"].to_numpy()
        expected, spread = (None, None)
        if forecasts is not None:
            expected, spread = forecasts[name].on(frame["date"].to_numpy().astype(
                "datetime64[D]"))
        directions[name], atrs[name] = strategy_signal(strategy, adjusted, adjusted, adjusted,
                                                       expected, spread)
    settings = book.portfolio
    weights = optimiser_weights(series, optimiser,
                                WeightBounds(settings.lower_bound, settings.upper_bound),
                                settings.window, settings.rebalance_every)
    config = EngineConfig(**book.engine.model_dump())
    inputs = inputs_from(portfolio_inputs(series, directions, specs, weights,
                                          Costs(**book.costs.model_dump()), atrs, aligned), start)
    run = PortfolioRun(aligned.dates[start:], list(series), weights[start:],
                       run_positions(inputs, config))
    last = len(aligned.dates) - 1
    price = np.where(aligned.roll[last] == 1.0, aligned.next_close[last], aligned.close[last])
    point_value = np.array([specs[c].point_value() for c in series])
    contracts = run.result.target
    equity = float(run.result.equity[-1])
    weights_now = np.where(np.isfinite(aligned.close[last]),
                           engine_weights(contracts, price, point_value, equity), np.nan)
    return ChampionTarget(aligned.dates[last], contracts, price, equity, weights_now, run,
                          inputs, config)
