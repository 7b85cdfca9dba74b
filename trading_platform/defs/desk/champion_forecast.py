"""champion_forecast: each harvested commodity's prediction matrix for one trading day, from its
champion model. Its own asset, so the fit behind a live day shows in the asset graph and the
recommendation only loads what is stored; it is made by the desk's day step
(``trade_recommendations.desk_day``), which saves a step's overhead on every run."""

import datetime as dt

import dagster as dg
import numpy as np
import polars as pl

from trading_platform.defs.universe import ZOO
from trading_platform.domain.desk.inputs import Champion
from trading_platform.domain.forecasting.build import daily_prediction_matrix
from trading_platform.domain.forecasting.matrices import MatrixStore
from trading_platform.domain.forecasting.protocol import WalkForwardConfig
from trading_platform.domain.partition_keys import commodity_model_key
from trading_platform.resources.forecast_store import FitFolder, ForecastStore, fit_identity
from trading_platform.resources.warehouse import Warehouse

CHAMPION_FORECAST_KEY = dg.AssetKey("champion_forecast")


def todays_matrix(warehouse: Warehouse, store: MatrixStore, fits: FitFolder, commodity: str,
                  model: str, day: dt.date,
                  member_fits: dict[str, FitFolder] | None = None,
                  ) -> tuple[np.ndarray | None, str]:
    """(the champion's matrix for ``day`` or None without today's features, where it came from).

    A day the research store already holds is read from it: the store's row is the daily
    path's result bit for bit (same refit grid and leakage rule; tested with the forecasts).
    A later day runs the daily path: the model refitted only on closes before ``day``, where
    a refit on the same rows as an earlier day's (or the forecasts partition's) is read from
    ``fits`` instead of refitted, and an ensemble's members from ``member_fits``.
    """
    day64 = np.datetime64(day, "D")
    if (store.dates == day64).any():
        return np.asarray(store.matrix(day), dtype=np.float32), "research store"
    store_meta = store.meta.get("metadata", {})
    features = warehouse.read_features(commodity)
    if features.is_empty() or day not in set(features["date"]):
        return None, "no features for the day"
    walk = WalkForwardConfig(**store_meta.get("walk_forward", {}))
    try:
        matrix = daily_prediction_matrix(features.filter(pl.col("date") <= day), model, ZOO,
                                         walk, day64, fits, member_fits)
    except ValueError as error:
        raise dg.Failure(f"daily forecast {commodity_model_key(commodity, model)} on {day}: "
                         f"{error}") from error
    return matrix, "daily fit"


def champion_forecast_result(context: dg.AssetExecutionContext, warehouse: Warehouse,
                             forecast_store: ForecastStore, champion: Champion, commodity: str,
                             day: dt.date) -> dg.MaterializeResult:
    """Make and keep the day's live matrix of the traded model (none for a baseline strategy,
    which reads no forecast); the asset ``champion_forecast``'s materialization."""
    if not champion.spec.uses_forecast:
        forecast_store.remove_live(commodity, champion.model, day)
        context.log.info(f"{commodity} {day}: trading {champion.strategy}, which reads no "
                         f"forecast ({champion.basis_reason})")
        return dg.MaterializeResult(asset_key=CHAMPION_FORECAST_KEY, metadata={
            "model": champion.model, "source": "none needed", "basis": champion.basis})
    store = forecast_store.open(commodity, champion.model)
    fits = forecast_store.fits(commodity, champion.model, fit_identity(ZOO, champion.model))
    members = forecast_store.member_fits(commodity, ZOO, champion.model)
    matrix, source = todays_matrix(warehouse, store, fits, commodity, champion.model, day,
                                   members)
    metadata: dict[str, object] = {"model": champion.model, "source": source}
    if matrix is None:
        forecast_store.remove_live(commodity, champion.model, day)  # never a stale day's matrix
        context.log.warning(f"{commodity} {day}: no forecast ({source})")
        return dg.MaterializeResult(asset_key=CHAMPION_FORECAST_KEY, metadata=metadata)
    path = forecast_store.write_live(commodity, champion.model, day, matrix)
    return dg.MaterializeResult(asset_key=CHAMPION_FORECAST_KEY, metadata=metadata | {
        "paths": int(matrix.shape[0]), "horizons": int(matrix.shape[1]),
        "mean_day14_close": float(np.mean(matrix[:, -1])),
        "file": dg.MetadataValue.path(str(path))})
