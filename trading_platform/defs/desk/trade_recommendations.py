"""trade_recommendations: each harvested commodity's action for one trading day, behind the
blocking safety validators, the circuit breakers and the backtest-live parity check."""

import datetime as dt

import dagster as dg
from pydantic import Field

from trading_platform.config.risk_limits import RiskLimits, load_risk_limits
from trading_platform.defs.automation import DAILY_STEP
from trading_platform.defs.desk.inputs import day_inputs, store_day
from trading_platform.defs.desk.partition_mappings import BY_COMMODITY, SAME_COMMODITY_AND_DATE
from trading_platform.defs.ops.check_results import check_results, to_metadata
from trading_platform.defs.teams import DESK_TEAM
from trading_platform.defs.universe import TRADING_PARTITIONS
from trading_platform.domain.desk.day import VALIDATORS, trading_day
from trading_platform.resources.forecast_store import ForecastStore
from trading_platform.resources.warehouse import Warehouse

RECOMMENDATIONS_KEY = dg.AssetKey("trade_recommendations")


class TradingConfig(dg.Config):
    """Where the risk limits come from (the bundled YAML unless a path is given)."""

    risk_limits: str = Field(default="", description="Path to a risk_limits.yaml; empty: the "
                             "bundled trading_platform/config/risk_limits.yaml.")

    def limits(self) -> RiskLimits:
        return load_risk_limits(self.risk_limits or None)


@dg.asset(
    partitions_def=TRADING_PARTITIONS,
    group_name="trading",
    owners=DESK_TEAM,
    pool="duckdb_write",
    deps=[dg.AssetDep("market_data", partition_mapping=SAME_COMMODITY_AND_DATE),
          dg.AssetDep("features", partition_mapping=SAME_COMMODITY_AND_DATE),
          dg.AssetDep("champion_forecast", partition_mapping=SAME_COMMODITY_AND_DATE),
          dg.AssetDep("champion_model", partition_mapping=BY_COMMODITY)],
    check_specs=[dg.AssetCheckSpec(name, asset=RECOMMENDATIONS_KEY, blocking=True)
                 for name in VALIDATORS],
    kinds={"numba", "duckdb"},
    automation_condition=DAILY_STEP,
)
def trade_recommendations(
    context: dg.AssetExecutionContext, config: TradingConfig, warehouse: Warehouse,
    forecast_store: ForecastStore,
) -> dg.MaterializeResult:
    """Today's recommendation for one commodity's stored harvest (SELL / HOLD / FORCED_SALE),
    why, and the paper ledger's book after it; nothing is actionable unless every validator
    passed."""
    keys = context.partition_key.keys_by_dimension
    commodity, day = keys["commodity"], dt.date.fromisoformat(keys["date"])
    limits = config.limits()
    inputs = day_inputs(context, warehouse, forecast_store, commodity, day, limits.parity.days)
    result = trading_day(inputs, limits)
    store_day(warehouse, result, commodity, day)
    rec = result.recommendation
    context.log.info(f"{commodity} {day}: {rec['status']} {rec['action']} "
                     f"{rec['quantity']:,.2f} - {rec['explanation']}")
    if result.new_halt is not None:
        context.log.error(f"{commodity} {day}: HALTED - {result.new_halt['reason']}")
    return dg.MaterializeResult(
        metadata=to_metadata({
            k: rec[k] for k in ("status", "action", "quantity", "share_of_inventory",
                                "reference_price", "net_proceeds", "tier", "model",
                                "model_version", "strategy", "strategy_hash", "champion_status",
                                "closing_inventory", "value", "explanation", "halted_reason")}
            | {"mode": limits.execution.mode, "risk_limits_hash": limits.content_hash}),
        check_results=list(check_results(result.outcomes, RECOMMENDATIONS_KEY)))
