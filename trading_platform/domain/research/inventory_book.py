"""Equity paths for searches of an inventory (producer's) strategy: one strategy kind simulated
by the inventory engine on each commodity's aligned prices and out-of-sample forecasts.

Conventions (stated once): a commodity's daily return is the inventory book's own
(``domain.inventory.metrics``): the day's P&L (change of cash + stock at the close, less the
day's intake at the close) over a fixed notional (one season's intake at the window's first
close). A trial's book is the equal-weight average of its commodities' daily returns on the
union of their dates (a commodity without that day contributes 0), compounded from the capital,
so ``trials.daily_returns`` of the path gives those returns back and a window's Sharpe is the
inventory book's Sharpe of its days. The trial's parameters are applied to the base spec (the
configured or promoted version being tuned) and validated by its class: a value outside a
field's bounds fails the trial with the field named.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from trading_platform.config.user_strategies import PromotedStrategy
from trading_platform.domain.evidence import CheckOutcome
from trading_platform.domain.inventory.backtest import (
    BookSetup,
    backtest_notional,
    run_backtest,
    simulate_strategy,
)
from trading_platform.domain.inventory.backtest_checks import kernel_matches_reference
from trading_platform.domain.inventory.forecast_stats import ForecastStats
from trading_platform.domain.inventory.metrics import daily_pnl
from trading_platform.domain.inventory.seasons import HarvestSchedule, harvest_schedule
from trading_platform.domain.inventory.strategy_base import StrategySpec
from trading_platform.domain.research.trials import Stages

FIXED = ("kind", "version", "uses_forecast")
CODE_PREFIX = "inventory:"  # a promoted inventory version's code: inventory:<kind>


@dataclass(frozen=True)
class InventoryInputs:
    """One commodity's aligned days: dates (n,) datetime64[D], closes (n,), prediction
    matrices (n, p, 14) or None, and its book's setup."""

    dates: np.ndarray
    price: np.ndarray
    paths: np.ndarray | None
    setup: BookSetup

    @cached_property
    def stats(self) -> ForecastStats | None:
        return None if self.paths is None else ForecastStats.from_paths(self.paths, self.price)

    @cached_property
    def schedule(self) -> HarvestSchedule:
        harvest = self.setup.harvest
        return harvest_schedule(self.dates, harvest, harvest.max_holding_days,
                                self.setup.calendar)


def tunable_params(spec: StrategySpec) -> dict[str, Any]:
    """A spec's parameters a search may change (everything but its kind and version)."""
    return {k: v for k, v in spec.model_dump().items() if k not in FIXED}


def with_params(spec: StrategySpec, params: dict[str, Any], version: int | None = None
                ) -> StrategySpec:
    """``spec`` with ``params`` applied, validated by its class (ValueError naming the field);
    a parameter the class does not have is refused by name."""
    unknown = sorted(set(params) - set(tunable_params(spec)))
    if unknown:
        raise ValueError(f"{spec.kind} has no parameter {unknown} (it has "  # type: ignore[attr-defined]
                         f"{sorted(tunable_params(spec))})")
    body = spec.model_dump() | params | ({"version": version} if version else {})
    return type(spec).model_validate(body)


def version_spec(promoted: PromotedStrategy, defaults: dict[str, StrategySpec]) -> StrategySpec:
    """The inventory spec a promoted version runs: its kind's class with its parameters and
    version (ValueError when it is not an inventory version)."""
    kind = promoted.code.removeprefix(CODE_PREFIX)
    if not promoted.code.startswith(CODE_PREFIX) or kind not in defaults:
        raise ValueError(f"{promoted.name} v{promoted.version} (code {promoted.code}) is not "
                         f"an inventory strategy version ({', '.join(defaults)})")
    return with_params(defaults[kind], promoted.params, promoted.version)


def traded_strategies(defaults: dict[str, StrategySpec], promoted: list[PromotedStrategy]
                      ) -> dict[str, StrategySpec]:
    """The inventory strategies the research chain backtests and the desk trades: each kind's
    configured version, replaced by the highest version promoted under the kind's own name
    (``experiments promote ... --output-name <kind>``). A version promoted under another name
    is a challenger on file and trades nowhere until it is promoted under the kind's name."""
    traded = dict(defaults)
    for version in sorted(promoted, key=lambda p: p.version):
        if version.code == f"{CODE_PREFIX}{version.name}" and version.name in defaults:
            traded[version.name] = version_spec(version, defaults)
    return traded


@dataclass
class InventoryStrategyBook:
    """One inventory strategy's search inputs: the base spec and each commodity's days."""

    name: str
    spec: StrategySpec
    inputs: dict[str, InventoryInputs]
    capital: float = 1_000_000.0

    @cached_property
    def dates(self) -> list[dt.date]:
        """The union of the commodities' days, in order: the trial's days."""
        days = np.unique(np.concatenate([i.dates for i in self.inputs.values()]))
        return [d.astype(object) for d in days]

    @cached_property
    def _rows(self) -> dict[str, np.ndarray]:
        index = np.array(self.dates, dtype="datetime64[D]")
        return {c: np.searchsorted(index, i.dates) for c, i in self.inputs.items()}

    def commodity_returns(self, commodity: str, params: dict[str, Any]) -> np.ndarray:
        """One commodity's daily returns under ``params`` (module doc)."""
        data = self.inputs[commodity]
        _, result = simulate_strategy(data.dates, data.price, data.stats, data.setup,
                                      with_params(self.spec, params), data.schedule)
        pnl = daily_pnl(result.column("value"), result.column("intake"), data.price)
        return pnl / backtest_notional(data.setup, data.price)

    def equity(self, params: dict[str, Any]) -> np.ndarray:
        """The trial's book in one go (``stages`` builds the same one step by step)."""
        return self.combine({c: self.commodity_returns(c, params) for c in self.inputs})

    def stages(self, params: dict[str, Any]) -> Stages:
        """The book built one commodity at a time (a partial book after each)."""
        done: dict[str, np.ndarray] = {}
        for commodity in self.inputs:
            done[commodity] = self.commodity_returns(commodity, params)
            yield self.combine(done), len(done) == len(self.inputs)

    def combine(self, returns: dict[str, np.ndarray]) -> np.ndarray:
        total = np.zeros(len(self.dates))
        for commodity in self.inputs:
            if commodity in returns:
                total[self._rows[commodity]] += returns[commodity]
        return self.capital * np.cumprod(1.0 + total / len(returns))

    def equity_backtest(self, params: dict[str, Any]) -> np.ndarray:
        """The same book from ``run_backtest``, the backtester ``backtest_results`` runs."""
        spec = with_params(self.spec, params)
        returns = {}
        for commodity, data in self.inputs.items():
            run = run_backtest(data.dates, data.price, data.paths, data.setup,
                               {"spec": spec}).results["spec"]
            returns[commodity] = daily_pnl(run.column("value"), run.column("intake"),
                                           data.price) / backtest_notional(data.setup,
                                                                           data.price)
        return self.combine(returns)

    def confirm_with_reference(self, params: dict[str, Any]) -> list[CheckOutcome]:
        """The engine's kernel == its plain-Python reference for ``params`` on every commodity
        (the backtester's own parity check, on sampled windows)."""
        spec = with_params(self.spec, params)
        outcomes = []
        for commodity, data in self.inputs.items():
            backtest = run_backtest(data.dates, data.price, data.paths, data.setup,
                                    {spec.kind: spec})  # type: ignore[attr-defined]
            outcome = kernel_matches_reference(backtest)
            outcomes.append(CheckOutcome(outcome.name, outcome.passed, outcome.severity,
                                         f"{commodity}: {outcome.description}",
                                         outcome.metadata))
        return outcomes
