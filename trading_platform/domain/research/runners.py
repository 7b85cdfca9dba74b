"""Equity paths for search trials: a user strategy replayed on one or more commodities.

A trial's book is the equal-weight average of its commodities' daily returns on the union of
their dates (a commodity without a bar that day contributes 0), compounded from the capital;
with one commodity it is that commodity's own equity path. Each commodity is replayed focused
on the candidate set of the trial's screen key, screened once per key and commodity and reused
by every trial that shares it (``domain.replay.specs``). ``stages`` builds the same book one
commodity at a time, yielding the equal-weight book of the commodities replayed so far (so a
search can prune a trial early); its last stage is ``equity``. ``confirm_with_full_replay`` runs the
full replay of one parameter set (the chosen trial's) and says whether it made the same trades.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import polars as pl

from trading_platform.config.contracts import FuturesSpec
from trading_platform.config.user_strategies import UserStrategySpec
from trading_platform.domain.evidence import CheckOutcome
from trading_platform.domain.futures.backtest import Costs
from trading_platform.domain.replay.focused import focused_replay, replay_parity, screen_series
from trading_platform.domain.replay.replay import full_replay
from trading_platform.domain.replay.specs import build_strategy, screen_key
from trading_platform.domain.research.trials import Stages, daily_returns


@dataclass
class UserStrategyBook:
    """One user strategy's search inputs: the spec, each commodity's series and contract."""

    name: str
    spec: UserStrategySpec
    series: dict[str, pl.DataFrame]
    contracts: dict[str, FuturesSpec]
    costs: Costs
    capital: float
    screens: dict[tuple[str, str], pl.DataFrame] = field(default_factory=dict)

    @cached_property
    def dates(self) -> list[dt.date]:
        """The union of the commodities' dates, in order: the trial's days."""
        return sorted({d for frame in self.series.values() for d in frame["date"].to_list()})

    @cached_property
    def _rows(self) -> dict[str, np.ndarray]:
        """Each commodity's bars as positions in ``dates`` (the same for every trial)."""
        position = {d: i for i, d in enumerate(self.dates)}
        return {c: np.array([position[d] for d in frame["date"].to_list()], dtype=np.int64)
                for c, frame in self.series.items()}

    def equity(self, params: dict[str, Any]) -> np.ndarray:
        """The trial's daily equity over ``dates`` (module doc), replayed focused."""
        return self._book(lambda commodity, _: self.commodity_equity(commodity, params))

    def equity_full(self, params: dict[str, Any]) -> np.ndarray:
        """The same book replayed on every bar: the ordinary backtester (``backtest``)."""
        strategy = build_strategy(self.name, self.spec, params)
        return self._book(lambda commodity, series: full_replay(
            strategy, series, self.contracts[commodity], self.costs, self.capital).equity)

    def stages(self, params: dict[str, Any]) -> Stages:
        """The book built one commodity at a time (module doc)."""
        done: dict[str, np.ndarray] = {}
        for commodity in self.series:
            done[commodity] = self.commodity_equity(commodity, params)
            yield self.combine(done), len(done) == len(self.series)

    def _book(self, replay: Callable[[str, pl.DataFrame], np.ndarray]) -> np.ndarray:
        return self.combine({c: replay(c, s) for c, s in self.series.items()})

    def combine(self, equities: dict[str, np.ndarray]) -> np.ndarray:
        """The equal-weight book of the given commodities' equity paths (every commodity's:
        the trial's book), added in commodity order (so a book assembled from worker processes
        equals the serial one bit for bit)."""
        total = np.zeros(len(self.dates))
        for commodity in self.series:
            if commodity in equities:
                total[self._rows[commodity]] += daily_returns(equities[commodity], self.capital)
        return self.capital * np.cumprod(1.0 + total / len(equities))

    def commodity_equity(self, commodity: str, params: dict[str, Any]) -> np.ndarray:
        """One commodity's focused replay of ``params`` (its screen cached like ``equity``)."""
        strategy = build_strategy(self.name, self.spec, params)
        key = screen_key(self.spec, strategy, params)
        series = self.series[commodity]
        candidates = self.screens.get((commodity, key))
        if candidates is None:
            candidates = screen_series(strategy, series)
            self.screens[(commodity, key)] = candidates
        return focused_replay(strategy, series, self.contracts[commodity], self.costs,
                              self.capital, candidates=candidates).replay.equity

    def confirm_with_full_replay(self, params: dict[str, Any]) -> list[CheckOutcome]:
        """Full replay == focused replay of ``params`` on every commodity."""
        strategy = build_strategy(self.name, self.spec, params)
        outcomes = []
        for commodity, series in self.series.items():
            contract = self.contracts[commodity]
            full = full_replay(strategy, series, contract, self.costs, self.capital)
            focused = focused_replay(strategy, series, contract, self.costs, self.capital)
            outcomes.append(replay_parity(full, focused.replay))
        return outcomes

