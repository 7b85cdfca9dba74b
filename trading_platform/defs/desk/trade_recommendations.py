"""trade_recommendations: each harvested commodity's action for one trading day, behind the
blocking safety validators, the circuit breakers and the backtest-live parity check. Made with
champion_forecast in one step (``desk_day``): a second step cost 0.28 s per commodity and day."""

import datetime as dt
from collections.abc import Iterator, Mapping

import dagster as dg
from pydantic import Field

from trading_platform.config.risk_limits import RiskLimits, load_risk_limits
from trading_platform.defs.automation import DAILY_STEP
from trading_platform.defs.desk.champion_forecast import (
    CHAMPION_FORECAST_KEY,
    champion_forecast_result,
)
from trading_platform.defs.desk.inputs import day_inputs, load_champion, store_day
from trading_platform.defs.desk.partition_mappings import BY_COMMODITY, SAME_COMMODITY_AND_DATE
from trading_platform.defs.ops.check_results import check_results, to_metadata
from trading_platform.defs.teams import DESK_TEAM
from trading_platform.defs.universe import TRADING_PARTITIONS
from trading_platform.domain.desk.day import VALIDATORS, trading_day
from trading_platform.domain.desk.inputs import Champion
from trading_platform.domain.inventory.strategy_base import StrategySpec
from trading_platform.resources.experiments import ResearchFolder
from trading_platform.resources.forecast_store import ForecastStore
from trading_platform.resources.warehouse import Warehouse

RECOMMENDATIONS_KEY = dg.AssetKey("trade_recommendations")


class TradingConfig(dg.Config):
    """Where the risk limits come from (the bundled YAML unless a path is given)."""

    risk_limits: str = Field(default="", description="Path to a risk_limits.yaml; empty: the "
                             "bundled trading_platform/config/risk_limits.yaml.")

    def limits(self) -> RiskLimits:
        return load_risk_limits(self.risk_limits or None)


def _desk_specs() -> list[dg.AssetSpec]:
    """The two assets of the desk's step (built here: a module-level AssetSpec would be loaded
    from the defs folder as an asset of its own)."""
    forecast = dg.AssetSpec(
        CHAMPION_FORECAST_KEY, group_name="trading", owners=DESK_TEAM, kinds={"numpy", "xgboost"},
        description="The champion model's prediction matrix for one commodity and trading day "
        "(paths x 14 horizons), kept as the day's live forecast that trade_recommendations reads.",
        deps=[dg.AssetDep("features", partition_mapping=SAME_COMMODITY_AND_DATE),
              dg.AssetDep("champion_model", partition_mapping=BY_COMMODITY)],
        automation_condition=DAILY_STEP)
    recommendations = dg.AssetSpec(
        RECOMMENDATIONS_KEY, group_name="trading", owners=DESK_TEAM, kinds={"numba", "duckdb"},
        description="Today's recommendation for one commodity's stored harvest (SELL / HOLD / "
        "FORCED_SALE), why, and the paper ledger's book after it; nothing is actionable unless "
        "every validator passed.",
        deps=[dg.AssetDep("market_data", partition_mapping=SAME_COMMODITY_AND_DATE),
              dg.AssetDep("features", partition_mapping=SAME_COMMODITY_AND_DATE),
              dg.AssetDep(CHAMPION_FORECAST_KEY, partition_mapping=SAME_COMMODITY_AND_DATE),
              dg.AssetDep("champion_model", partition_mapping=BY_COMMODITY)],
        automation_condition=DAILY_STEP)
    return [forecast, recommendations]


@dg.multi_asset(
    name="desk_day",
    specs=_desk_specs(),
    check_specs=[dg.AssetCheckSpec(name, asset=RECOMMENDATIONS_KEY, blocking=True)
                 for name in VALIDATORS],
    partitions_def=TRADING_PARTITIONS,
    pool="duckdb_write",
    can_subset=True,
)
def desk_day(
    context: dg.AssetExecutionContext, config: TradingConfig, warehouse: Warehouse,
    forecast_store: ForecastStore, research: ResearchFolder,
) -> Iterator[dg.MaterializeResult]:
    """One commodity's trading day in one step: the champion's forecast (asset
    champion_forecast), then the recommendation behind the validators (asset
    trade_recommendations). Either can be materialized alone."""
    keys = context.partition_key.keys_by_dimension
    commodity, day = keys["commodity"], dt.date.fromisoformat(keys["date"])
    strategies = research.inventory_strategies()  # configured or promoted versions
    champion, _ = load_champion(warehouse, commodity, strategies)  # once for both assets
    if CHAMPION_FORECAST_KEY in context.selected_asset_keys:
        yield champion_forecast_result(context, warehouse, forecast_store, champion, commodity,
                                       day)
    if RECOMMENDATIONS_KEY in context.selected_asset_keys:
        yield recommendation_result(context, config, warehouse, forecast_store, champion,
                                    commodity, day, strategies)


def recommendation_result(
    context: dg.AssetExecutionContext, config: TradingConfig, warehouse: Warehouse,
    forecast_store: ForecastStore, champion: Champion, commodity: str, day: dt.date,
    strategies: Mapping[str, StrategySpec],
) -> dg.MaterializeResult:
    """Decide, validate and store the day (the asset trade_recommendations)."""
    limits = config.limits()
    inputs = day_inputs(context, warehouse, forecast_store, champion, commodity, day,
                        limits.parity.days, strategies)
    result = trading_day(inputs, limits)
    store_day(warehouse, result, commodity, day)
    rec = result.recommendation
    context.log.info(f"{commodity} {day}: {rec['status']} {rec['action']} "
                     f"{rec['quantity']:,.2f} - {rec['explanation']}")
    if result.new_halt is not None:
        context.log.error(f"{commodity} {day}: HALTED - {result.new_halt['reason']}")
    return dg.MaterializeResult(
        asset_key=RECOMMENDATIONS_KEY,
        metadata=to_metadata({
            k: rec[k] for k in ("status", "action", "quantity", "share_of_inventory",
                                "reference_price", "net_proceeds", "tier", "model",
                                "model_version", "strategy", "strategy_hash", "champion_status",
                                "basis", "closing_inventory", "value", "explanation",
                                "halted_reason")}
            | {"mode": limits.execution.mode, "risk_limits_hash": limits.content_hash}),
        check_results=list(check_results(result.outcomes, RECOMMENDATIONS_KEY)))
