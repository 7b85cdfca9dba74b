"""Expanding-window walk-forward forecasts and their residual-bootstrap price paths.

A forecast for row t is issued at t's close from X[t]; its paths are closes t+1 .. t+14.
Leakage rule: a model refitted at row r trains only on rows t with ``t + HORIZONS < r``, so
every close in its targets is dated before r. Refit rows lie on a grid anchored at the first
row with ``min_train_rows`` such training rows, stepping ``refit_every`` rows; the grid depends
only on the start of the data, so a forecast for day t is the same whether the data end at t
or years later. ``daily_forecast`` and ``walk_forward`` share ``_forecast_window``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from trading_platform.domain.forecasting.paths import (
    forecast_paths,
    min_residuals,
    residual_pools,
)
from trading_platform.domain.forecasting.protocol import (
    HORIZONS,
    FitCache,
    ForecastModel,
    WalkForwardConfig,
    training_key,
)
from trading_platform.domain.forecasting.targets import targets

ModelFactory = Callable[[], ForecastModel]
Progress = Callable[[int, int], None]  # (refits done, refits in all), called after each refit


@dataclass(frozen=True)
class WalkForwardResult:
    """Out-of-sample forecasts, one row per forecast day (arrays aligned on ``dates``).

    ``point`` (n, 14) log returns, ``paths`` (n, n_paths, 14) float32 closes, ``realised``
    (n, 14) realised log returns (NaN where not yet known), ``refit_date``/``fit_start``/
    ``fit_end`` the refit day and first/last close date of the fit behind each row, and
    ``schedule`` every refit day fitted, including burn-in refits before the out-of-sample
    window whose forecasts only feed the residual pool; ``final_model`` the model of the last
    refit (what a daily forecast after the window would use until the next refit).
    """

    dates: np.ndarray
    point: np.ndarray
    paths: np.ndarray
    realised: np.ndarray
    refit_date: np.ndarray
    fit_start: np.ndarray
    fit_end: np.ndarray
    schedule: np.ndarray
    final_model: ForecastModel


class KeptFits:
    """A ``FitCache`` in memory: one build's fits, for the checks that re-derive its days.

    ``hits`` counts the fits handed back instead of refitted, so a check can say how many it
    reused. ``also`` receives every fit too (e.g. a folder the ensemble and the daily path read
    from), but is never read here: the build itself fits every refit.
    """

    def __init__(self, also: FitCache | None = None) -> None:
        self._fits: dict[str, ForecastModel] = {}
        self._also = also
        self.hits = 0

    def get(self, key: str) -> ForecastModel | None:
        model = self._fits.get(key)
        self.hits += model is not None
        return model

    def put(self, key: str, model: ForecastModel) -> None:
        self._fits[key] = model
        if self._also is not None:
            self._also.put(key, model)

    def __len__(self) -> int:
        return len(self._fits)


def oos_start(dates: np.ndarray, close: np.ndarray, config: WalkForwardConfig) -> int:
    """First row of the out-of-sample window: the last ``oos_years`` calendar years (365.25
    days a year), and no earlier than ``first_honest_row``."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    cutoff = dates[-1] - np.timedelta64(round(365.25 * config.oos_years), "D")
    return max(int(np.searchsorted(dates, cutoff, side="right")), first_honest_row(close, config))


def first_honest_row(close: np.ndarray, config: WalkForwardConfig) -> int:
    """The first row with a fit (``min_train_rows`` training rows) and a full pool of
    out-of-sample residuals (``paths.min_residuals``, from forecast days whose 14-day outcome
    is known): the first refit + 14 + that many rows."""
    return _honest_after(_first_refit(close, config), config)


def _honest_after(anchor: int, config: WalkForwardConfig) -> int:
    """``first_honest_row`` given the first refit row ``anchor``."""
    return anchor + HORIZONS + min_residuals(config)


def walk_forward(
    dates: np.ndarray,
    X: np.ndarray,
    close: np.ndarray,
    model_factory: ModelFactory,
    config: WalkForwardConfig,
    progress: Progress | None = None,
    fits: FitCache | None = None,
) -> WalkForwardResult:
    """Forecast every day of the window that ``oos_start`` opens; ``fits``, when given,
    receives every fit (and hands back any it already holds for the same training rows).

    Raises ValueError when the data never reach ``min_train_rows`` training rows.
    """
    dates = np.asarray(dates, dtype="datetime64[D]")
    start = oos_start(dates, close, config)
    return _forecast_window(dates, X, close, model_factory, config, start, progress, fits)


def daily_forecast(
    dates: np.ndarray,
    X: np.ndarray,
    close: np.ndarray,
    model_factory: ModelFactory,
    config: WalkForwardConfig,
    day: np.datetime64,
    fits: FitCache | None = None,
) -> np.ndarray:
    """Return ``day``'s ``(n_paths, 14)`` float32 path matrix, equal to its walk-forward row.

    Uses only rows up to ``day``: the fit sees closes before ``day``, the prediction ``day``'s
    own features and close. Raises ValueError when ``day`` is not a row or has no fit yet.
    With ``fits``, a refit whose training rows were fitted before (the previous day's window
    shares all but at most one refit) reuses that model, and every new fit is kept there.
    """
    dates = np.asarray(dates, dtype="datetime64[D]")
    row = int(np.searchsorted(dates, np.datetime64(day, "D")))
    if row == dates.shape[0] or dates[row] != np.datetime64(day, "D"):
        raise ValueError(f"daily_forecast: {day} is not a trading day of the data")
    stop = row + 1
    result = _forecast_window(
        dates[:stop], X[:stop], close[:stop], model_factory, config, row, fits=fits
    )
    return result.paths[0]


def _first_refit(close: np.ndarray, config: WalkForwardConfig) -> int:
    """Return the first row r with ``min_train_rows`` complete training rows t < r - HORIZONS."""
    complete = np.cumsum(np.isfinite(targets(close)).all(axis=1))
    reached = np.flatnonzero(complete >= config.min_train_rows)
    if reached.size == 0:
        raise ValueError(
            f"walk-forward: only {int(complete[-1]) if complete.size else 0} rows with a complete "
            f"{HORIZONS}-day target, min_train_rows is {config.min_train_rows}; supply more data"
        )
    return int(reached[0]) + HORIZONS + 1


def training_rows(complete: np.ndarray, refit: int) -> np.ndarray:
    """The rows a refit at row ``refit`` trains on: complete rows t with ``t + HORIZONS < refit``,
    so every close in their targets is dated before the refit day (the leakage rule)."""
    return np.flatnonzero(complete[: refit - HORIZONS])


def _fitted(model_factory: ModelFactory, X: np.ndarray, Y: np.ndarray,
            fits: FitCache | None, last: list[ForecastModel]) -> ForecastModel:
    """A model fitted on (X, Y), from ``fits`` when it holds one. ``last`` holds the model the
    factory returned before: a factory that hands out the same object again would make a
    cached fit change under its key when the object is refitted (a tuned model keeping the
    hyperparameters of other rows), so it is refused."""
    key = training_key(X, Y) if fits is not None else ""
    model = fits.get(key) if fits is not None else None
    if model is None:
        fresh = model_factory()
        if last and fresh is last[0]:
            raise ValueError("the model factory returned the object it had already returned: "
                             "refits must be separate objects, or cached fits alias each other")
        last[:] = [fresh]
        model = fresh.fit(X, Y)
        if fits is not None:
            fits.put(key, model)
    return model


def _forecast_window(
    dates: np.ndarray,
    X: np.ndarray,
    close: np.ndarray,
    model_factory: ModelFactory,
    config: WalkForwardConfig,
    start: int,
    progress: Progress | None = None,
    fits: FitCache | None = None,
) -> WalkForwardResult:
    """Forecast rows ``start`` .. end; fit every refit their forecasts or pools need."""
    n = dates.shape[0]
    Y = targets(close)
    complete = np.isfinite(Y).all(axis=1)
    anchor = _first_refit(close, config)
    honest = _honest_after(anchor, config)
    if start < honest:
        raise ValueError(
            f"walk-forward: {dates[start]} is before {dates[min(honest, n - 1)]}, the first day "
            f"with a fit and {min_residuals(config)} out-of-sample residuals for its paths")
    pool_from = max(anchor, start - HORIZONS - config.residual_window)
    first = anchor + (pool_from - anchor) // config.refit_every * config.refit_every
    schedule = np.arange(first, n, config.refit_every)
    point = np.full((n, HORIZONS), np.nan)
    refit_of = np.full(n, -1)
    fit_rows: dict[int, tuple[int, int]] = {}
    last: list[ForecastModel] = []
    for done, refit in enumerate(schedule, start=1):
        train = training_rows(complete, refit)
        model = _fitted(model_factory, X[train], Y[train], fits, last)
        block = slice(refit, min(refit + config.refit_every, n))
        point[block] = model.predict(X[block])
        refit_of[block] = refit
        fit_rows[refit] = (int(train[0]), int(train[-1]) + HORIZONS)
        if progress is not None:
            progress(done, schedule.size)
    rows = np.arange(start, n)
    pools = residual_pools(Y - point, rows, anchor, config)
    if getattr(model, "martingale", False):  # no drift by definition: centre its draws
        pools = [pool - pool.mean(axis=0) if pool.shape[0] else pool for pool in pools]
    refits = refit_of[rows]
    return WalkForwardResult(
        dates=dates[rows],
        point=point[rows],
        paths=forecast_paths(
            point[rows], pools, close[rows], config, day_keys=dates[rows].astype(np.int64)
        ),
        realised=Y[rows],
        refit_date=dates[refits],
        fit_start=dates[[fit_rows[r][0] for r in refits]],
        fit_end=dates[[fit_rows[r][1] for r in refits]],
        schedule=dates[schedule],
        final_model=model,
    )
