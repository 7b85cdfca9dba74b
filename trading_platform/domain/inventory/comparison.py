"""The cross-commodity comparison of inventory backtests: every commodity x model side by side.

``summary`` has one row per (commodity, model): whether the model is synthetic, its measured
14-day directional accuracy, the best baseline, best forecast strategy and best overall with
their net earnings, and the prediction advantage: the mean paired advantage of the forecast
strategies over their own A/B twins, absolute, in % and with its interval
(``inventory.advantage``). ``detailed`` has one row per (commodity, model, strategy) with every
metric, plus the model's nominal accuracy where it is synthetic (the x-axis of the
value-of-accuracy chart).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from trading_platform.domain.partition_keys import commodity_model_key

SUMMARY_COLUMNS = ("commodity", "model", "synthetic", "accuracy", "best_baseline",
                   "best_baseline_net", "best_forecast", "best_forecast_net", "best_overall",
                   "best_overall_net", "advantage", "advantage_pct", "advantage_low",
                   "advantage_high")


def _model_table(nominal: Mapping[str, float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {"model": list(nominal), "synthetic": [value is not None for value in nominal.values()],
         "nominal_accuracy": [float("nan") if v is None else float(v) for v in nominal.values()]},
        schema={"model": pl.String, "synthetic": pl.Boolean, "nominal_accuracy": pl.Float64})


def comparison_tables(
    summaries: pl.DataFrame, metrics: pl.DataFrame, nominal: Mapping[str, float | None]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(summary, detailed) from the stored per-partition summaries and metrics.

    ``nominal`` maps every model of the zoo to its nominal accuracy (synthetic) or None (real);
    a stored model missing from it (removed from the zoo since) is left out.
    """
    models = _model_table(nominal)
    if summaries.is_empty():
        return pl.DataFrame(schema=dict.fromkeys(SUMMARY_COLUMNS, pl.String)), pl.DataFrame()
    summary = (summaries.join(models, on="model", how="inner")
               .select(SUMMARY_COLUMNS).sort("commodity", "model"))
    detailed = (metrics.join(models, on="model", how="inner")
                .join(summaries.select("commodity", "model", "accuracy"),
                      on=["commodity", "model"], how="left")
                .sort("commodity", "model", "family", "strategy"))
    first = ["commodity", "model", "synthetic", "accuracy", "nominal_accuracy", "strategy",
             "family"]
    return summary, detailed.select(first + [c for c in detailed.columns if c not in first])


def missing_partitions(
    summary: pl.DataFrame, commodities: list[str], models: list[str]
) -> list[str]:
    """``commodity|model`` keys with no stored backtest, in partition-key form."""
    done = set(zip(summary["commodity"].to_list(), summary["model"].to_list(), strict=True)) if (
        summary.height) else set()
    return [commodity_model_key(c, m) for c in commodities for m in models if (c, m) not in done]


def headline_by_kind(summary: pl.DataFrame) -> dict[str, float]:
    """The mean prediction advantage (%) over real models only, and separately over the
    synthetic-accuracy models (the value of accuracy, never a claim about the real ones)."""
    def mean(rows: pl.DataFrame) -> float:
        values = rows["advantage_pct"].cast(pl.Float64).fill_nan(None).drop_nulls()
        return float(values.mean()) if values.len() else float("nan")  # type: ignore[arg-type]

    return {"mean_advantage_pct_real_models": mean(summary.filter(~pl.col("synthetic"))),
            "mean_advantage_pct_synthetic_models": mean(summary.filter(pl.col("synthetic")))}
