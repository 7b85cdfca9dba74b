"""What champion_model records: the champion's provenance row, registry tags and checks."""

from __future__ import annotations

import datetime as dt
import json

import dagster as dg

from trading_platform.config.selection import SelectionConfig
from trading_platform.domain.evidence import CheckOutcome
from trading_platform.domain.partition_keys import commodity_model_key
from trading_platform.domain.reporting.selection_report import decision_sentence
from trading_platform.domain.selection.champion import ChampionDecision, Incumbent
from trading_platform.resources.forecast_store import ForecastStore
from trading_platform.resources.registry import ChampionVersion

PROVENANCE = ("version", "spec_hash", "data_range", "backtest_run", "forecast_run")
METRICS = ("net_earnings", "sharpe", "max_drawdown", "calmar", "turnover",
           "regime_consistency")


def incumbent_of(current: ChampionVersion | None) -> Incumbent | None:
    """The registered champion as the selection rule's incumbent (None without one)."""
    if current is None:
        return None
    tags = current.tags
    return Incumbent(model=tags.get("model", ""), strategy=tags.get("strategy", ""),
                     spec_hash=tags.get("spec_hash", ""), version=current.version)


def latest_backtest_run(instance: dg.DagsterInstance, commodity: str, model: str) -> str:
    """The run id of the latest backtest_results materialization of ``commodity|model``."""
    found = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("backtest_results"),
                              asset_partitions=[commodity_model_key(commodity, model)]), limit=1,
        ascending=False)
    return found.records[0].run_id if found.records else ""


def champion_record(
    context: dg.AssetExecutionContext, commodity: str, decision: ChampionDecision,
    forecast_store: ForecastStore, selection: SelectionConfig,
) -> tuple[dict[str, object], dict[str, str]]:
    """The research.champions row (without its registry version) and the registry tags."""
    meta = forecast_store.open(commodity, decision.model).meta.get("metadata", {})
    data_range = str(meta.get("data_range", ""))
    fitted_through = dt.date.fromisoformat(data_range.split("..")[-1]) if data_range else None
    record: dict[str, object] = {
        "model": decision.model, "strategy": decision.strategy,
        "spec_hash": decision.spec_hash, "status": str(decision.status), "score": decision.score,
        "forecast_run": str(meta.get("mlflow_run_id", "")),
        "backtest_run": latest_backtest_run(context.instance, commodity, decision.model),
        "data_range": data_range, "fitted_through": fitted_through,
        "walk_forward": json.dumps(meta.get("walk_forward", {}), sort_keys=True),
        "selection_hash": selection.content_hash, "selection_run": context.run.run_id,
        "selected_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
        **{name: float(decision.row.get(name, float("nan"))) for name in METRICS},
        "reasons": "\n".join(decision.reasons),
    }
    key = "|".join(str(record[k]) for k in ("model", "strategy", "spec_hash", "forecast_run"))
    tags = {"champion_key": key, **{k: str(v) for k, v in record.items()
                                    if k not in ("reasons", "selected_at")}}
    return record, tags


def champion_outcomes(decision: ChampionDecision, record: dict[str, object]) -> list[CheckOutcome]:
    """WARN when nothing passed (with the evidence); ERROR when provenance is incomplete."""
    missing = [name for name in PROVENANCE if not record.get(name)]
    return [
        CheckOutcome(
            "champion_meets_thresholds_and_benchmarks", decision.passed, "WARN",
            decision_sentence(decision), {
                "status": str(decision.status), "reasons": decision.reasons,
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
