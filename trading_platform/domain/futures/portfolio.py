"""Signals across commodities, sized by a portfolio optimiser, through one shared engine book.

Each commodity's continuous series is aligned on the union of their dates (NaN where it has no
bar). Weights come from ``optimisers.rebalance_weights`` every ``rebalance_every`` rows, from
the trailing ``window`` of returns, and are held until the next rebalance; a commodity's target
is its weight x its signal direction, which the engine turns into contracts by volatility
targeting. Returns for the covariance are daily changes of the back-adjusted close over the
previous raw close's absolute value (a contract's own scale; safe for a negative close),
NaN where either is missing or the close is 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from trading_platform.config.contracts import FuturesSpec
from trading_platform.domain.futures.backtest import DEFAULT_COSTS, Costs, risk_per_contract
from trading_platform.domain.futures.engine import (
    EngineConfig,
    EngineInputs,
    EngineResult,
    run_positions,
)
from trading_platform.domain.futures.optimisers import WeightBounds, rebalance_weights


@dataclass(frozen=True)
class PortfolioRun:
    """``dates`` and ``commodities`` label the engine ``result``; ``weights`` ``(n, m)`` are
    the optimiser's weights in force on each day (NaN before the first rebalance)."""

    dates: list
    commodities: list[str]
    weights: np.ndarray
    result: EngineResult

    def contribution(self) -> dict[str, float]:
        """Each commodity's P&L net of its costs over the whole run."""
        net = (self.result.pnl - self.result.costs).sum(axis=0)
        return dict(zip(self.commodities, net.tolist(), strict=True))

    def weights_frame(self) -> pl.DataFrame:
        return pl.DataFrame({"date": self.dates} | {
            c: self.weights[:, i] for i, c in enumerate(self.commodities)})


def aligned(series: dict[str, pl.DataFrame], column: str) -> tuple[list, np.ndarray]:
    """(the union of dates, ``column`` of every commodity on them as ``(n, m)``)."""
    dates = sorted(set().union(*(frame["date"].to_list() for frame in series.values())))
    index = {day: i for i, day in enumerate(dates)}
    out = np.full((len(dates), len(series)), np.nan)
    for j, frame in enumerate(series.values()):
        rows = [index[day] for day in frame["date"].to_list()]
        values = frame[column].cast(pl.Float64).fill_null(np.nan).to_numpy()
        out[rows, j] = values
    return dates, out


def scaled_returns(adjusted: np.ndarray, close: np.ndarray) -> np.ndarray:
    """Daily adjusted change over the previous raw close's absolute value (see module doc)."""
    out = np.full(adjusted.shape, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.abs(close[:-1])
        out[1:] = np.where(scale > 0, (adjusted[1:] - adjusted[:-1]) / scale, np.nan)
    return out


def optimiser_weights(series: dict[str, pl.DataFrame], optimiser: str, bounds: WeightBounds,
                      window: int = 120, rebalance_every: int = 21) -> np.ndarray:
    """``(n, m)`` weights on the aligned dates: chosen every ``rebalance_every`` rows from the
    trailing ``window`` rows of returns and held until the next rebalance (NaN before the
    first). They depend on prices only, so every signal set of a matrix row can share them."""
    dates, close = aligned(series, "close")
    _, adjusted = aligned(series, "adjusted_close")
    weights = np.full_like(close, np.nan)
    rows = np.arange(window - 1, len(dates), rebalance_every)
    if rows.size:
        chosen = rebalance_weights(scaled_returns(adjusted, close), rows, window, optimiser,
                                   bounds)
        for k, row in enumerate(rows):
            weights[row:] = chosen[k]
    return weights


@dataclass(frozen=True)
class AlignedBook:
    """The commodities' series on the union of their dates, ``(n, m)`` each (NaN without a
    bar), and each contract's risk estimate (``risk_per_contract``) on its own bars."""

    dates: list
    close: np.ndarray
    adjusted: np.ndarray
    roll: np.ndarray
    next_close: np.ndarray
    risk: np.ndarray


def align_book(series: dict[str, pl.DataFrame], specs: dict[str, FuturesSpec]) -> AlignedBook:
    """Align every commodity once; a matrix shares the result across its cells."""
    dates, close = aligned(series, "close")
    adjusted, roll, next_close = (aligned(series, c)[1] for c in ("adjusted_close", "roll",
                                                                  "next_close"))
    risk = np.full_like(close, np.nan)
    for j, name in enumerate(series):
        has_bar = np.isfinite(close[:, j])
        risk[has_bar, j] = risk_per_contract(adjusted[has_bar, j], specs[name].point_value())
    return AlignedBook(dates, close, adjusted, roll, next_close, risk)


def run_portfolio(series: dict[str, pl.DataFrame], directions: dict[str, np.ndarray],
                  specs: dict[str, FuturesSpec], weights: np.ndarray, config: EngineConfig,
                  costs: Costs = DEFAULT_COSTS,
                  atrs: dict[str, np.ndarray] | None = None, start: int = 0,
                  book: AlignedBook | None = None) -> PortfolioRun:
    """Run ``directions`` (each aligned with its commodity's series rows) on one book, sized
    by ``weights`` (``optimiser_weights``; close-only bars: orders fill at the next close).
    ``atrs`` (aligned the same way) set the engine's stops; without them nothing is stopped.
    The book trades from aligned row ``start``; risk estimates use the rows before it. ``book``
    is ``align_book(series, specs)`` when the caller has it already."""
    book = book or align_book(series, specs)
    inputs = portfolio_inputs(series, directions, specs, weights, costs, atrs, book)
    return PortfolioRun(book.dates[start:], list(series), weights[start:],
                        run_positions(inputs_from(inputs, start), config))


def inputs_from(inputs: EngineInputs, start: int) -> EngineInputs:
    """``inputs`` from day ``start`` on (the per-asset vectors unchanged)."""
    return EngineInputs(*(getattr(inputs, name)[start:] for name in _MATRIX_FIELDS),
                        *(getattr(inputs, name) for name in _VECTOR_FIELDS))


_MATRIX_FIELDS = ("close", "open_", "roll", "next_close", "target", "risk", "atr")
_VECTOR_FIELDS = ("point_value", "commission", "slippage", "margin")


def portfolio_inputs(series: dict[str, pl.DataFrame], directions: dict[str, np.ndarray],
                     specs: dict[str, FuturesSpec], weights: np.ndarray,
                     costs: Costs = DEFAULT_COSTS,
                     atrs: dict[str, np.ndarray] | None = None,
                     book: AlignedBook | None = None) -> EngineInputs:
    """The engine's inputs of a portfolio on the aligned dates (see ``run_portfolio``)."""
    book = book or align_book(series, specs)
    commodities = list(series)
    close = book.close
    if weights.shape != close.shape:
        raise ValueError(f"portfolio weights have shape {weights.shape}, the aligned series "
                         f"{close.shape}")
    signal = np.zeros_like(close)
    atr = np.full_like(close, np.nan)
    for j, name in enumerate(commodities):
        has_bar = np.isfinite(close[:, j])
        signal[has_bar, j] = directions[name]
        if atrs is not None:
            atr[has_bar, j] = atrs[name]
    return EngineInputs(
        close=close, open_=np.full_like(close, np.nan), roll=np.nan_to_num(book.roll),
        next_close=book.next_close, target=np.nan_to_num(weights) * signal, risk=book.risk,
        atr=atr, point_value=np.array([specs[c].point_value() for c in commodities]),
        commission=np.full(len(commodities), costs.commission),
        slippage=np.array([costs.slippage_ticks * specs[c].tick_value for c in commodities]),
        margin=np.array([specs[c].initial_margin for c in commodities]))
