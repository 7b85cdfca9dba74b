"""Research built on prices that were revised since: flagged stale in the UI.

``forecasts`` and ``backtest_results`` each declare a WARN check (``forecasts_inputs_current``,
``backtest_inputs_current``) that passes when the partition is built. When a vendor file later
revises stored closes of a commodity, ``flag_stale_research`` records a failed evaluation of
that check for every forecasts and backtest partition of the commodity (they read its whole
history), naming the revised dates. The UI shows the partition's check failed and the alert
sensor sends it on; rebuilding the partition records a passing evaluation again.
"""

from __future__ import annotations

import dagster as dg
import polars as pl

from trading_platform.defs.ops.check_results import to_metadata
from trading_platform.defs.universe import UNIVERSE, ZOO
from trading_platform.domain.partition_keys import commodity_model_key

FORECASTS_CURRENT = "forecasts_inputs_current"
BACKTESTS_CURRENT = "backtest_inputs_current"
_TARGETS = {
    FORECASTS_CURRENT: (dg.AssetKey("forecasts"), lambda: UNIVERSE.commodity_keys),
    BACKTESTS_CURRENT: (dg.AssetKey("backtest_results"), lambda: UNIVERSE.harvested_keys),
}


def inputs_current_spec(check_name: str) -> dg.AssetCheckSpec:
    asset_key, _ = _TARGETS[check_name]
    return dg.AssetCheckSpec(check_name, asset=asset_key, description=(
        "Fails when prices this partition was built on were revised after it was built."))


def inputs_current_result(check_name: str, data_range: str) -> dg.AssetCheckResult:
    """The passing evaluation a partition records when it is built."""
    asset_key, _ = _TARGETS[check_name]
    return dg.AssetCheckResult(asset_key=asset_key, check_name=check_name, passed=True,
                               severity=dg.AssetCheckSeverity.WARN,
                               metadata=to_metadata({"built_on": data_range}))


def flag_stale_research(instance: dg.DagsterInstance, revised: pl.DataFrame, batch: str) -> int:
    """Record failed ``*_inputs_current`` evaluations for the research partitions of every
    commodity in ``revised`` (``REVISION_SCHEMA`` rows); returns how many were recorded."""
    recorded = 0
    for commodity, dates in revised.group_by("commodity").agg(pl.col("date").sort()).iter_rows():
        why = (f"{len(dates)} stored {commodity} close(s) revised by run {batch} "
               f"({dates[0]}..{dates[-1]}) after this partition was built; rebuild it")
        recorded += flag_commodity_research(instance, commodity, why, {
            "revised_dates": [str(d) for d in dates[:50]], "revised_closes": len(dates),
            "batch": batch})
    return recorded


def flag_commodity_research(instance: dg.DagsterInstance, commodity: str, why: str,
                            evidence: dict[str, object]) -> int:
    """Record a failed ``*_inputs_current`` evaluation, saying ``why``, on every forecasts and
    backtest partition of ``commodity``; returns how many were recorded."""
    recorded, metadata = 0, to_metadata(evidence)
    for check_name, (asset_key, commodities) in _TARGETS.items():
        if commodity not in commodities():
            continue
        for model in ZOO.keys:
            instance.report_runless_asset_event(dg.AssetCheckEvaluation(
                asset_key=asset_key, check_name=check_name, passed=False, metadata=metadata,
                severity=dg.AssetCheckSeverity.WARN, description=why,
                partition=commodity_model_key(commodity, model)))
            recorded += 1
    return recorded
