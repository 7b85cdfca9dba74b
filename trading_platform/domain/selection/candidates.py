"""A commodity's champion candidates: every (model, strategy) backtested with a real model,
measured on the selection window and on the holdout, scored, and deflated for their number.

Rules (stated once):
- Synthetic models are excluded: they are built from the realised future and are research
  instruments, never champions.
- Every candidate is measured on the **same dates**: those all candidates' backtest rows share.
  ``Candidates.unequal_windows`` names candidates whose own dates differ from them (the
  ``candidates_share_dates`` check fails on any).
- The shared dates split into the selection window and the holdout (``selection.windows``).
  Metrics, regime consistency, score and thresholds use the selection window only; the
  ``holdout_*`` columns are the same metrics on the holdout, with a block-bootstrap interval
  of the holdout Sharpe (``selection.bootstrap``).
- ``n_candidates`` is how many candidates were compared; ``dsr`` is each candidate's Deflated
  Sharpe Ratio on the selection window given that count and the variance of the candidates'
  selection Sharpe ratios (``selection.deflated_sharpe``).
- Regime labels come from ``regime_labels`` over the commodity's whole market history (they are
  point-in-time, so a longer history does not change a day's label) and are picked at each
  date; a date that is not a market day is ``UNKNOWN``.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import polars as pl

from trading_platform.config.selection import SelectionConfig
from trading_platform.domain.inventory.metrics import TRADING_DAYS_PER_YEAR
from trading_platform.domain.selection.bootstrap import sharpe_interval
from trading_platform.domain.selection.deflated_sharpe import deflated_sharpe
from trading_platform.domain.selection.regimes import (
    UNKNOWN,
    regime_breakdown,
    regime_consistency,
    regime_labels,
)
from trading_platform.domain.selection.scoring import score_candidates
from trading_platform.domain.selection.windows import (
    Windows,
    candidate_returns,
    split_windows,
    window_metrics,
    window_notional,
)

KEY = ["model", "strategy"]
LABEL_COLUMNS = ("family", "name", "spec_hash")
REGIME_SCHEMA = {"model": pl.String, "strategy": pl.String, "regime": pl.String,
                 "days": pl.Int64, "mean_pnl": pl.Float64, "total_pnl": pl.Float64}


@dataclass(frozen=True)
class Candidates:
    """``table``: one row per candidate (model, strategy) with its selection-window metrics,
    regime consistency, holdout metrics, DSR and scoring columns, best score first;
    ``regimes``: per candidate and regime on the selection window, the labelled days and the
    mean and total daily P&L; ``excluded_models``: synthetic models dropped; ``windows``: the
    shared dates and the holdout cut; ``unequal_windows``: candidates whose dates differ from
    the shared ones, with their first and last date and day count."""

    table: pl.DataFrame
    regimes: pl.DataFrame
    excluded_models: list[str]
    windows: Windows
    unequal_windows: list[dict[str, object]]


def build_candidates(metrics: pl.DataFrame, daily: pl.DataFrame, market_dates: np.ndarray,
                     closes: np.ndarray, synthetic_models: Collection[str],
                     config: SelectionConfig, annual_volume: float) -> Candidates:
    """Measure, deflate and score every real-model candidate of one commodity (module rules)."""
    synthetic = set(synthetic_models)
    excluded = sorted(synthetic & set(metrics["model"].unique().to_list()))
    real = metrics.filter(~pl.col("model").is_in(list(synthetic)))
    _check_candidates(real, daily, excluded)
    rows = daily.join(real.select(KEY), on=KEY, how="semi").sort([*KEY, "date"])
    shared, unequal = _shared_dates(rows)
    windows = split_windows(shared, config.holdout_fraction)
    rows = rows.join(pl.DataFrame({"date": shared}).with_columns(pl.col("date").cast(pl.Date)),
                     on="date", how="semi")
    labels = _labels_at(windows.dates, market_dates, closes)
    measured, regimes, selection_returns = _measure(rows, windows, labels, annual_volume, config)
    table = real.select(*KEY, *LABEL_COLUMNS).join(measured, on=KEY, how="left")
    table = _with_deflated_sharpe(table, selection_returns)
    return Candidates(table=score_candidates(table, config), regimes=regimes,
                      excluded_models=excluded, windows=windows, unequal_windows=unequal)


def _shared_dates(rows: pl.DataFrame) -> tuple[np.ndarray, list[dict[str, object]]]:
    """The dates every candidate has, and the candidates whose dates are not exactly those."""
    per_candidate = rows.group_by(KEY, maintain_order=True).agg(pl.col("date").unique().sort())
    sets = [set(dates) for dates in per_candidate["date"].to_list()]
    shared = sorted(set.intersection(*sets)) if sets else []
    unequal = [{"model": model, "strategy": strategy, "first": min(dates), "last": max(dates),
                "days": len(dates)}
               for (model, strategy, dates), own in zip(per_candidate.iter_rows(), sets,
                                                         strict=True)
               if len(own) != len(shared)]
    return np.array(shared, dtype="datetime64[D]"), unequal


def _measure(rows: pl.DataFrame, windows: Windows, labels: np.ndarray, annual_volume: float,
             config: SelectionConfig) -> tuple[pl.DataFrame, pl.DataFrame, dict]:
    """Per candidate: selection and holdout metrics, regime consistency and breakdown on the
    selection window, and its selection-window daily returns (for the DSR)."""
    groups = rows.partition_by(KEY, as_dict=True, maintain_order=True)
    price = next(iter(groups.values()))["price"].to_numpy() if groups else np.empty(0)
    notional = window_notional(annual_volume, price, windows)
    sel, hold = windows.selection, windows.holdout
    boot = config.bootstrap
    measured, regimes, returns_by_key = [], [], {}
    for (model, strategy), group in groups.items():
        col = {name: group[name].to_numpy() for name in ("value", "intake", "price", "inventory",
                                                         "sold", "forced")}
        pnl, returns = candidate_returns(col["value"], col["intake"], col["price"], notional)
        stock = (col["inventory"], col["sold"], col["forced"])
        selection = window_metrics(returns[sel], *(a[sel] for a in stock), pnl[sel])
        holdout = window_metrics(returns[hold], *(a[hold] for a in stock), pnl[hold])
        interval = sharpe_interval(returns[hold], boot.block_days, boot.resamples, boot.level,
                                   boot.seed)
        measured.append({
            "model": model, "strategy": strategy, **selection,
            "regime_consistency": regime_consistency(pnl[sel], labels[sel]),
            **{f"holdout_{name}": value for name, value in holdout.items()},
            "holdout_sharpe_low": interval.low, "holdout_sharpe_high": interval.high})
        regimes += [{"model": model, "strategy": strategy, "regime": name, **stats}
                    for name, stats in regime_breakdown(pnl[sel], labels[sel]).items()]
        returns_by_key[(model, strategy)] = returns[sel]
    return (pl.DataFrame(measured, strict=False),
            pl.DataFrame(regimes, schema=REGIME_SCHEMA, strict=False), returns_by_key)


def _with_deflated_sharpe(table: pl.DataFrame, returns: dict) -> pl.DataFrame:
    """``n_candidates`` and each candidate's DSR given the candidates' Sharpe variance."""
    per_day = table["sharpe"].to_numpy() / math.sqrt(TRADING_DAYS_PER_YEAR)
    variance = float(np.var(per_day, ddof=1)) if per_day.size > 1 else 0.0
    dsr = [deflated_sharpe(returns[(model, strategy)], table.height, variance).dsr
           for model, strategy in table.select(KEY).iter_rows()]
    return table.with_columns(pl.lit(table.height, dtype=pl.Int64).alias("n_candidates"),
                              pl.Series("dsr", dsr, dtype=pl.Float64))


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
