"""Score a commodity's (model, strategy) candidates and apply the pass thresholds.

Conventions: each scored metric is min-max normalised across the candidates given, oriented so
1 is best (higher Sharpe, Calmar and regime consistency; a less negative max drawdown; a lower
turnover). When every candidate has the same value the metric normalises to 1 for all (it does
not separate them); a NaN normalises to 0, and an infinite value to the end it lies at (+inf
is best when higher is better: a Calmar without a drawdown). The score is the weighted sum of
the normalised metrics (weights sum to 1, so the score is in [0, 1]). Thresholds are absolute
and independent of the other candidates.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from trading_platform.config.selection import SelectionConfig

HIGHER_IS_BETTER = {"sharpe": True, "max_drawdown": True, "calmar": True, "turnover": False,
                    "regime_consistency": True}


def normalise(values: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """Min-max to [0, 1], 1 = best; all equal -> 1; NaN -> 0; +-inf -> the end it lies at."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    top = 1.0 if higher_is_better else 0.0
    ends = np.where(values == np.inf, top, np.where(values == -np.inf, 1.0 - top, 0.0))
    if not finite.any():
        return ends
    low, high = values[finite].min(), values[finite].max()
    if high == low:
        scaled = np.ones(values.shape)
    else:
        scaled = (values - low) / (high - low)
        scaled = scaled if higher_is_better else 1.0 - scaled
    if high == low and np.isinf(values).any():  # the finite ones sit between the ends
        scaled = np.full(values.shape, 0.5)
    return np.where(finite, scaled, ends)


def failed_thresholds(row: dict[str, float], config: SelectionConfig) -> list[str]:
    """Names of the thresholds ``row`` misses (NaN misses every threshold it is tested by)."""
    t = config.thresholds
    tests = {"min_sharpe": row["sharpe"] >= t.min_sharpe,
             "min_max_drawdown": row["max_drawdown"] >= t.min_max_drawdown,
             "min_calmar": row["calmar"] >= t.min_calmar,
             "max_turnover": row["turnover"] <= t.max_turnover}
    return [name for name, ok in tests.items() if not ok]


def score_candidates(candidates: pl.DataFrame, config: SelectionConfig) -> pl.DataFrame:
    """``candidates`` with ``norm_<metric>``, ``score``, ``failed`` (list) and ``passes``
    columns, best score first. Needs the columns of ``HIGHER_IS_BETTER``."""
    weights = config.weights.model_dump()
    normalised = {f"norm_{name}": normalise(candidates[name].to_numpy(), better)
                  for name, better in HIGHER_IS_BETTER.items()}
    score = sum(weights[name] * normalised[f"norm_{name}"] for name in HIGHER_IS_BETTER)
    failed = [failed_thresholds(row, config) for row in candidates.iter_rows(named=True)]
    return candidates.with_columns(
        *[pl.Series(name, values) for name, values in normalised.items()],
        pl.Series("score", np.asarray(score, dtype=np.float64)),
        pl.Series("failed", failed, dtype=pl.List(pl.String)),
        pl.Series("passes", [not f for f in failed]),
    ).sort("score", descending=True)
