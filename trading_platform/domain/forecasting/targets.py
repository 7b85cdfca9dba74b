"""Model inputs from the feature table: the feature matrix X and the 14-horizon targets Y.

Conventions follow ``protocol``: X is float64 ``(n_rows, n_features)`` in date order, Y is
float64 ``(n_rows, HORIZONS)`` cumulative log returns ``ln(close[t+h] / close[t])``.
"""

from __future__ import annotations

import ast
import hashlib
import inspect

import numpy as np
import polars as pl

from trading_platform.domain.features import build as features
from trading_platform.domain.features import kernels as feature_kernels
from trading_platform.domain.forecasting.protocol import HORIZONS

# Every numeric column of FEATURE_SCHEMA except identifiers (commodity, date), the warm_up flag
# and the raw close: the price level is non-stationary, and its relative information is already
# in the return, MA-ratio and 52-week columns. Booleans enter as 0/1.
FEATURE_COLUMNS: tuple[str, ...] = (
    "ret_1d", "ret_5d", "ret_20d", "vol_20d", "ma_ratio_5_20", "ma_ratio_20_60", "atr_14_pct",
    "rsi_14", "momentum_60", "dist_52w_high", "dist_52w_low", "in_harvest", "day_of_season",
    "season_progress", "day_of_week", "month", "day_of_year",
)


def feature_matrix(features: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(dates, X)`` for one commodity's rows with ``warm_up`` False, in date order.

    ``features`` has ``FEATURE_SCHEMA`` (output of ``build_features``) for a single commodity;
    ``dates`` is ``datetime64[D]`` and X has the ``FEATURE_COLUMNS`` in that order. Raises
    ValueError for several commodities or a non-finite value after warm-up.
    """
    commodities = features["commodity"].unique().to_list()
    if len(commodities) > 1:
        raise ValueError(
            f"feature_matrix: got {len(commodities)} commodities {sorted(commodities)[:5]}; "
            "filter the feature table to one commodity first"
        )
    rows = features.filter(~pl.col("warm_up")).sort("date")
    X = rows.select(pl.col(FEATURE_COLUMNS).cast(pl.Float64)).to_numpy().astype(np.float64)
    if not np.isfinite(X).all():
        raise ValueError("feature_matrix: non-finite feature after warm-up; rebuild the features")
    return rows["date"].to_numpy().astype("datetime64[D]"), X


def targets(close: np.ndarray) -> np.ndarray:
    """Return Y with ``Y[t, h-1] = ln(close[t+h] / close[t])`` for h = 1..HORIZONS.

    NaN where t+h is past the end, and NaN where close[t] or close[t+h] is not positive (crude
    can trade at or below zero, where a log return does not exist); rows with any NaN are left
    out of training and of the residual pool. Example: closes 100, 110, 121 give
    ``Y[0, 0] = ln(1.1)`` and ``Y[0, 1] = ln(1.21)``.
    """
    close = np.asarray(close, dtype=np.float64)
    n = close.shape[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        log_close = np.where(close > 0.0, np.log(close), np.nan)
    Y = np.full((n, HORIZONS), np.nan)
    for h in range(1, HORIZONS + 1):
        if h < n:
            Y[: n - h, h - 1] = log_close[h:] - log_close[: n - h]
    return Y


def _definitions(source: str) -> str:
    """The statements of a module's source without its imports and docstrings, as an AST dump:
    what the code computes, not where it lives or how it is described."""
    tree = ast.parse(source)
    kept = ast.Module(body=[node for node in tree.body
                            if not isinstance(node, ast.Import | ast.ImportFrom)], type_ignores=[])
    for node in ast.walk(kept):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(kept)


def feature_definitions_hash() -> str:
    """sha256 (first 16 hex digits) of the feature code and the model's feature columns.

    Changes whenever a feature's definition or the model's input columns change, so a forecast
    records which feature definitions it was made from; moving the modules, changing their
    imports or rewording a docstring leaves it as it is (``_definitions``).
    """
    digest = hashlib.sha256()
    for module in (features, feature_kernels):
        digest.update(_definitions(inspect.getsource(module)).encode())
    digest.update(",".join(FEATURE_COLUMNS).encode())
    return digest.hexdigest()[:16]
