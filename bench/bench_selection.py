"""Benchmark: one commodity's honest selection (issue 16's target: <= 1 s).

Synthetic candidates of one commodity: 6 real models x 9 strategies, 1,300 backtest days, each
with its daily book (value, intake, price, stock). Timed in process, after a warm-up:
- ``candidates_s``: ``build_candidates``: the shared dates and the 80/20 holdout split, every
  candidate's selection-window and holdout metrics replayed from its daily book, regime
  consistency, the holdout Sharpe's block-bootstrap interval (1,000 resamples of 20-day blocks)
  and every candidate's Deflated Sharpe Ratio for the 54 compared;
- ``champion_s``: ``select_champion`` (eligibility, ranking, confirmation criteria);
- ``dsr_s`` / ``bootstrap_s``: one DSR and one bootstrap interval on their own;
- ``total_s``: candidates + champion, the figure held to the target.

Prints one JSON object with medians of BENCH_RUNS runs (default 7).
Run: ``.venv/bin/python bench/bench_selection.py``.
"""

from __future__ import annotations

import json
import os
import statistics
import time

import numpy as np
import polars as pl

RUNS = int(os.environ.get("BENCH_RUNS", "7"))


def candidate_frames(models: int = 6, days: int = 1300) -> tuple[pl.DataFrame, pl.DataFrame,
                                                                  np.ndarray, np.ndarray]:
    """(metrics, daily, market dates, closes) of synthetic candidates of one commodity."""
    from trading_platform.domain.inventory.strategies import default_strategies

    rng = np.random.default_rng(1)
    dates = np.arange(np.datetime64("2020-01-01"), np.datetime64("2020-01-01") + days)
    closes = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, days)))
    metrics, daily = [], []
    for m in range(models):
        model = "naive_rw" if m == 0 else f"model_{m}"
        for key, spec in default_strategies().items():
            metrics.append({"commodity": "c", "model": model, "strategy": key,
                            "family": "forecast" if spec.uses_forecast else "baseline",
                            "name": spec.name, "spec_hash": spec.content_hash})
            daily.append(pl.DataFrame({
                "commodity": "c", "model": model, "strategy": key, "date": dates,
                "price": closes, "intake": rng.random(days),
                "value": np.cumsum(rng.normal(10, 100, days)),
                "inventory": rng.random(days) * 100, "sold": rng.random(days),
                "forced": np.zeros(days)}))
    return pl.DataFrame(metrics), pl.concat(daily), dates, closes


def _median(call, runs: int) -> float:
    call()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 4)


def selection(runs: int = RUNS) -> dict[str, object]:
    """Medians of the selection's parts on the synthetic commodity."""
    from trading_platform.config.models import load_model_zoo
    from trading_platform.config.selection import load_selection
    from trading_platform.domain.selection.bootstrap import sharpe_interval
    from trading_platform.domain.selection.candidates import build_candidates
    from trading_platform.domain.selection.champion import select_champion
    from trading_platform.domain.selection.deflated_sharpe import deflated_sharpe

    metrics, daily, dates, closes = candidate_frames()
    config, complexity = load_selection(), load_model_zoo().complexity()
    built = build_candidates(metrics, daily, dates, closes, set(), config, 1000.0)
    returns = np.random.default_rng(2).normal(0.0005, 0.01, 1040)
    parts = {
        "candidates_s": _median(lambda: build_candidates(metrics, daily, dates, closes, set(),
                                                         config, 1000.0), runs),
        "champion_s": _median(lambda: select_champion(built.table, config, complexity), runs),
        "dsr_s": _median(lambda: deflated_sharpe(returns, 54, 0.01), runs),
        "bootstrap_s": _median(lambda: sharpe_interval(returns[-260:]), runs),
    }
    return {"what": "build_candidates + select_champion, 54 candidates x 1,300 days (holdout "
                    "260), DSR and a 1,000-resample bootstrap interval per candidate",
            "runs": runs, **parts,
            "median_s": round(parts["candidates_s"] + parts["champion_s"], 4),
            "target_s": 1.0}


def main() -> None:
    print(json.dumps({"benchmark": "selection", **selection()}))


if __name__ == "__main__":
    main()
