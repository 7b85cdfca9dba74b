"""Parameter importance of a search by one-way analysis of variance (eta squared): for each
parameter, the share of the objective's variance that its values explain on their own.

Conventions: finished trials with a finite objective only; a parameter with at most 10
distinct values is grouped by value, one with more is cut into 5 quantile bins; eta squared =
sum over groups of n_g x (mean_g - mean)^2 / sum of (objective - mean)^2, in [0, 1]. It ignores
interactions, which is why the report also shows two-parameter slices.
"""

from __future__ import annotations

from typing import Any

import numpy as np

METHOD = "one-way ANOVA share of the objective's variance (eta squared)"
MAX_DISTINCT, BINS = 10, 5


def parameter_importance(params: list[dict[str, Any]], objective: np.ndarray
                         ) -> dict[str, float]:
    """Eta squared per parameter, largest first (module doc)."""
    values = np.asarray(objective, dtype=np.float64)
    keep = np.isfinite(values)
    values = values[keep]
    rows = [p for p, k in zip(params, keep, strict=True) if k]
    total = float(np.sum((values - values.mean()) ** 2)) if values.size else 0.0
    out = {}
    for name in (rows[0] if rows else {}):
        groups = _groups([r[name] for r in rows])
        between = sum(float(np.sum(g)) * (values[g].mean() - values.mean()) ** 2
                      for g in groups if np.any(g))
        out[name] = between / total if total > 0 else 0.0
    return dict(sorted(out.items(), key=lambda item: -item[1]))


def _groups(column: list[Any]) -> list[np.ndarray]:
    distinct = list(dict.fromkeys(column))
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in column)
    if len(distinct) <= MAX_DISTINCT or not numeric:
        return [np.array([v == d for v in column]) for d in distinct]
    data = np.asarray(column, dtype=np.float64)
    edges = np.quantile(data, np.linspace(0, 1, BINS + 1))
    bins = np.clip(np.searchsorted(edges, data, side="right") - 1, 0, BINS - 1)
    return [bins == b for b in range(BINS)]
