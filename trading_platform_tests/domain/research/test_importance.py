"""Parameter importance: a parameter that decides the objective explains all of it, one that
does not explains nothing (hand-derived)."""

from __future__ import annotations

import numpy as np
import pytest

from trading_platform.domain.research.importance import parameter_importance


def test_parameter_importance_given_one_deciding_parameter_gives_it_everything():
    # objective = 1 when fast is 10, 3 when 20; slow changes nothing. Mean 2, total sum of
    # squares 4 x 1 = 4; fast's groups: 2 x (1 - 2)^2 + 2 x (3 - 2)^2 = 4 -> 1.0; slow's
    # groups both have mean 2 -> 0.0.
    params = [{"fast": f, "slow": s} for f in (10, 20) for s in (50, 100)]
    objective = np.array([1.0, 1.0, 3.0, 3.0])
    assert parameter_importance(params, objective) == {"fast": 1.0, "slow": 0.0}


def test_parameter_importance_given_many_values_bins_them_and_skips_nan():
    rng = np.random.default_rng(0)
    params = [{"x": float(v), "noise": float(n)} for v, n in zip(rng.uniform(0, 1, 300),
                                                                 rng.uniform(0, 1, 300),
                                                                 strict=True)]
    objective = np.array([p["x"] for p in params])
    objective[5] = np.nan
    importance = parameter_importance(params, objective)
    assert list(importance) == ["x", "noise"]
    assert importance["x"] > 0.9 and importance["noise"] == pytest.approx(0, abs=0.05)
