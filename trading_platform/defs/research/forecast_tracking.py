"""What a forecast build leaves for people: UI metadata and charts, and its MLflow run."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import dagster as dg
import numpy as np
import polars as pl

from trading_platform.config.models import ModelSpec
from trading_platform.defs.ops.check_results import png_markdown, to_metadata
from trading_platform.domain.evidence import CheckOutcome
from trading_platform.domain.forecasting.build import ForecastBuild, fit_schedule
from trading_platform.domain.forecasting.metrics import METRIC_COLUMNS, summarise
from trading_platform.domain.forecasting.protocol import WalkForwardConfig
from trading_platform.domain.forecasting.targets import FEATURE_COLUMNS
from trading_platform.domain.reporting.charts import bar_chart, fan_chart, horizon_chart
from trading_platform.resources.tracker import TrackedRun

FAN_HISTORY_DAYS = 60
HEADLINE_METRICS = ("rmse_h1", "rmse_h14", "directional_accuracy_h14", "ic_h14", "crps_mean",
                    "coverage_80_mean")


@dataclass(frozen=True)
class ForecastCharts:
    """PNG bytes of the charts, and the fit schedule as markdown and CSV."""

    fan: bytes
    horizon: bytes
    importance: bytes | None
    schedule_markdown: str
    schedule_csv: str


def markdown_table(frame: pl.DataFrame, digits: int = 4) -> str:
    """A GitHub-style markdown table of ``frame``, floats rounded to ``digits``."""
    def cell(value: object) -> str:
        return f"{value:.{digits}f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * frame.width]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join(lines)


def forecast_charts(build: ForecastBuild, commodity: str, model: str) -> ForecastCharts:
    """Fan chart of the last day, accuracy by horizon, importances, and the fit schedule."""
    label = f"{commodity} x {model}" + (" (SYNTHETIC: uses the realised future)"
                                        if build.synthetic else "")
    fan = fan_chart(build.close_today[-FAN_HISTORY_DAYS:], build.paths[-1],
                    f"{label}: forecast of {build.dates[-1]}")
    metrics = build.metrics
    horizon = horizon_chart(
        metrics["horizon"].to_numpy(),
        {name: metrics[name].to_numpy() for name in ("directional_accuracy", "coverage_80", "ic")},
        f"{label}: out-of-sample accuracy by horizon",
        reference={"coin flip (0.5)": 0.5, "nominal band (0.8)": 0.8},
    )
    importance = None
    if build.importance:
        names = list(build.importance)
        importance = bar_chart(names, [build.importance[n] for n in names],
                               f"{label}: feature importance, final fit", "share of split gain")
    schedule = fit_schedule(build)
    if schedule.is_empty():
        text = ("Nothing fitted: a synthetic instrument centres its paths on the realised future; "
                "its noise volatility comes from the 60 daily returns before each forecast day.")
    else:
        text = markdown_table(schedule)
    return ForecastCharts(fan=fan, horizon=horizon, importance=importance,
                          schedule_markdown=text, schedule_csv=schedule.write_csv())


def forecast_metadata(
    build: ForecastBuild, walk: WalkForwardConfig, folder: Path, mlflow_run_id: str,
    charts: ForecastCharts,
) -> dict[str, dg.MetadataValue]:
    """The partition's materialization metadata: window, timings, headline metrics, charts."""
    summary = summarise(build.metrics)
    return to_metadata({
        "synthetic": build.synthetic, "oos_days": int(build.dates.size),
        "oos_range": f"{build.dates[0]}..{build.dates[-1]}", "refits": int(build.schedule.size),
        "n_paths": walk.n_paths, "store": str(folder),
        "store_mb": round(sum(f.stat().st_size for f in folder.iterdir()) / 1e6, 2),
        "mlflow_run_id": mlflow_run_id, **{k: round(v, 2) for k, v in build.timings.items()},
        **{k: summary[k] for k in HEADLINE_METRICS},
    }) | {
        "metrics_by_horizon": dg.MetadataValue.md(markdown_table(build.metrics)),
        "fit_schedule": dg.MetadataValue.md(charts.schedule_markdown),
        "fan_chart": png_markdown(charts.fan, "fan chart"),
        "accuracy_by_horizon": png_markdown(charts.horizon, "accuracy by horizon"),
    }


def track_forecast(
    run: TrackedRun, build: ForecastBuild, spec: ModelSpec, walk: WalkForwardConfig,
    charts: ForecastCharts, outcomes: list[CheckOutcome],
) -> None:
    """Params, metrics (headline and per horizon as steps 1..14), charts, schedule and model."""
    run.log_params({**{f"model.{k}": v for k, v in spec.params.items()}, "model.kind": spec.kind,
                    **{f"walk_forward.{k}": v for k, v in asdict(walk).items()},
                    "oos_start": build.dates[0], "oos_end": build.dates[-1],
                    "oos_days": build.dates.size, "refits": build.schedule.size,
                    "features": ",".join(FEATURE_COLUMNS)})
    run.log_metrics({**summarise(build.metrics),
                     **{f"time_{k}": v for k, v in build.timings.items()},
                     "checks_failed": sum(not o.passed for o in outcomes)})
    for row in build.metrics.iter_rows(named=True):
        run.log_metrics({f"by_horizon.{name}": row[name] for name in METRIC_COLUMNS},
                        step=int(row["horizon"]))
    run.log_text(charts.schedule_csv, "fit_schedule.csv")
    run.log_text(build.metrics.write_csv(), "metrics_by_horizon.csv")
    run.log_text("\n".join(f"{o.name}: {'passed' if o.passed else 'FAILED'} - {o.description}"
                           for o in outcomes), "checks.txt")
    run.log_png(charts.fan, "plots/fan_chart.png")
    run.log_png(charts.horizon, "plots/accuracy_by_horizon.png")
    if charts.importance is not None:
        run.log_png(charts.importance, "plots/feature_importance.png")
    if build.model is not None:
        run.log_forecast_model(build.model, np.zeros((2, len(FEATURE_COLUMNS))))
