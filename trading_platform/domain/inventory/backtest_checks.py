"""The three blocking checks of a backtest, each returning its evidence.

- ``inventory_accounting_holds``: per strategy, recomputed **independently** of the kernel's
  own sums, from the trade list (date, quantity, price), the day's intake and the market
  closes looked up by date: every sale was priced at the close of its date; stock = previous
  stock + intake - that day's sales, never negative; cash = previous cash + sales x close x
  (1 - transaction rate) - storage rate x stock x max(close, 0); value = cash + stock x close
  of that date. The book's stored stock, cash and value must match day by day. Every
  strategy sale must also follow a decision the fill lag before it: on the close
  ``fill_lag`` trading days earlier the strategy's plan asked to sell (share > 0), so a sale
  filled at the close it was decided on, when the rule says next session, fails. A backtest
  whose prices are shifted against their dates fails it (tests plant both). Tolerance: 1e-9
  relative to the volumes and money involved.
- ``every_strategy_has_finite_metrics``: every expected strategy has a row whose headline
  metrics are finite. Price capture and average prices are NaN by definition when a strategy
  sold nothing in the window, so they are not required to be finite; Calmar is +inf by
  definition for a book that gained without a drawdown, so it only has to be a number.
- ``kernel_matches_reference``: on a sample of windows, the plain-Python reference engine
  started from the kernel's state the evening before reproduces the kernel's days and sales.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import polars as pl

from trading_platform.domain.evidence import ERROR, CheckOutcome
from trading_platform.domain.inventory.backtest import Backtest
from trading_platform.domain.inventory.book import NEVER_SOLD, BookState
from trading_platform.domain.inventory.engine_kernels import DAILY_COLUMNS, REASON_STRATEGY
from trading_platform.domain.inventory.reference import run_book_reference

REQUIRED_FINITE = ("net_earnings", "gross_proceeds", "transaction_costs", "storage_costs",
                   "n_sales", "forced_volume", "sharpe", "sortino", "max_drawdown", "calmar",
                   "turnover")
MAY_BE_INFINITE = ("calmar",)  # +inf without a drawdown (metrics.calmar_ratio)
RELATIVE_TOLERANCE = 1e-9
PARITY_WINDOWS = 3
PARITY_DAYS = 40


def _recompute_errors(backtest: Backtest, key: str, close: np.ndarray) -> dict[str, float]:
    """Relative errors of the stored book against the independent recompute (module rules);
    ``close`` is the market close of each backtest date, looked up by date."""
    result, setup = backtest.results[key], backtest.setup
    col = result.column
    intake = col("intake")
    day, quantity, price = (result.sales[:, 0].astype(np.int64), result.sales[:, 1],
                            result.sales[:, 2])
    own = result.sales[:, 3] == REASON_STRATEGY
    decided = day[own] - setup.fill_lag
    asked = np.asarray(backtest.plans[key].share)[np.maximum(decided, 0)] > 0.0
    undecided = int(((decided < 0) | ~asked).sum())
    sold = np.bincount(day, weights=quantity, minlength=close.size)[:close.size]
    stock = np.cumsum(intake - sold)
    proceeds = sold * close
    storage = setup.storage_rate * stock * np.maximum(close, 0.0)
    cash = np.cumsum(proceeds - setup.tx_rate * np.abs(proceeds) - storage)
    value = cash + stock * close
    volume_scale = max(float(intake.sum()), 1.0)
    money_scale = max(float(np.abs(proceeds).sum()), float(np.abs(value).max(initial=0.0)), 1.0)
    return {
        "sale_price_vs_close": float(np.abs(price - close[day]).max(initial=0.0))
        / max(float(np.abs(close).max(initial=0.0)), 1.0),
        "stock": float(np.abs(col("inventory") - stock).max(initial=0.0)) / volume_scale,
        "negative_stock": max(-float(stock.min(initial=0.0)), 0.0) / volume_scale,
        "sale_without_decision_before": float(undecided),
        "cash": float(np.abs(col("cash") - cash).max(initial=0.0)) / money_scale,
        "value": float(np.abs(col("value") - value).max(initial=0.0)) / money_scale,
    }


def closes_on(dates: np.ndarray, market_dates: np.ndarray, closes: np.ndarray) -> np.ndarray:
    """The market close of each of ``dates``, looked up by date (NaN where none is stored)."""
    market_dates = np.asarray(market_dates, dtype="datetime64[D]")
    dates = np.asarray(dates, dtype="datetime64[D]")
    at = np.clip(np.searchsorted(market_dates, dates), 0, max(market_dates.size - 1, 0))
    found = market_dates.size > 0 and market_dates[at] == dates
    return np.where(found, np.asarray(closes, dtype=np.float64)[at], np.nan)


def inventory_accounting_holds(backtest: Backtest, market_dates: np.ndarray,
                               closes: np.ndarray) -> CheckOutcome:
    """The independent recompute of the module rules over every strategy; ``market_dates``
    and ``closes`` are the market data as stored (sorted by date), not the backtest's prices."""
    close = closes_on(backtest.dates, market_dates, closes)
    errors = {key: _recompute_errors(backtest, key, close) for key in backtest.results}
    broken = {key: {rule: err for rule, err in found.items() if not err <= RELATIVE_TOLERANCE}
              for key, found in errors.items()}
    broken = {key: rules for key, rules in broken.items() if rules}
    worst = max((err for found in errors.values() for err in found.values()), default=0.0)
    return CheckOutcome(
        name="inventory_accounting_holds", passed=not broken, severity=ERROR,
        description=("recomputed from the trade list and market closes by date: sale prices, "
                     f"stock, cash and value hold for all {len(errors)} strategies"
                     if not broken else
                     f"accounting broken for {sorted(broken)} (rules: "
                     f"{sorted({r for rules in broken.values() for r in rules})}): the book "
                     "does not follow from its trades and the market closes of their dates"),
        metadata={"max_relative_error": worst, "tolerance": RELATIVE_TOLERANCE,
                  "broken": {k: {r: float(e) for r, e in v.items()} for k, v in broken.items()}},
    )


def every_strategy_has_finite_metrics(
    metrics: pl.DataFrame, expected: Iterable[str]
) -> CheckOutcome:
    expected = list(expected)
    present = set(metrics["strategy"].to_list()) if metrics.height else set()
    missing = [key for key in expected if key not in present]
    not_finite = {
        row["strategy"]: [c for c in REQUIRED_FINITE if not np.isfinite(row[c])
                          and not (c in MAY_BE_INFINITE and row[c] == np.inf)]
        for row in metrics.iter_rows(named=True)
    }
    not_finite = {key: cols for key, cols in not_finite.items() if cols}
    passed = not missing and not not_finite
    return CheckOutcome(
        name="every_strategy_has_finite_metrics", passed=passed, severity=ERROR,
        description=(f"all {len(expected)} strategies present with finite metrics" if passed
                     else f"missing {missing}; non-finite {not_finite}"),
        metadata={"expected": expected, "missing": missing, "not_finite": not_finite},
    )


def parity_windows(n: int, windows: int = PARITY_WINDOWS, length: int = PARITY_DAYS
                   ) -> list[tuple[int, int]]:
    """Evenly spread ``[start, stop)`` windows, the first at day 0 (the book's warm-up)."""
    length = min(length, n)
    starts = np.unique(np.linspace(0, n - length, max(windows, 1)).round().astype(int))
    return [(int(s), int(s) + length) for s in starts]


def _state_before(backtest: Backtest, key: str, start: int) -> tuple[BookState, float]:
    """The kernel's book at the close of day ``start - 1``, read from its daily columns."""
    if start == 0:
        return BookState(0.0, NEVER_SOLD), 0.0
    result = backtest.results[key]
    ordered = result.column("ordered")[:start]
    decisions = np.flatnonzero(ordered > 0.0)
    since = (start - 1 - int(decisions[-1])) if decisions.size else NEVER_SOLD + start
    # an order waits overnight only with fill lag 1, and is then exactly that close's order
    pending = float(ordered[-1]) if backtest.setup.fill_lag else 0.0
    return (BookState(float(result.column("inventory")[start - 1]), since, pending),
            float(result.column("cash")[start - 1]))


def _window_matches(backtest: Backtest, key: str, start: int, stop: int) -> bool:
    spec, plan, result = backtest.strategies[key], backtest.plans[key], backtest.results[key]
    state, cash = _state_before(backtest, key, start)
    days, sales = run_book_reference(
        backtest.price, backtest.schedule.intake, backtest.schedule.liquidate, spec.decide,
        plan.cadence, backtest.setup.storage_rate, backtest.setup.tx_rate,
        forecasts=backtest.paths, start=start, stop=stop, initial=state, initial_cash=cash,
        lag=backtest.setup.fill_lag)
    expected = np.array([[day[name] for name in DAILY_COLUMNS] for day in days])
    in_window = result.sales[(result.sales[:, 0] >= start) & (result.sales[:, 0] < stop)]
    return (np.allclose(result.daily[start:stop], expected, rtol=1e-12, atol=1e-9)
            and [int(s[0]) for s in sales] == in_window[:, 0].astype(int).tolist())


def kernel_matches_reference(backtest: Backtest) -> CheckOutcome:
    windows = parity_windows(backtest.price.size)
    mismatches = [f"{key} days {start}..{stop - 1}" for key in backtest.results
                  for start, stop in windows if not _window_matches(backtest, key, start, stop)]
    sampled = sum(stop - start for start, stop in windows)
    return CheckOutcome(
        name="kernel_matches_reference", passed=not mismatches, severity=ERROR,
        description=(f"kernel == reference on {sampled} sampled days x {len(backtest.results)} "
                     "strategies" if not mismatches else f"parity broken: {mismatches}"),
        metadata={"windows": [f"{backtest.dates[a]}..{backtest.dates[b - 1]}"
                              for a, b in windows], "mismatches": mismatches},
    )
