"""The trading-book champion's validation report, stored beside its MLflow version.

- ``validation_return``: the champion cell's compounded return over the holdout (validation)
  window, from its value on the last day before the window (the capital when none);
- ``equal_weight_return`` and ``beats_equal_weight``: the same over the same window for the
  same signal set sized by the ``equal_weight`` optimiser; ``beats_equal_weight`` is None when
  the champion is that cell (nothing to beat) or the matrix has no such cell;
- ``determinism``: the champion's cell run again under each of ``SEEDS`` (the global random
  state seeded before each run) against the stored matrix run: the largest absolute difference
  of the daily value; ``deterministic`` when every difference is exactly 0. The cell draws no
  random number of its own, so a difference means hidden state, the defect this catches.
"""

from __future__ import annotations

import numpy as np
import polars as pl

EQUAL_WEIGHT = "equal_weight"
SEEDS = (0, 1, 2)


def cell_equity(equity: pl.DataFrame, signal_set: str, optimiser: str) -> pl.DataFrame:
    """One cell's (date, equity) rows, ascending."""
    return equity.filter((pl.col("signal_set") == signal_set)
                         & (pl.col("optimiser") == optimiser)).sort("date").select(
        "date", "equity")


def window_return(cell: pl.DataFrame, window: tuple[object, object] | None,
                  capital: float) -> float | None:
    """The cell's compounded return over ``window`` (both ends inclusive); None without one."""
    if window is None or cell.is_empty():
        return None
    inside = cell.filter(pl.col("date").is_between(window[0], window[1]))
    if inside.is_empty():
        return None
    before = cell.filter(pl.col("date") < window[0])
    start = float(before["equity"][-1]) if before.height else capital
    return float(inside["equity"][-1]) / start - 1.0


def validation_report(equity: pl.DataFrame, champion: dict, window: tuple[object, object] | None,
                      capital: float, reruns: dict[int, np.ndarray]) -> dict[str, object]:
    """The report (module docstring) for the ``champion`` row's cell of the matrix ``equity``;
    ``reruns`` maps each seed to the cell's daily values when run again under it."""
    set_name, optimiser = champion["signal_set"], champion["optimiser"]
    stored = cell_equity(equity, set_name, optimiser)
    own = window_return(stored, window, capital)
    baseline = None
    if optimiser != EQUAL_WEIGHT:
        baseline = window_return(cell_equity(equity, set_name, EQUAL_WEIGHT), window, capital)
    values = stored["equity"].to_numpy()
    gaps = {str(seed): (float(np.max(np.abs(run - values), initial=0.0))
                        if run.shape == values.shape else float("inf"))
            for seed, run in reruns.items()}
    return {
        "cell": f"{set_name} x {optimiser}",
        "validation_window": [str(d) for d in window] if window else None,
        "validation_return": own,
        "equal_weight_cell": f"{set_name} x {EQUAL_WEIGHT}",
        "equal_weight_return": baseline,
        "beats_equal_weight": None if own is None or baseline is None else own > baseline,
        "seeds": list(reruns),
        "determinism": gaps,
        "deterministic": bool(reruns) and all(gap == 0.0 for gap in gaps.values()),
    }
