"""Searches of the futures book's moving-average cross over the vectorised sweep: every grid
combination of fast, slow, stop multiple and volatility target in one call, stored as trials
like a user strategy's search, with the gate on the best (docs/research.md).

The base values come from the strategy's spec (fast, slow) and the futures book's engine
(``stop_atr``, ``vol_target``); the space may vary any of the four. Only grid searches on test
Sharpe are offered (the sweep evaluates every combination at once). Daily returns are kept for
a seeded sample of ``PBO_SAMPLE`` trials and the best one: PBO is computed over that sample.
The best run is confirmed by the sweep's plain-Python twin.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from typing import Any

import numpy as np
import polars as pl

from trading_platform.config.futures_strategies import MovingAverageCross
from trading_platform.config.searches import Search, load_research_config
from trading_platform.defs.research.experiment_runs import (
    ExperimentRun,
    save_experiment,
    split_for,
    split_info,
    stored_series,
)
from trading_platform.defs.research.futures_backtests import book_costs
from trading_platform.defs.universe import FUTURES_BOOK, FUTURES_PARTITIONS, UNIVERSE
from trading_platform.domain.evidence import ERROR, CheckOutcome
from trading_platform.domain.research import vector_sweep as sweep
from trading_platform.domain.research.assessment import assess, best_trial
from trading_platform.domain.research.experiment import (
    METRICS,
    ExperimentInfo,
    code_version,
    data_version,
)
from trading_platform.domain.research.folds import walk_forward_folds
from trading_platform.domain.research.space import grid_points
from trading_platform.domain.research.trials import TrialResult
from trading_platform.resources.experiments import ExperimentStore

AXES = ("fast", "slow", "stop_mult", "vol_target")
FUTURES_CODE = "futures_sweep"  # the code name of a promoted futures run
PBO_SAMPLE = 500


def run_futures_experiment(experiment: str, name: str, spec: MovingAverageCross,
                           definition: Search, store: ExperimentStore) -> ExperimentRun:
    """Run ``definition`` over the vectorised sweep and save it under ``experiment``."""
    if definition.method != "grid" or definition.objective != "sharpe":
        raise ValueError("futures searches are grids on test Sharpe (the vectorised sweep "
                         f"evaluates every combination at once); got {definition.method} on "
                         f"{definition.objective}")
    unknown = sorted(set(definition.space) - set(AXES))
    if unknown:
        raise ValueError(f"futures searches vary {list(AXES)}; {unknown} is not one of them")
    commodities = definition.commodities or FUTURES_PARTITIONS.get_partition_keys()
    series = {c: stored_series(store.warehouse, c) for c in commodities}
    values = _axes(definition, spec)
    days, _, _ = sweep.book_arrays(series)
    split = split_for(definition, days)
    point_value, cost = _costs(commodities)
    capital = FUTURES_BOOK.engine.capital
    started = time.perf_counter()
    frame = sweep.vector_sweep(series, point_value, cost, *values, capital, split.test_start)
    trials = _trials(frame)
    chosen = best_trial(trials)
    keep = _sample(len(trials), chosen, definition.seed)
    trials = [_with_returns(t, series, point_value, cost, capital) if t.number in keep else t
              for t in trials]
    seconds = time.perf_counter() - started
    folds = walk_forward_folds(len(days), **definition.folds.model_dump()) \
        if definition.folds else None
    result = assess(trials, chosen, True, split, folds, load_research_config().gate)
    info = ExperimentInfo(experiment, "grid", name, "futures", spec.content_hash,
                          {k: list(v) for k, v in zip(AXES, values, strict=True)},
                          split_info(split, days),
                          definition.folds.model_dump() if definition.folds else None,
                          "sharpe", definition.seed, list(commodities), data_version(series),
                          code_version(sweep.vector_sweep))
    parity = [_twin_check(trials[chosen], series, point_value, cost, capital,
                          split.test_start)]
    return save_experiment(store, ExperimentRun(info, trials, result, parity, seconds), days)


def _axes(definition: Search, spec: MovingAverageCross) -> list[list[Any]]:
    base = base_params(spec)
    points = {k: sorted({p[k] for p in grid_points({k: v})}) for k, v in definition.space.items()}
    return [points.get(k, [base[k]]) for k in AXES]


def _costs(commodities: list[str]) -> tuple[np.ndarray, np.ndarray]:
    costs = book_costs()
    specs = [UNIVERSE.commodities[c].futures for c in commodities]
    return (np.array([s.point_value() for s in specs]),
            np.array([costs.commission + costs.slippage_ticks * s.tick_value for s in specs]))


def _trials(frame: pl.DataFrame) -> list[TrialResult]:
    """One trial per combination; the sweep measures Sharpe per window (other metrics NaN)."""
    blank = dict.fromkeys(METRICS, math.nan)
    return [TrialResult(i, {k: row[k] for k in AXES}, "done",
                        blank | {"sharpe": row["train_sharpe"]},
                        blank | {"sharpe": row["test_sharpe"]}, row["test_sharpe"],
                        row["train_sharpe"])
            for i, row in enumerate(frame.iter_rows(named=True))]


def _sample(n: int, chosen: int, seed: int) -> set[int]:
    picked = np.random.default_rng(seed).choice(n, min(n, PBO_SAMPLE), replace=False)
    return {int(i) for i in picked} | {chosen}


def _with_returns(trial: TrialResult, series: dict[str, pl.DataFrame], point_value: np.ndarray,
                  cost: np.ndarray, capital: float) -> TrialResult:
    p = trial.params
    returns = sweep.combo_returns(series, point_value, cost, p["fast"], p["slow"],
                                  p["stop_mult"], p["vol_target"], capital)
    return TrialResult(trial.number, p, trial.status, trial.train, trial.test, trial.objective,
                       trial.train_objective, returns)


def _twin_check(trial: TrialResult, series: dict[str, pl.DataFrame], point_value: np.ndarray,
                cost: np.ndarray, capital: float, split: int) -> CheckOutcome:
    p = trial.params
    twin = sweep.sweep_reference(series, point_value, cost, p["fast"], p["slow"],
                                 p["stop_mult"], p["vol_target"], capital, split)
    same = all(math.isclose(twin[k], v, rel_tol=1e-9, abs_tol=1e-12) or
               (math.isnan(twin[k]) and math.isnan(v))
               for k, v in (("test_sharpe", trial.objective),
                            ("train_sharpe", trial.train_objective)))
    return CheckOutcome("chosen_run_replays_identically", same, ERROR,
                        f"the sweep's plain-Python twin gives test Sharpe "
                        f"{twin['test_sharpe']:.6f} for the best run (sweep "
                        f"{trial.objective:.6f})", {"observed": int(not same), "threshold": 0})


def futures_test_sharpe(warehouse: Any, params: dict[str, Any], commodities: list[str],
                        start: dt.date, end: dt.date) -> float:
    """The sweep's test Sharpe of one combination on the days ``start`` .. ``end`` (the
    calendar cut at ``end``), as a search measured it: the ordinary backtest of a promoted
    futures run."""
    series = {c: stored_series(warehouse, c).filter(pl.col("date") <= end) for c in commodities}
    days, _, _ = sweep.book_arrays(series)
    split = int(pl.Series(days).search_sorted(start))
    point_value, cost = _costs(commodities)
    row = sweep.vector_sweep(series, point_value, cost, [params["fast"]], [params["slow"]],
                             [params["stop_mult"]], [params["vol_target"]],
                             FUTURES_BOOK.engine.capital, split).row(0, named=True)
    return float(row["test_sharpe"])


def base_params(spec: MovingAverageCross) -> dict[str, Any]:
    """The spec's and the engine's values of the four swept parameters."""
    return {"fast": spec.fast, "slow": spec.slow, "stop_mult": FUTURES_BOOK.engine.stop_atr,
            "vol_target": FUTURES_BOOK.engine.vol_target}
