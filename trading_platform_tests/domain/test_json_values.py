"""The one JSON sanitiser: every reported value passes strict JSON, non-finite by policy."""

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest

from trading_platform.domain.json_values import json_safe

MIXED = {1: np.float64("nan"), "inf": math.inf, "neg": -math.inf, "n": np.int64(5),
         "day": dt.date(2026, 12, 1), "at": dt.datetime(2026, 12, 1, 17, 30),
         "arr": np.array([1.5, np.nan]), "set": {2}, "path": Path("/a"), "ok": 0.25,
         "flag": np.bool_(True), "none": None}


def test_json_safe_given_null_policy_writes_missing_numbers_as_null():
    safe = json_safe(MIXED)
    assert safe == {"1": None, "inf": None, "neg": None, "n": 5, "day": "2026-12-01",
                    "at": "2026-12-01T17:30:00", "arr": [1.5, None], "set": [2],
                    "path": "/a", "ok": 0.25, "flag": True, "none": None}
    json.dumps(safe, allow_nan=False)  # strict JSON, or this raises


def test_json_safe_given_text_policy_keeps_the_offending_value_readable():
    safe = json_safe(MIXED, non_finite="text")
    assert (safe["1"], safe["inf"], safe["neg"], safe["arr"]) == ("nan", "inf", "-inf",
                                                                  [1.5, "nan"])
    json.dumps(safe, allow_nan=False)


@pytest.mark.parametrize("length, cut", [(10, False), (11, True)])
def test_json_safe_given_max_text_cuts_only_longer_text(length, cut):
    safe = json_safe("x" * length, max_text=10)
    assert safe.endswith(f"({length} chars, cut)") is cut
