"""A commodity's champion candidates: every (model, strategy) backtested with a real model,
with its risk metrics, its regime consistency and its score.

Rules (stated once):
- Synthetic models are excluded: they are built from the realised future and are research
  instruments, never champions.
- A candidate's daily P&L is ``inventory.metrics.daily_pnl(value, intake, price)`` over its
  daily rows in date order (see that module for the convention).
- Regime labels come from ``regime_labels`` over the commodity's whole market history (they are
  point-in-time, so a longer history does not change a day's label) and are picked at each
  daily date; a date that is not a market day is ``UNKNOWN``. Regime consistency and the
  per-regime breakdown follow ``selection.regimes``; the score and thresholds follow
  ``selection.scoring``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import polars as pl

from trading_platform.config.selection import SelectionConfig
from trading_platform.domain.inventory.metrics import daily_pnl
from trading_platform.domain.selection.regimes import (
    UNKNOWN,
    regime_breakdown,
    regime_consistency,
    regime_labels,
)
from trading_platform.domain.selection.scoring import score_candidates

KEY = ["model", "strategy"]
METRIC_COLUMNS = ("family", "name", "spec_hash", "net_earnings", "sharpe", "max_drawdown",
                  "calmar", "turnover", "annual_return")
REGIME_SCHEMA = {"model": pl.String, "strategy": pl.String, "regime": pl.String,
                 "days": pl.Int64, "mean_pnl": pl.Float64, "total_pnl": pl.Float64}


@dataclass(frozen=True)
class Candidates:
    """``table``: one row per candidate (model, strategy) with its metrics, regime consistency
    and scoring columns, best score first; ``regimes``: per candidate and regime, the labelled
    days and the mean and total daily P&L; ``excluded_models``: synthetic models dropped."""

    table: pl.DataFrame
    regimes: pl.DataFrame
    excluded_models: list[str]


def build_candidates(metrics: pl.DataFrame, daily: pl.DataFrame, market_dates: np.ndarray,
                     closes: np.ndarray, synthetic_models: Collection[str],
                     config: SelectionConfig) -> Candidates:
    """Score every real-model candidate of one commodity (see the module rules)."""
    synthetic = set(synthetic_models)
    excluded = sorted(synthetic & set(metrics["model"].unique().to_list()))
    real = metrics.filter(~pl.col("model").is_in(list(synthetic)))
    _check_candidates(real, daily, excluded)
    rows = daily.join(real.select(KEY), on=KEY, how="semi").sort([*KEY, "date"])
    dates = rows["date"].to_numpy().astype("datetime64[D]")
    consistency, regimes = _regime_stats(
        rows.with_columns(pl.Series("label", _labels_at(dates, market_dates, closes))))
    table = real.select(*KEY, *METRIC_COLUMNS).join(consistency, on=KEY, how="left")
    return Candidates(table=score_candidates(table, config), regimes=regimes,
                      excluded_models=excluded)


def _regime_stats(rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per candidate: regime consistency, and the per-regime breakdown (rows in date order)."""
    consistency, regimes = [], []
    for (model, strategy), group in rows.partition_by(KEY, as_dict=True,
                                                      maintain_order=True).items():
        pnl = daily_pnl(group["value"].to_numpy(), group["intake"].to_numpy(),
                        group["price"].to_numpy())
        labels = group["label"].to_numpy()
        consistency.append({"model": model, "strategy": strategy,
                            "regime_consistency": regime_consistency(pnl, labels)})
        regimes += [{"model": model, "strategy": strategy, "regime": name, **stats}
                    for name, stats in regime_breakdown(pnl, labels).items()]
    schema = {"model": pl.String, "strategy": pl.String, "regime_consistency": pl.Float64}
    return (pl.DataFrame(consistency, schema=schema),
            pl.DataFrame(regimes, schema=REGIME_SCHEMA, strict=False))


def _labels_at(dates: np.ndarray, market_dates: np.ndarray, closes: np.ndarray) -> np.ndarray:
    """Regime label of each date; ``UNKNOWN`` where the date is not a market day."""
    market_dates = np.asarray(market_dates, dtype="datetime64[D]")
    if market_dates.shape != np.shape(closes):
        raise ValueError(f"market history: {market_dates.size} dates but {np.size(closes)} "
                         "closes; pass the dates and closes of the same rows")
    order = np.argsort(market_dates, kind="stable")
    sorted_dates = market_dates[order]
    labels = regime_labels(np.asarray(closes, dtype=np.float64)[order])
    if sorted_dates.size == 0:
        return np.full(dates.size, UNKNOWN, dtype=np.int8)
    at = np.clip(np.searchsorted(sorted_dates, dates), 0, sorted_dates.size - 1)
    return np.where(sorted_dates[at] == dates, labels[at], UNKNOWN).astype(np.int8)


def _check_candidates(real: pl.DataFrame, daily: pl.DataFrame, excluded: list[str]) -> None:
    """ValueError naming what is missing: any real candidate, or a candidate's daily rows."""
    if real.is_empty():
        raise ValueError(f"metrics has no candidate of a real model (synthetic models excluded: "
                         f"{excluded or 'none'}); backtest at least one real forecast model")
    duplicated = real.filter(pl.struct(KEY).is_duplicated())
    if duplicated.height:
        raise ValueError(f"metrics has several rows for {_names(duplicated)}; keep one row per "
                         "model x strategy")
    missing = real.join(daily.select(KEY).unique(), on=KEY, how="anti")
    if missing.height:
        raise ValueError(f"daily has no rows for candidate(s) {_names(missing)}; re-run their "
                         "backtest so the daily book is stored")


def _names(rows: pl.DataFrame) -> str:
    pairs = rows.select(KEY).unique().sort(KEY).iter_rows()
    return ", ".join(f"{model} x {strategy}" for model, strategy in pairs)
