"""What a backtest leaves for people: charts, UI metadata, and the comparison's files."""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg
import polars as pl

from trading_platform.defs.ops.check_results import png_markdown, to_metadata
from trading_platform.defs.research.forecast_tracking import markdown_table
from trading_platform.domain.inventory.backtest import BacktestFrames
from trading_platform.domain.inventory.model_backtest import ModelBacktest
from trading_platform.domain.reporting.inventory_charts import (
    best_earnings_chart,
    cumulative_net_chart,
    cumulative_proceeds_chart,
    inventory_chart,
    net_earnings_chart,
    prediction_advantage_chart,
    trading_timeline_chart,
    value_of_accuracy_chart,
)

TABLE_COLUMNS = ("strategy", "family", "net_earnings", "gross_proceeds", "transaction_costs",
                 "storage_costs", "price_capture", "n_sales", "forced_volume", "sharpe",
                 "max_drawdown", "calmar", "turnover")
CHART_CAPTIONS = {
    "net_earnings": "net earnings by strategy",
    "trading_timeline": "trading timeline: sales over the price",
    "cumulative_proceeds": "cumulative proceeds without costs",
    "cumulative_net": "cumulative net proceeds with costs",
    "inventory": "inventory drawdown",
}


def partition_charts(frames: BacktestFrames, commodity: str, model: str,
                     synthetic: bool) -> dict[str, bytes]:
    """The five partition charts by file stem (see ``CHART_CAPTIONS``)."""
    label = f"{commodity} x {model}" + (" (SYNTHETIC)" if synthetic else "")
    families = dict(frames.metrics.select("strategy", "family").iter_rows())
    shown = list(dict.fromkeys(s for s in (frames.summary["best_baseline"],
                                           frames.summary["best_forecast"]) if isinstance(s, str)))
    return {
        "net_earnings": net_earnings_chart(frames.metrics, f"{label}: net earnings by strategy"),
        "trading_timeline": trading_timeline_chart(
            frames.daily, frames.sales, shown, f"{label}: sales of the best baseline and the "
            "best forecast strategy"),
        "cumulative_proceeds": cumulative_proceeds_chart(
            frames.daily, f"{label}: cumulative proceeds (gross, without costs)", families),
        "cumulative_net": cumulative_net_chart(
            frames.daily, f"{label}: cumulative net proceeds (after costs)", families),
        "inventory": inventory_chart(frames.daily, f"{label}: inventory held", families),
    }


def partition_metadata(run: ModelBacktest, charts: dict[str, bytes], timings: dict[str, float],
                       folder: str) -> dict[str, dg.MetadataValue]:
    """Headline figures, the metrics table, the charts and where the files are."""
    frames = run.frames
    table = frames.metrics.select(TABLE_COLUMNS).sort("net_earnings", descending=True)
    headline = {key: value for key, value in frames.summary.items() if value is not None}
    return {
        **to_metadata(headline),
        **to_metadata({"forecast_accuracy_14d": frames.accuracy,
                       "risk_adjusted_tiers": frames.tiers,
                       "window": f"{run.aligned.dates[0]}..{run.aligned.dates[-1]}",
                       "n_days": int(run.aligned.dates.size),
                       "missing_forecast_days": run.aligned.missing_days,
                       "ignored_forecast_days": run.aligned.ignored_days,
                       **{k: round(v, 4) for k, v in timings.items()}}),
        "metrics": dg.MetadataValue.md(markdown_table(table, digits=3)),
        "forced_liquidation": dg.MetadataValue.md(markdown_table(frames.forced, digits=3)),
        **{f"chart_{name}": png_markdown(png, CHART_CAPTIONS[name])
           for name, png in charts.items()},
        "folder": dg.MetadataValue.path(folder),
    }


@dataclass(frozen=True)
class ComparisonOutputs:
    """Files (name -> content, written under reports/backtests/) and UI metadata."""

    files: dict[str, bytes | str]
    metadata: dict[str, dg.MetadataValue]


def comparison_outputs(summary: pl.DataFrame, detailed: pl.DataFrame) -> ComparisonOutputs:
    """Summary and detailed CSVs and the three cross-commodity charts."""
    charts = {
        "prediction_advantage": prediction_advantage_chart(
            summary, "prediction advantage: forecast strategies vs their A/B twins (%)"),
        "best_earnings": best_earnings_chart(summary, "best net earnings per commodity x model"),
        "value_of_accuracy": value_of_accuracy_chart(
            detailed, "value of accuracy: forecast strategies' net earnings vs accuracy"),
    }
    files: dict[str, bytes | str] = {
        "comparison_summary.csv": summary.write_csv(),
        "comparison_detailed.csv": detailed.write_csv(),
        **{f"{name}.png": png for name, png in charts.items()},
    }
    shown = summary.select("commodity", "model", "synthetic", "best_overall", "best_overall_net",
                           "advantage_pct", "advantage_low", "advantage_high", "accuracy")
    return ComparisonOutputs(files=files, metadata={
        "summary": dg.MetadataValue.md(markdown_table(shown, digits=3)),
        **{f"chart_{name}": png_markdown(png, name.replace("_", " "))
           for name, png in charts.items()},
    })
