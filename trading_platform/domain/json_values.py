"""The one JSON sanitiser: any value the platform reports, as strict JSON data.

Conventions (every report file, check evidence, alert and metadata value goes through here):
- mappings become objects with string keys; lists, tuples, sets and NumPy arrays become lists;
  NumPy scalars become Python scalars; dates and datetimes become ISO 8601 text;
- non-finite floats (NaN, inf, -inf) follow ``non_finite``: ``"null"`` (the default) writes
  JSON null, for files that programs read (a missing number is missing); ``"text"`` writes
  ``"nan"``, ``"inf"`` or ``"-inf"``, for evidence a person reads (the offending value itself
  is the point: a close of ``inf`` must not read as an absent close);
- anything else becomes its ``str``; with ``max_text``, text longer than that is cut and says so.
The result always passes ``json.dumps(..., allow_nan=False)``.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from typing import Literal

import numpy as np

NonFinite = Literal["null", "text"]


def json_safe(value: object, *, non_finite: NonFinite = "null",
              max_text: int | None = None) -> object:
    """``value`` as strict-JSON data (see the module conventions)."""
    if isinstance(value, Mapping):
        return {str(key): json_safe(item, non_finite=non_finite, max_text=max_text)
                for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset | np.ndarray):
        return [json_safe(item, non_finite=non_finite, max_text=max_text) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if non_finite == "null" else str(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = value if isinstance(value, str) else str(value)
    if max_text is not None and len(text) > max_text:
        return f"{text[:max_text]}... ({len(text)} chars, cut)"
    return text
