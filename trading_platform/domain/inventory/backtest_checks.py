"""The three blocking checks of a backtest, each returning its evidence.

- ``inventory_accounting_holds``: per strategy, intake = strategy sales + forced sales + ending
  inventory; cash = proceeds - transaction costs - storage costs (day by day and in total);
  inventory never negative. Tolerance: 1e-9 relative to the volumes and money involved.
- ``every_strategy_has_finite_metrics``: every expected strategy has a row whose headline
  metrics are finite. Price capture and average prices are NaN by definition when a strategy
  sold nothing in the window, so they are not required to be finite.
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
RELATIVE_TOLERANCE = 1e-9
PARITY_WINDOWS = 3
PARITY_DAYS = 40


def _accounting_errors(backtest: Backtest, key: str) -> dict[str, float]:
    col = backtest.results[key].column
    intake = float(col("intake").sum())
    volume_scale = max(intake, 1.0)
    money_scale = max(float(np.abs(col("proceeds")).sum()), 1.0)
    flows = col("proceeds") - col("transaction_cost") - col("storage_cost")
    inventory = col("inventory")
    return {
        "volume": abs(intake - float(col("sold").sum() + col("forced").sum())
                      - float(inventory[-1])) / volume_scale,
        "cash_total": abs(float(col("cash")[-1]) - float(flows.sum())) / money_scale,
        "cash_daily": float(np.abs(np.diff(col("cash"), prepend=0.0) - flows).max())
        / money_scale,
        "negative_inventory": max(-float(inventory.min()), 0.0) / volume_scale,
    }


def inventory_accounting_holds(backtest: Backtest) -> CheckOutcome:
    errors = {key: _accounting_errors(backtest, key) for key in backtest.results}
    broken = {key: {rule: err for rule, err in found.items() if err > RELATIVE_TOLERANCE}
              for key, found in errors.items()}
    broken = {key: rules for key, rules in broken.items() if rules}
    worst = max((err for found in errors.values() for err in found.values()), default=0.0)
    return CheckOutcome(
        name="inventory_accounting_holds", passed=not broken, severity=ERROR,
        description=("intake = sales + forced + ending stock and cash = proceeds - costs for "
                     f"all {len(errors)} strategies" if not broken else
                     f"accounting broken for {sorted(broken)}"),
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
        row["strategy"]: [c for c in REQUIRED_FINITE if not np.isfinite(row[c])]
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
    if start == 0:
        return BookState(0.0, NEVER_SOLD), 0.0
    result = backtest.results[key]
    own = result.sales[(result.sales[:, 3] == REASON_STRATEGY) & (result.sales[:, 0] < start)]
    since = (start - 1 - int(own[-1, 0])) if own.shape[0] else NEVER_SOLD + start
    return (BookState(float(result.column("inventory")[start - 1]), since),
            float(result.column("cash")[start - 1]))


def _window_matches(backtest: Backtest, key: str, start: int, stop: int) -> bool:
    spec, plan, result = backtest.strategies[key], backtest.plans[key], backtest.results[key]
    state, cash = _state_before(backtest, key, start)
    days, sales = run_book_reference(
        backtest.price, backtest.schedule.intake, backtest.schedule.liquidate, spec.decide,
        plan.cadence, backtest.setup.storage_rate, backtest.setup.tx_rate,
        forecasts=backtest.paths, start=start, stop=stop, initial=state, initial_cash=cash)
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
