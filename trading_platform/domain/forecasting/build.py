"""One forecast build: a zoo model's out-of-sample prediction matrices for one commodity.

``build_forecast`` is what the ``forecasts`` asset runs per (commodity, model) partition:
features -> X and closes -> walk-forward (real models) or synthetic paths (research
instruments) -> per-horizon metrics against the realised future, the fit windows behind every
forecast day, the final fitted model and its feature importances. ``model_factory`` is the one
place that turns a zoo entry into fresh models, shared with the daily path.

Synthetic models use the same out-of-sample window as the real ones (so their numbers are
comparable) but end 14 trading days earlier: a path built from the realised future needs that
future. Days whose close, or any of the next 14 closes, is not positive (crude) are skipped.
Their stored "fit window" is the window of the 60 daily returns before the forecast day from
which the paths' noise volatility is estimated; the centre of the paths is the realised future
by construction.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from trading_platform.config.models import ModelSpec, ModelZoo
from trading_platform.domain.forecasting.matrices import group_fit_windows
from trading_platform.domain.forecasting.metrics import forecast_metrics
from trading_platform.domain.forecasting.models import build_model
from trading_platform.domain.forecasting.protocol import (
    HORIZONS,
    FitCache,
    ForecastModel,
    WalkForwardConfig,
)
from trading_platform.domain.forecasting.synthetic_models import synthetic_paths
from trading_platform.domain.forecasting.targets import FEATURE_COLUMNS, feature_matrix
from trading_platform.domain.forecasting.tuned import TunedXGBoostModel
from trading_platform.domain.forecasting.walk_forward import (
    ModelFactory,
    Progress,
    daily_forecast,
    oos_start,
    walk_forward,
)

SYNTHETIC_VOL_WINDOW = 60  # daily log returns before the forecast day that set the noise


@dataclass(frozen=True)
class ForecastBuild:
    """Everything one (commodity, model) build produced; arrays aligned on ``dates`` (n,).

    ``paths`` (n, n_paths, 14) float32 closes; ``close_today`` (n,); ``future_closes`` (n, 14)
    realised closes (NaN where not yet known); ``fit_start``/``fit_end`` the window behind each
    day; ``schedule`` the refit days; ``model`` the last fitted model (None for synthetic);
    ``importance`` feature -> share of split gain (empty when the model has no splits);
    ``uses_future``: True when the paths were built from realised future closes (set by the
    code path that reads them, whatever the model is called); stored with the matrices, it is
    what keeps such a model out of selection and trading.
    """

    dates: np.ndarray
    paths: np.ndarray
    close_today: np.ndarray
    future_closes: np.ndarray
    fit_start: np.ndarray
    fit_end: np.ndarray
    schedule: np.ndarray
    metrics: pl.DataFrame
    model: ForecastModel | None
    importance: dict[str, float]
    synthetic: bool
    uses_future: bool
    data_start: np.datetime64
    data_end: np.datetime64
    timings: dict[str, float]


def model_factory(spec: ModelSpec, zoo: ModelZoo,
                  member_fits: Mapping[str, FitCache] | None = None) -> ModelFactory:
    """A fresh model for every refit; the tuned model's refits share one memo of tunings, so
    each grid point is tuned once (each refit is still its own object: see ``_fitted``).
    An ensemble's members are fitted through ``member_fits`` (see ``EnsembleModel``)."""
    if spec.synthetic:
        raise ValueError("synthetic models are not fitted: build them with build_forecast")
    if spec.kind == "xgboost_optuna":
        tuned = TunedXGBoostModel(**spec.params)
        return tuned.sharing_tunings
    return lambda: build_model(spec, zoo, member_fits)


def future_closes(close: np.ndarray) -> np.ndarray:
    """``(n, 14)`` closes at rows t+1 .. t+14, NaN past the end of the data."""
    n = close.shape[0]
    future = np.full((n, HORIZONS), np.nan)
    for h in range(1, HORIZONS + 1):
        future[: max(n - h, 0), h - 1] = close[h:]
    return future


def build_forecast(
    features: pl.DataFrame, model_key: str, zoo: ModelZoo, config: WalkForwardConfig,
    progress: Progress | None = None, fits: FitCache | None = None,
    member_fits: Mapping[str, FitCache] | None = None,
) -> ForecastBuild:
    """Build ``model_key``'s out-of-sample forecasts from one commodity's feature table.

    ``progress(done, total)`` is called after every refit of a real model; ``fits`` keeps
    every fit (see ``walk_forward``); an ensemble reads its members' fits from ``member_fits``.
    """
    if model_key not in zoo.models:
        raise ValueError(f"model {model_key!r} is not in the model zoo ({', '.join(zoo.keys)})")
    began = time.perf_counter()
    dates, X, close = model_inputs(features)
    spec = zoo.models[model_key]
    uses_future = False
    if spec.synthetic:
        rows, paths, fit_start, fit_end = _synthetic(dates, close, spec, model_key, config)
        schedule, model, uses_future = dates[:0], None, True  # built from the realised future
    else:
        factory = model_factory(spec, zoo, member_fits)
        result = walk_forward(dates, X, close, factory, config, progress, fits)
        rows = np.searchsorted(dates, result.dates)
        paths, fit_start, fit_end = result.paths, result.fit_start, result.fit_end
        schedule, model = result.schedule, result.final_model
    fitted = time.perf_counter()
    future = future_closes(close)[rows]
    priced = close[rows] > 0  # log-return metrics need a positive close on the forecast day
    metrics = forecast_metrics(paths[priced], close[rows][priced], future[priced])
    return ForecastBuild(
        dates=dates[rows], paths=paths, close_today=close[rows], future_closes=future,
        fit_start=fit_start, fit_end=fit_end, schedule=schedule, metrics=metrics, model=model,
        importance=feature_importance(model) if model is not None else {},
        synthetic=spec.synthetic, uses_future=uses_future, data_start=dates[0],
        data_end=dates[-1],
        timings={"fit_s": fitted - began, "metrics_s": time.perf_counter() - fitted},
    )


def model_inputs(features: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(dates, X, close)`` of one commodity's feature rows after warm-up, in date order."""
    dates, X = feature_matrix(features)
    close = features.filter(~pl.col("warm_up")).sort("date")["close"].to_numpy()
    return dates, X, close.astype(np.float64)


def daily_prediction_matrix(
    features: pl.DataFrame, model_key: str, zoo: ModelZoo, config: WalkForwardConfig,
    day: np.datetime64 | str, fits: FitCache | None = None,
    member_fits: Mapping[str, FitCache] | None = None,
) -> np.ndarray:
    """``day``'s ``(n_paths, 14)`` float32 matrix, issued at ``day``'s close.

    The models are fitted only on closes before ``day`` (the refit grid of the walk-forward),
    and the forecast reads ``day``'s own features; the result equals the walk-forward row of
    ``day`` bit for bit, because both run ``walk_forward._forecast_window``. Rows after ``day``
    in ``features`` are ignored. Synthetic models have no daily path: they need the future.
    ``fits`` keeps fitted models between days (see ``FitCache``); an ensemble reads its
    members' fits from ``member_fits``.
    """
    spec = zoo.models[model_key]
    if spec.synthetic:
        raise ValueError(f"{model_key} is a synthetic research instrument: it is built from the "
                         "realised future, so it has no daily forecast")
    dates, X, close = model_inputs(features)
    return daily_forecast(dates, X, close, model_factory(spec, zoo, member_fits), config,
                          np.datetime64(day), fits)


def _synthetic(
    dates: np.ndarray, close: np.ndarray, spec: ModelSpec, model_key: str,
    config: WalkForwardConfig,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    start = max(oos_start(dates, close, config), SYNTHETIC_VOL_WINDOW + 1)
    rows = np.arange(start, close.shape[0] - HORIZONS)
    # A log-return centre needs positive closes today and on the next 14 days (crude can
    # trade at or below zero): such days get no synthetic forecast at all.
    future = future_closes(close)
    rows = rows[(close[rows] > 0) & (future[rows] > 0).all(axis=1)]
    if rows.size == 0:
        raise ValueError(
            f"synthetic model {model_key}: no forecast day in the window has its 14-day future "
            "yet; supply more data"
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        log_close = np.where(close > 0, np.log(close), np.nan)
    daily = np.diff(log_close)  # daily[i] is the return into row i + 1
    windows = np.stack([daily[t - 1 - SYNTHETIC_VOL_WINDOW : t - 1] for t in rows])
    vol = np.nan_to_num(np.nanstd(windows, axis=1, ddof=1), nan=0.0)
    seed = zlib.crc32(f"{config.seed}:{model_key}".encode())
    paths = synthetic_paths(
        close[rows], future[rows], float(spec.params["accuracy"]),
        config.n_paths, vol, seed,
    )
    # The volatility window: returns into rows t-60 .. t-1, i.e. closes t-61 .. t-1.
    return rows, paths, dates[rows - SYNTHETIC_VOL_WINDOW - 1], dates[rows - 1]


def feature_importance(model: ForecastModel) -> dict[str, float]:
    """Each feature's share of the model's total split gain (sums to 1); empty without splits.

    Gain-based for the boosted models, impurity-based for the random forest; an ensemble
    averages its members' shares.
    """
    shares = model.raw_importance()
    if shares is None or not np.isfinite(shares).all() or shares.sum() <= 0:
        return {}
    shares = shares / shares.sum()
    return {name: float(value) for name, value in zip(FEATURE_COLUMNS, shares, strict=True)}


def fit_schedule(build: ForecastBuild) -> pl.DataFrame:
    """One row per fitted model behind the stored days: its training window and forecast days.

    Columns ``fit_start, fit_end`` (first and last close in its training targets) and
    ``first_forecast, last_forecast, days``. Empty for synthetic instruments (nothing fitted).
    """
    if build.synthetic:
        return pl.DataFrame(schema={"fit_start": pl.Date, "fit_end": pl.Date,
                                    "first_forecast": pl.Date, "last_forecast": pl.Date,
                                    "days": pl.UInt32})
    days = pl.DataFrame({"date": build.dates, "fit_start": build.fit_start,
                         "fit_end": build.fit_end})
    return group_fit_windows(days).rename(
        {"first_date": "first_forecast", "last_date": "last_forecast", "n_days": "days"})
