"""What model_candidates and champion_model record: the candidate windows, the champion's
provenance row (with what the desk trades), registry tags and checks."""

from __future__ import annotations

import datetime as dt
import json

import dagster as dg
import polars as pl

from trading_platform.config.selection import SelectionConfig
from trading_platform.domain.evidence import CheckOutcome
from trading_platform.domain.partition_keys import commodity_model_key
from trading_platform.domain.reporting.selection_report import decision_sentence
from trading_platform.domain.selection.candidates import Candidates
from trading_platform.domain.selection.champion import ChampionDecision
from trading_platform.domain.selection.trading_choice import TradingChoice
from trading_platform.domain.selection.windows import Windows
from trading_platform.domain.statuses import ChampionStatus
from trading_platform.resources.forecast_store import ForecastStore

PROVENANCE = ("version", "spec_hash", "data_range", "backtest_run", "forecast_run")
METRICS = ("value_added", "sharpe", "max_drawdown", "calmar", "turnover",
           "regime_consistency", "n_candidates", "dsr", "holdout_sharpe", "holdout_sharpe_low",
           "holdout_sharpe_high", "holdout_value_added", "holdout_max_drawdown")
WINDOW_COLUMNS = ("selection_start", "selection_end", "holdout_start", "holdout_end")


def window_columns(windows: Windows) -> dict[str, pl.Expr]:
    """The selection window and holdout bounds as literal Date columns (holdout may be None)."""
    selection = windows.span(windows.selection)
    holdout = windows.span(windows.holdout) or (None, None)
    values = dict(zip(WINDOW_COLUMNS, (*selection, *holdout), strict=True))  # type: ignore[misc]
    return {name: pl.lit(value, dtype=pl.Date) for name, value in values.items()}


def shared_dates_outcome(built: Candidates) -> CheckOutcome:
    """Blocking: every candidate was backtested on exactly the dates they all share."""
    unequal = built.unequal_windows
    shared = built.windows.dates
    return CheckOutcome(
        "candidates_share_dates", not unequal, "ERROR",
        f"every candidate compared on the same {shared.size} dates" if not unequal else
        f"{len(unequal)} candidate(s) have other dates than the {shared.size} all share, e.g. "
        f"{unequal[0]['model']} x {unequal[0]['strategy']} ({unequal[0]['days']} days "
        f"{unequal[0]['first']}..{unequal[0]['last']}): rebuild their forecasts and backtests "
        "with the same walk-forward so every candidate is judged on the same days",
        {"observed": [{k: str(v) for k, v in row.items()} for row in unequal[:10]],
         "threshold": "identical dates", "shared_days": int(shared.size)})


def last_confirmed(history: pl.DataFrame, cut: dt.date | None) -> dict[str, object] | None:
    """The latest confirmed champion selected on data that ended before ``cut`` (None: none)."""
    if history.is_empty() or cut is None:
        return None
    earlier = history.filter((pl.col("status") == str(ChampionStatus.CONFIRMED))
                             & (pl.col("selected_through") < cut))
    return earlier.sort("selected_through").row(-1, named=True) if earlier.height else None


def latest_backtest_run(instance: dg.DagsterInstance, commodity: str, model: str) -> str:
    """The run id of the latest backtest_results materialization of ``commodity|model``."""
    found = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("backtest_results"),
                              asset_partitions=[commodity_model_key(commodity, model)]), limit=1,
        ascending=False)
    return found.records[0].run_id if found.records else ""


def _fitted_through(forecast_store: ForecastStore, commodity: str,
                    model: str) -> tuple[dict, str, dt.date | None]:
    """(the model's forecast-store metadata, its data range, the range's last date)."""
    meta = forecast_store.open(commodity, model).meta.get("metadata", {})
    data_range = str(meta.get("data_range", ""))
    return meta, data_range, (dt.date.fromisoformat(data_range.split("..")[-1])
                              if data_range else None)


def champion_record(
    context: dg.AssetExecutionContext, commodity: str, decision: ChampionDecision,
    choice: TradingChoice, windows: dict[str, dt.date | None], forecast_store: ForecastStore,
    selection: SelectionConfig,
) -> tuple[dict[str, object], dict[str, str]]:
    """The research.champions row (without its registry version) and the registry tags.
    ``fitted_through`` is the data end of the model the desk trades (``trading_model``)."""
    meta, data_range, trading_fitted = _fitted_through(forecast_store, commodity, decision.model)
    if choice.model != decision.model:
        _, _, trading_fitted = _fitted_through(forecast_store, commodity, choice.model)
    record: dict[str, object] = {
        "model": decision.model, "strategy": decision.strategy,
        "spec_hash": decision.spec_hash, "status": str(decision.status), "score": decision.score,
        "basis": str(choice.basis), "trading_model": choice.model,
        "trading_strategy": choice.strategy, "trading_spec_hash": choice.spec_hash,
        "basis_reason": choice.reason,
        "forecast_run": str(meta.get("mlflow_run_id", "")),
        "backtest_run": latest_backtest_run(context.instance, commodity, decision.model),
        "data_range": data_range, "fitted_through": trading_fitted,
        **windows, "selected_through": windows["holdout_end"] or windows["selection_end"],
        "walk_forward": json.dumps(meta.get("walk_forward", {}), sort_keys=True),
        "selection_hash": selection.content_hash, "selection_run": context.run.run_id,
        "selected_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
        **{name: float(decision.row.get(name, float("nan"))) for name in METRICS},
        "reasons": "\n".join(decision.reasons),
    }
    key = "|".join(str(record[k]) for k in ("model", "strategy", "spec_hash", "forecast_run",
                                            "status", "selected_through"))
    tags = {"champion_key": key, **{k: str(v) for k, v in record.items()
                                    if k not in ("reasons", "selected_at")}}
    return record, tags


def champion_outcomes(decision: ChampionDecision, record: dict[str, object]) -> list[CheckOutcome]:
    """WARN when the champion is not confirmed (with the evidence); ERROR when provenance is
    incomplete."""
    missing = [name for name in PROVENANCE if not record.get(name)]
    return [
        CheckOutcome(
            "champion_meets_thresholds_and_benchmarks", decision.passed, "WARN",
            decision_sentence(decision), {
                "status": str(decision.status), "reasons": decision.reasons,
                "criteria": [{"name": c.name, "passed": c.passed, "observed": str(c.observed),
                              "threshold": str(c.threshold)} for c in decision.criteria],
                "basis": record["basis"], "basis_reason": record["basis_reason"],
                "best_baseline": {k: str(v) for k, v in decision.best_baseline.items()},
                "best_random_walk": {k: str(v) for k, v in decision.best_random_walk.items()}}),
        CheckOutcome(
            "champion_provenance_complete", not missing, "ERROR",
            "model version, strategy hash, data range, backtest run and forecasts run recorded"
            if not missing else f"champion provenance incomplete: {missing} missing; rerun the "
            "forecasts and backtest_results partitions of the champion, then champion_model",
            {"observed": missing, "threshold": list(PROVENANCE),
             **{name: str(record.get(name, "")) for name in PROVENANCE}}),
    ]
