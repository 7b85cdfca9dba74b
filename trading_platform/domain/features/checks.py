"""Evidence for the features checks: look-ahead and finiteness after warm-up.

``find_lookahead`` recomputes features for chosen dates from history truncated at that date and
compares them with the values computed with the later history loaded, bit for bit (NaN equals
NaN). Any difference means a feature used data from after its date, or depends on how much
history was loaded. ``lookahead_dates`` chooses the dates: every date of a run of up to
``CHECK_ALL_UP_TO`` dates, else its first and last plus ``RANDOM_DATES`` seeded random ones; and
always the newest date before the run, whose next close the run loads, so a one-day daily run
still has a date on which a peek one day ahead would show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import numpy as np
import polars as pl

from trading_platform.config import Universe
from trading_platform.domain.features.build import build_features

_ID_COLUMNS = ("commodity", "date")


CHECK_ALL_UP_TO = 500
RANDOM_DATES = 32
FeatureBuilder = Callable[[pl.DataFrame, Universe], pl.DataFrame]


def lookahead_dates(run_dates: Sequence[dt.date], previous: dt.date | None,
                    seed: int = 0) -> list[dt.date]:
    """The dates ``find_lookahead`` checks for a run (see the module docstring), sorted."""
    dates = sorted(set(run_dates))
    if len(dates) > CHECK_ALL_UP_TO:
        middle = dates[1:-1]
        chosen = np.random.default_rng(seed).choice(len(middle), size=RANDOM_DATES,
                                                    replace=False)
        dates = sorted({dates[0], dates[-1], *(middle[i] for i in chosen)})
    return sorted({*dates, previous}) if previous is not None else dates


def find_lookahead(
    market: pl.DataFrame,
    features: pl.DataFrame,
    universe: Universe,
    dates: Sequence[dt.date],
    build: FeatureBuilder = build_features,
) -> list[dict[str, object]]:
    """Return one record per (date, commodity, column) whose truncated recompute differs.
    ``features`` holds the values computed with all of ``market``; ``build`` is the feature
    code under test (a test plants a leaky one)."""
    mismatches: list[dict[str, object]] = []
    value_columns = [c for c in features.columns if c not in _ID_COLUMNS]
    for day in dates:
        recomputed = build(market.filter(pl.col("date") <= day), universe)
        expected = features.filter(pl.col("date") == day)
        got = recomputed.filter(pl.col("date") == day)
        joined = expected.join(got, on=list(_ID_COLUMNS), how="left", suffix="_truncated")
        for column in value_columns:
            differs = joined.filter(
                _differs(column, features.schema[column].is_float(), "_truncated"))
            for row in differs.head(3).iter_rows(named=True):
                mismatches.append(
                    {
                        "commodity": row["commodity"],
                        "date": day.isoformat(),
                        "column": column,
                        "stored": row[column],
                        "truncated": row[f"{column}_truncated"],
                    }
                )
    return mismatches


def find_stale_features(
    market: pl.DataFrame, stored: pl.DataFrame, universe: Universe
) -> list[dict[str, object]]:
    """Stored feature rows that today's ``market`` history would not give: one record per
    stale (commodity, date), with the first column that differs.

    ``market`` is the whole stored history of the commodities of ``stored``. Features are
    bit-identical whatever history precedes their last 252 rows (see ``domain.features``), so
    any difference means the features were computed from closes that were revised since.
    A stored feature row whose market row is gone counts as stale too.
    """
    if stored.is_empty():
        return []
    recomputed = build_features(market, universe) if market.height else stored.clear()
    joined = stored.join(recomputed, on=list(_ID_COLUMNS), how="left", suffix="_now")
    value_columns = [c for c in stored.columns if c not in _ID_COLUMNS]
    stale: list[dict[str, object]] = []
    differs = [_differs(column, stored.schema[column].is_float(), "_now")
               for column in value_columns]
    flagged = joined.with_columns(
        first_column=pl.coalesce([pl.when(test).then(pl.lit(column))
                                  for column, test in zip(value_columns, differs, strict=True)])
    ).filter(pl.col("first_column").is_not_null())
    for row in flagged.sort("commodity", "date").iter_rows(named=True):
        column = row["first_column"]
        stale.append({"commodity": row["commodity"], "date": row["date"].isoformat(),
                      "column": column, "stored": row[column], "now": row[f"{column}_now"]})
    return stale


def _differs(column: str, is_float: bool, suffix: str) -> pl.Expr:
    """``column`` and ``column + suffix`` differ: bit for bit, NaN equal to NaN, a value
    against a missing one differs."""
    left, right = pl.col(column), pl.col(f"{column}{suffix}")
    unequal = ~left.eq_missing(right)
    if is_float:
        unequal = unequal & ~(left.is_nan().fill_null(False) & right.is_nan().fill_null(False))
    return unequal


def count_nonfinite_after_warmup(features: pl.DataFrame) -> dict[str, int]:
    """Per column, how many rows past warm-up are null, NaN or infinite (only non-zero counts)."""
    ready = features.filter(~pl.col("warm_up"))
    counts: dict[str, int] = {}
    for column, dtype in ready.schema.items():
        bad = ready.get_column(column).is_null()
        if dtype.is_float():
            bad = bad | ~ready.get_column(column).is_finite().fill_null(True)
        if int(bad.sum()):
            counts[column] = int(bad.sum())
    return counts
