"""The model x optimiser matrix: every signal set across commodities, sized by every optimiser,
on one book per cell, with the guards each cell must pass.

A **signal set** is one strategy's daily directions on every commodity: the forecast-driven
strategy on one model's forecasts (``forecast_z|xgboost``) or a technical strategy
(``ma_cross_50_200|none``). Every cell trades the same dates: from the first day on which every
commodity's research window has begun (``matrix_start``) to the end of the series. Weights depend
on prices only, so each optimiser's weights are computed once and shared by its row of cells.

Metrics per cell (``equity_metrics`` conventions: simple daily returns of equity, 252 days a
year, no risk-free rate) plus turnover in contracts a year, hit rate and average net P&L of the
round trips of every commodity (``backtest.round_trips``), exposure (the mean share of
commodities held), costs and roll costs; by regime: the book's daily returns split by the
point-in-time regime (``domain.selection.regimes``) of an equal-weight index of the commodities'
scaled returns.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass

import numpy as np
import polars as pl

from trading_platform.config.contracts import FuturesSpec
from trading_platform.config.futures_book import FuturesBookConfig
from trading_platform.domain.evidence import ERROR, WARN, CheckOutcome
from trading_platform.domain.futures.backtest import (
    TRADING_DAYS,
    Costs,
    equity_metrics,
    round_trips,
)
from trading_platform.domain.futures.checks import futures_accounting_holds
from trading_platform.domain.futures.commodity_backtests import engine_matches_twin
from trading_platform.domain.futures.engine import EngineConfig, run_positions_reference
from trading_platform.domain.futures.engine_kernels import REASONS
from trading_platform.domain.futures.optimisers import WeightBounds
from trading_platform.domain.futures.portfolio import (
    AlignedBook,
    PortfolioRun,
    align_book,
    aligned,
    inputs_from,
    optimiser_weights,
    portfolio_inputs,
    run_portfolio,
    scaled_returns,
)
from trading_platform.domain.selection.regimes import REGIMES, regime_labels

Signals = dict[str, tuple[np.ndarray, np.ndarray]]  # commodity -> (direction, atr) on its rows


@dataclass(frozen=True)
class Matrix:
    """``metrics`` one row per (signal_set, optimiser); ``equity`` and ``contribution`` per
    cell; ``weights`` per optimiser and day; ``regimes`` per cell and regime; the guards'
    ``outcomes``; ``runs`` the engine results by cell."""

    metrics: pl.DataFrame
    equity: pl.DataFrame
    weights: pl.DataFrame
    contribution: pl.DataFrame
    regimes: pl.DataFrame
    outcomes: list[CheckOutcome]
    runs: dict[tuple[str, str], PortfolioRun]


def signal_sets(series: dict[str, pl.DataFrame], daily: pl.DataFrame
                ) -> tuple[dict[str, Signals], dict[str, dt.date], list[str]]:
    """(the signal sets on every commodity's series rows, each commodity's first research day,
    the sets missing a commodity, which are left out). ``daily`` holds ``commodity``, ``model``,
    ``strategy``, ``date``, ``direction`` and ``atr`` (the futures backtests' books); a set is
    named ``<strategy>|<model>``; days before a commodity's research window are flat."""
    sets: dict[str, Signals] = {}
    for (commodity, model, strategy), rows in daily.group_by(["commodity", "model",
                                                              "strategy"]):
        if commodity not in series:
            continue
        full = series[commodity].select("date").join(
            rows.select("date", "direction", "atr"), on="date", how="left")
        sets.setdefault(f"{strategy}|{model}", {})[commodity] = (
            full["direction"].fill_null(0.0).to_numpy(), full["atr"].fill_null(np.nan).to_numpy())
    complete = {name: {c: signals[c] for c in series} for name, signals in sorted(sets.items())
                if set(signals) == set(series)}
    firsts = {c: rows["date"].min() for (c,), rows in daily.group_by(["commodity"])
              if c in series}
    return complete, firsts, sorted(set(sets) - set(complete))


def matrix_start(dates: list[dt.date], firsts: list[dt.date]) -> int:
    """The aligned row of the latest of the commodities' first research days."""
    latest = max(firsts)
    return next((i for i, day in enumerate(dates) if day >= latest), len(dates))


def run_matrix(series: dict[str, pl.DataFrame], signal_sets: dict[str, Signals],
               specs: dict[str, FuturesSpec], firsts: dict[str, dt.date],
               book: FuturesBookConfig) -> Matrix:
    """Every (signal set, optimiser) cell of the matrix, traded from ``matrix_start``."""
    settings = book.portfolio
    config = EngineConfig(**book.engine.model_dump())
    costs = Costs(**book.costs.model_dump())
    bounds = WeightBounds(settings.lower_bound, settings.upper_bound)
    book_arrays = align_book(series, specs)
    dates = book_arrays.dates
    start = matrix_start(dates, list(firsts.values()))
    if start >= len(dates) - 1:
        raise ValueError(f"the matrix has nothing to trade: the research windows start on "
                         f"{max(firsts.values())}, the series end on {dates[-1]}")
    labels = _book_regimes(book_arrays)[start:]
    weights = {name: optimiser_weights(series, name, bounds, settings.window,
                                       settings.rebalance_every) for name in settings.optimisers}
    runs = {(set_name, name): run_portfolio(
        series, {c: d for c, (d, _) in signals.items()}, specs, weights[name], config, costs,
        {c: a for c, (_, a) in signals.items()}, start, book_arrays)
        for set_name, signals in signal_sets.items() for name in settings.optimisers}
    outcomes = [_twin_sample(runs, series, signal_sets, specs, weights, config, costs, start,
                             book_arrays),
                matrix_accounting_holds(runs, series, specs, config.capital),
                weights_within_bounds(weights, bounds),
                no_activity_without_data(runs, series, start)]
    return Matrix(_metrics(runs, config.capital), _equity(runs, config.capital),
                  _weights(weights, dates, list(series), start), _contribution(runs),
                  _regime_table(runs, labels, config.capital), outcomes, runs)


def _metrics(runs: dict[tuple[str, str], PortfolioRun], capital: float) -> pl.DataFrame:
    rows = []
    for (set_name, optimiser), run in runs.items():
        result = run.result
        years = max(result.equity.size, 1) / TRADING_DAYS
        trades = result.trades
        roll = np.isin(trades[:, 6], [REASONS.index("roll_out"), REASONS.index("roll_in")])
        trips = np.concatenate([round_trips(pl.DataFrame({
            "position": result.positions[:, j], "pnl": result.pnl[:, j],
            "costs": result.costs[:, j]})) for j in range(result.positions.shape[1])])
        rows.append({"signal_set": set_name, "optimiser": optimiser}
                    | equity_metrics(result.equity, capital)
                    | {"turnover": float(np.abs(trades[:, 2]).sum()) / years,
                       "hit_rate": float(np.mean(trips > 0)) if trips.size else math.nan,
                       "average_trade": float(np.mean(trips)) if trips.size else math.nan,
                       "round_trips": float(trips.size),
                       "exposure": float(np.mean(result.positions != 0)),
                       "costs": float(result.costs.sum()),
                       "roll_costs": float((trades[roll, 4] + trades[roll, 5]).sum()),
                       "final_equity": float(result.equity[-1])})
    return pl.DataFrame(rows)


def _equity(runs: dict[tuple[str, str], PortfolioRun], capital: float) -> pl.DataFrame:
    frames = []
    for (set_name, optimiser), run in runs.items():
        equity = run.result.equity
        peak = np.maximum.accumulate(np.concatenate([[capital], equity]))[1:]
        frames.append(pl.DataFrame({"date": run.dates, "equity": equity,
                                    "drawdown": equity / peak - 1.0}).with_columns(
            pl.lit(set_name).alias("signal_set"), pl.lit(optimiser).alias("optimiser")))
    return pl.concat(frames).select("signal_set", "optimiser", "date", "equity", "drawdown")


def _weights(weights: dict[str, np.ndarray], dates: list, commodities: list[str],
             start: int) -> pl.DataFrame:
    return pl.concat([pl.DataFrame({"date": dates[start:], "weight": chosen[start:, j]})
                      .with_columns(pl.lit(name).alias("optimiser"),
                                    pl.lit(commodity).alias("commodity"))
                      for name, chosen in weights.items()
                      for j, commodity in enumerate(commodities)]).select(
        "optimiser", "commodity", "date", "weight")


def _contribution(runs: dict[tuple[str, str], PortfolioRun]) -> pl.DataFrame:
    return pl.DataFrame([{"signal_set": s, "optimiser": o, "commodity": c, "net_pnl": value}
                         for (s, o), run in runs.items()
                         for c, value in run.contribution().items()])


def _book_regimes(book: AlignedBook) -> np.ndarray:
    """Regime labels of an equal-weight index of the commodities' scaled daily returns."""
    returns = scaled_returns(book.adjusted, book.close)
    with warnings.catch_warnings():  # a day where no commodity has a return is 0 in the index
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(returns, axis=1)
    index = 100.0 * np.exp(np.cumsum(np.nan_to_num(mean)))
    return regime_labels(index)


def _regime_table(runs: dict[tuple[str, str], PortfolioRun], labels: np.ndarray,
                  capital: float) -> pl.DataFrame:
    rows = []
    for (set_name, optimiser), run in runs.items():
        path = np.concatenate([[capital], run.result.equity])
        returns = path[1:] / path[:-1] - 1.0
        for k, regime in enumerate(REGIMES):
            inside = returns[labels == k]
            vol = float(np.std(inside, ddof=1)) if inside.size > 1 else math.nan
            rows.append({"signal_set": set_name, "optimiser": optimiser, "regime": regime,
                         "days": inside.size,
                         "annual_return": float(inside.mean()) * TRADING_DAYS
                         if inside.size else math.nan,
                         "sharpe": float(inside.mean()) / vol * math.sqrt(TRADING_DAYS)
                         if vol and vol > 0 else math.nan})
    return pl.DataFrame(rows)


def _twin_sample(runs: dict[tuple[str, str], PortfolioRun], series: dict[str, pl.DataFrame],
                 signal_sets: dict[str, Signals], specs: dict[str, FuturesSpec],
                 weights: dict[str, np.ndarray], config: EngineConfig, costs: Costs, start: int,
                 book: AlignedBook) -> CheckOutcome:
    """The first cell's kernel result against its inputs run through the plain-Python twin."""
    set_name, signals = next(iter(signal_sets.items()))
    optimiser = next(iter(weights))
    inputs = portfolio_inputs(series, {c: d for c, (d, _) in signals.items()}, specs,
                              weights[optimiser], costs,
                              {c: a for c, (_, a) in signals.items()}, book)
    return engine_matches_twin(runs[(set_name, optimiser)].result,
                               run_positions_reference(inputs_from(inputs, start), config),
                               f"{set_name} x {optimiser}")


def matrix_accounting_holds(runs: dict[tuple[str, str], PortfolioRun],
                            series: dict[str, pl.DataFrame], specs: dict[str, FuturesSpec],
                            capital: float) -> CheckOutcome:
    """Each cell's every commodity recomputed from its trades and raw closes
    (``futures_accounting_holds`` on that commodity's share of the book), and the book's equity
    equal to capital plus every commodity's cumulative net P&L."""
    checked = 0
    for (set_name, optimiser), run in runs.items():
        for j, commodity in enumerate(run.commodities):
            rows, frame, trades = _commodity_share(run, j, series[commodity], capital)
            outcome = futures_accounting_holds(frame, trades, rows, specs[commodity]
                                               .point_value(), capital)
            checked += 1
            if not outcome.passed:
                return CheckOutcome(outcome.name, False, ERROR, f"{set_name} x {optimiser}, "
                                    f"{commodity}: {outcome.description}", outcome.metadata)
        book = capital + np.cumsum((run.result.pnl - run.result.costs).sum(axis=1))
        gap = float(np.max(np.abs(book - run.result.equity), initial=0.0))
        if gap > 1e-6 * capital:
            return CheckOutcome("futures_accounting_holds", False, ERROR,
                                f"{set_name} x {optimiser}: equity differs from capital plus "
                                f"the commodities' net P&L by {gap:,.2f}",
                                {"observed": gap, "threshold": 1e-6 * capital})
    return CheckOutcome("futures_accounting_holds", True, ERROR,
                        f"{checked} commodity books in {len(runs)} cells equal their recompute "
                        "from trades and raw closes, and every cell's equity their sum",
                        {"observed": 0, "threshold": 0, "commodity_books": checked})


def _commodity_share(run: PortfolioRun, j: int, rows: pl.DataFrame,
                     capital: float) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(the commodity's series rows in the run, its book as if alone, its trades)."""
    result = run.result
    day_of = {day: i for i, day in enumerate(run.dates)}
    rows = rows.filter(pl.col("date").is_in(run.dates))
    at = [day_of[day] for day in rows["date"].to_list()]
    net = np.cumsum(result.pnl[:, j] - result.costs[:, j])
    frame = pl.DataFrame({"position": result.positions[at, j], "equity": capital + net[at]})
    mine = result.trades[result.trades[:, 1] == j]
    trades = pl.DataFrame({
        "date": [run.dates[int(d)] for d in mine[:, 0]], "contracts": mine[:, 2],
        "price": mine[:, 3], "commission": mine[:, 4], "slippage": mine[:, 5],
        "reason": [REASONS[int(r)] for r in mine[:, 6]]},
        schema={"date": pl.Date, "contracts": pl.Float64, "price": pl.Float64,
                "commission": pl.Float64, "slippage": pl.Float64, "reason": pl.String})
    return rows, frame, trades


def research_windows_agree(ends: dict[str, dt.date]) -> CheckOutcome:
    """Every commodity's futures backtests end on the same day (a commodity whose rebuild failed
    keeps its older rows, which end earlier: the matrix would mix research cuts)."""
    latest = max(ends.values()) if ends else None
    behind = {c: str(end) for c, end in sorted(ends.items()) if end != latest}
    return CheckOutcome(
        "commodities_share_research_window", not behind, WARN,
        f"every commodity's backtests end on {latest}" if not behind else
        f"{len(behind)} commodities end before {latest} ({behind}): rebuild their "
        "futures_backtests (a failed rebuild leaves the previous rows) before trusting the matrix",
        {"observed": len(behind), "threshold": 0, "behind": behind, "latest": str(latest)})


def weights_within_bounds(weights: dict[str, np.ndarray], bounds: WeightBounds) -> CheckOutcome:
    """Every optimiser's weights on every day sum to 1 and stay within the bounds (1e-9)."""
    problems = []
    for name, chosen in weights.items():
        set_rows = chosen[np.all(np.isfinite(chosen), axis=1)]
        if set_rows.size == 0:
            continue
        sums = set_rows.sum(axis=1)
        low, high = float(set_rows.min()), float(set_rows.max())
        if np.any(np.abs(sums - 1.0) > 1e-9) or low < bounds.lower - 1e-9 \
                or high > bounds.upper + 1e-9:
            problems.append({"optimiser": name, "min": low, "max": high,
                             "worst_sum": float(sums[np.argmax(np.abs(sums - 1))])})
    return CheckOutcome(
        "weights_within_bounds", not problems, ERROR,
        f"every optimiser's weights sum to 1 within [{bounds.lower}, {bounds.upper}]"
        if not problems else f"weights outside the bounds or not summing to 1: {problems}",
        {"observed": len(problems), "threshold": 0, "problems": problems})


def no_activity_without_data(runs: dict[tuple[str, str], PortfolioRun],
                             series: dict[str, pl.DataFrame], start: int) -> CheckOutcome:
    """On a day a commodity has no bar: no trade, no P&L, no cost and no change of position."""
    _, close = aligned(series, "close")
    missing = ~np.isfinite(close[start:])
    problems = []
    for (set_name, optimiser), run in runs.items():
        result = run.result
        changed = np.vstack([np.zeros((1, missing.shape[1]), dtype=bool),
                             np.diff(result.positions, axis=0) != 0])
        active = missing & ((result.pnl != 0) | (result.costs != 0) | changed)
        on_gap = missing[result.trades[:, 0].astype(np.int64),
                         result.trades[:, 1].astype(np.int64)]
        traded = [(int(d), int(a)) for d, a in result.trades[on_gap, :2]]
        if active.any() or traded:
            day, asset = np.argwhere(active)[0] if active.any() else traded[0]
            problems.append({"cell": f"{set_name} x {optimiser}", "day": str(run.dates[day]),
                             "commodity": run.commodities[asset]})
    return CheckOutcome(
        "no_position_change_without_data", not problems, ERROR,
        f"no cell trades, marks or charges a commodity on its {int(missing.sum())} "
        "commodity-days without a bar" if not problems else
        f"{len(problems)} cells act on a day without data, first {problems[0]}",
        {"observed": len(problems), "threshold": 0, "problems": problems[:5]})
