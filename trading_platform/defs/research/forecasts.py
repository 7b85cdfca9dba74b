"""forecasts: out-of-sample prediction matrices per commodity and model, with their checks."""

import time
from dataclasses import asdict

import dagster as dg
import numpy as np
import polars as pl
from pydantic import Field

from trading_platform.defs.automation import WEEKLY_STEP
from trading_platform.defs.ops.check_results import check_results, to_metadata
from trading_platform.defs.research.forecast_tracking import (
    forecast_charts,
    forecast_metadata,
    track_forecast,
)
from trading_platform.defs.research.staleness import (
    FORECASTS_CURRENT,
    inputs_current_result,
    inputs_current_spec,
)
from trading_platform.defs.teams import RESEARCH_TEAM
from trading_platform.defs.universe import FORECAST_PARTITIONS, ZOO
from trading_platform.domain.evidence import CheckOutcome
from trading_platform.domain.forecasting.build import build_forecast, daily_prediction_matrix
from trading_platform.domain.forecasting.checks import (
    evaluate_forecast_checks,
    forecasts_match_truncated_recompute,
    recompute_days,
)
from trading_platform.domain.forecasting.matrices import MatrixStore
from trading_platform.domain.forecasting.protocol import WalkForwardConfig
from trading_platform.domain.forecasting.targets import feature_definitions_hash
from trading_platform.domain.forecasting.walk_forward import KeptFits
from trading_platform.domain.partition_keys import commodity_model_key
from trading_platform.resources.forecast_files import record_checks, write_matrices
from trading_platform.resources.forecast_store import FitFolder, ForecastStore, fit_identity
from trading_platform.resources.tracker import MlflowTracker
from trading_platform.resources.warehouse import Warehouse

FORECASTS_KEY = dg.AssetKey("forecasts")
FORECAST_CHECK_SPECS = [
    dg.AssetCheckSpec("forecasts_shape_and_finite", asset=FORECASTS_KEY, blocking=True),
    dg.AssetCheckSpec("forecasts_fit_before_forecast_day", asset=FORECASTS_KEY, blocking=True),
    dg.AssetCheckSpec("forecasts_match_truncated_recompute", asset=FORECASTS_KEY, blocking=True),
    dg.AssetCheckSpec("synthetic_accuracy_matches_nominal", asset=FORECASTS_KEY, blocking=True),
    dg.AssetCheckSpec("forecasts_band_coverage_calibrated", asset=FORECASTS_KEY),
    inputs_current_spec(FORECASTS_CURRENT),
]
# Each (commodity, model) reads every date of its commodity's features.
FEATURES_TO_FORECASTS = dg.MultiPartitionMapping({
    "commodity": dg.DimensionPartitionMapping("commodity", dg.IdentityPartitionMapping()),
})


def _refit_logger(context: dg.AssetExecutionContext):
    """Log every tenth refit and the last, so a long build shows where it is."""
    def report(done: int, total: int) -> None:
        if done % 10 == 0 or done == total:
            context.log.info(f"refit {done} of {total}")
    return report


class ForecastsConfig(dg.Config):
    """Walk-forward knobs; the defaults are the research protocol, the demo uses a lighter one."""

    refit_every: int = Field(default=21, description="Trading days between refits.")
    oos_years: float = Field(default=5.0, description="Out-of-sample span: the last N years.")
    n_paths: int = Field(default=500, description="Simulated price paths per forecast day.")
    residual_window: int = Field(
        default=250, description="Recent out-of-sample residual vectors bootstrapped into paths."
    )
    seed: int = Field(default=7, description="Seed of the path bootstrap and synthetic noise.")
    recompute_days: int = Field(
        default=2, ge=1, description="Stored days re-derived from history truncated at the day "
        "(the last one and seeded random others) by forecasts_match_truncated_recompute.")

    def walk_forward(self) -> WalkForwardConfig:
        return WalkForwardConfig(
            refit_every=self.refit_every, oos_years=self.oos_years, n_paths=self.n_paths,
            residual_window=self.residual_window, seed=self.seed,
        )


def _recompute_outcome(store: MatrixStore, table: pl.DataFrame, model: str,
                       walk: WalkForwardConfig, uses_future: bool, count: int,
                       fits: KeptFits) -> CheckOutcome:
    """forecasts_match_truncated_recompute on ``count`` stored days (seeded by the store),
    reusing the build's fits whose training rows the truncated history reproduces exactly."""
    days = recompute_days(store.dates, count, seed=store.dates.size)
    made: list[np.ndarray | str] = []
    for day in [] if uses_future else days:
        try:
            made.append(daily_prediction_matrix(
                table.filter(pl.col("date") <= day.astype(object)), model, ZOO, walk, day, fits))
        except ValueError as error:
            made.append(str(error))
    kept = [] if uses_future else [np.asarray(store.matrix(day)) for day in days]
    return forecasts_match_truncated_recompute([] if uses_future else days, kept, made,
                                               uses_future, fits.hits)


def _fit_caches(store: ForecastStore, commodity: str,
                model: str) -> tuple[KeptFits, dict[str, FitFolder]]:
    """The build's fits, kept in memory for the recompute check (which reuses those its
    truncated history reproduces) and, for a fitted model, in its fit folder for the daily
    path and the ensembles; for an ensemble, its members' folders, which their partitions
    filled (its own fits are not kept on disk: they are its members')."""
    spec = ZOO.models[model]
    members = store.member_fits(commodity, ZOO, model)
    if spec.synthetic or members:
        return KeptFits(), members
    return KeptFits(also=store.fits(commodity, model, fit_identity(ZOO, model))), members


@dg.asset(
    partitions_def=FORECAST_PARTITIONS,
    group_name="research",
    owners=RESEARCH_TEAM,
    # Model fits spin OpenMP threads on every core: two concurrent walk-forwards on 2 cores took
    # 50 s each against 12.4 s one after the other. One at a time here; on several machines
    # raise it (`dagster instance concurrency set model_training N`).
    pool="model_training",
    deps=[dg.AssetDep("features", partition_mapping=FEATURES_TO_FORECASTS)],
    check_specs=FORECAST_CHECK_SPECS,
    kinds={"xgboost", "mlflow"},
    automation_condition=WEEKLY_STEP,
)
def forecasts(
    context: dg.AssetExecutionContext, config: ForecastsConfig, warehouse: Warehouse,
    forecast_store: ForecastStore, tracker: MlflowTracker,
) -> dg.MaterializeResult:
    """Out-of-sample prediction matrices (paths x 14 horizons a day) of one model and commodity."""
    began = time.perf_counter()
    keys = context.partition_key.keys_by_dimension
    commodity, model = keys["commodity"], keys["model"]
    table = warehouse.read_features(commodity)
    if table.is_empty():
        raise dg.Failure(f"no features stored for {commodity}: materialize market_data and "
                         f"features for {commodity} first (e.g. `make demo`)")
    walk = config.walk_forward()
    context.log.info(f"{commodity} x {model}: walk-forward over {table.height} feature rows")
    fits, member_fits = _fit_caches(forecast_store, commodity, model)
    try:
        build = build_forecast(table, model, ZOO, walk, progress=_refit_logger(context),
                               fits=fits, member_fits=member_fits)
    except ValueError as error:  # too little history, unknown model: name the partition
        raise dg.Failure(f"forecasts {commodity_model_key(commodity, model)}: {error}") from error
    context.log.info(f"fitted {build.schedule.size} refits in {build.timings['fit_s']:.1f} s")
    spec = ZOO.models[model]
    tags = {"dagster_run_id": context.run.run_id, "dagster_partition": context.partition_key,
            "commodity": commodity, "model": model, "synthetic": str(spec.synthetic).lower(),
            "data_range": f"{build.data_start}..{build.data_end}",
            "feature_hash": feature_definitions_hash()}
    charts = forecast_charts(build, commodity, model)
    with tracker.run("forecasts", f"{commodity}/{model}", tags) as run:
        folder = write_matrices(
            forecast_store.folder(commodity, model), build.dates, build.paths, build.fit_start,
            build.fit_end, {**tags, "mlflow_run_id": run.run_id, "spec": spec.model_dump(),
                            "walk_forward": asdict(walk), "uses_future": build.uses_future},
        )
        stored = forecast_store.open(commodity, model)
        outcomes = evaluate_forecast_checks(stored, build.close_today, build.future_closes, spec,
                                            walk.n_paths)
        outcomes.insert(2, _recompute_outcome(stored, table, model, walk, build.uses_future,
                                              config.recompute_days, fits))
        record_checks(folder, {o.name: {"passed": o.passed, "severity": o.severity,
                                        "description": o.description} for o in outcomes})
        track_forecast(run, build, spec, walk, charts, outcomes)
    metadata = forecast_metadata(build, walk, folder, run.run_id, charts)
    return dg.MaterializeResult(
        metadata=metadata | to_metadata({"total_s": round(time.perf_counter() - began, 2)}),
        check_results=[*check_results(outcomes, FORECASTS_KEY), inputs_current_result(
            FORECASTS_CURRENT, f"{build.data_start}..{build.data_end}")],
    )
