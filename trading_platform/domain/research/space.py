"""The parameter sets of a search: every point of a grid, or seeded random draws.

A parameter's space (``config.searches``) is a list of values, a stepped range or a
distribution. A grid takes every combination of the lists and stepped ranges, in the order the
space names them, last parameter fastest; a distribution cannot be gridded. Random draws take,
per parameter, a uniform choice from a list or a stepped range, or a draw from the
distribution, with ``numpy.random.default_rng(seed)``: the same seed gives the same sets.
Stepped values are rounded to 10 decimals (0.1 + 0.2 is 0.3) and kept integer when the range's
ends and step are whole.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from trading_platform.config.searches import Distribution, Stepped


def stepped_values(space: Stepped) -> list[float | int]:
    """Every value of a stepped range, ``high`` included when the steps land on it."""
    count = math.floor((space.high - space.low) / space.step + 1e-9) + 1
    values = [round(space.low + i * space.step, 10) for i in range(count)]
    whole = all(float(v).is_integer() for v in (space.low, space.high, space.step))
    return [int(v) for v in values] if whole else values


def grid_points(space: dict[str, Any]) -> list[dict[str, Any]]:
    """Every combination of the space's values (ValueError on a distribution)."""
    axes = []
    for name, values in space.items():
        if isinstance(values, Distribution):
            raise ValueError(f"parameter {name!r} is a {values.distribution} distribution: a "
                             "grid needs a list or a stepped range (use random or tpe)")
        axes.append(stepped_values(values) if isinstance(values, Stepped) else list(values))
    return [dict(zip(space, combo, strict=True)) for combo in itertools.product(*axes)]


def random_points(space: dict[str, Any], n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` seeded draws from the space (module doc)."""
    rng = np.random.default_rng(seed)
    points = []
    for _ in range(n):
        point = {}
        for name, values in space.items():
            point[name] = _draw(rng, values)
        points.append(point)
    return points


def _draw(rng: np.random.Generator, values: Any) -> Any:
    if isinstance(values, Distribution):
        if values.distribution == "int":
            return int(rng.integers(int(values.low), int(values.high) + 1))
        if values.distribution == "log_uniform":
            return float(math.exp(rng.uniform(math.log(values.low), math.log(values.high))))
        return float(rng.uniform(values.low, values.high))
    options = stepped_values(values) if isinstance(values, Stepped) else list(values)
    return options[int(rng.integers(len(options)))]
