"""futures_orders: the futures desk's trading day, behind the blocking validators, the circuit
breakers, the kill switch and the backtest-live parity check (docs/futures-desk.md)."""

import datetime as dt
import json

import dagster as dg
import polars as pl

from trading_platform.defs.desk.futures_day import run_desk_day
from trading_platform.defs.desk.futures_inputs import BOOK_KEY
from trading_platform.defs.desk.futures_replay import parity_outcome
from trading_platform.defs.desk.inputs import write_halt
from trading_platform.defs.desk.trade_recommendations import TradingConfig
from trading_platform.defs.ops.check_results import check_results, to_metadata
from trading_platform.defs.research.forecast_tracking import markdown_table
from trading_platform.defs.teams import DESK_TEAM
from trading_platform.defs.universe import REPORT_PARTITIONS
from trading_platform.domain.desk.trading_book.breakers import BREAKER_CHECKS, KILL_SWITCH_CHECKS
from trading_platform.domain.desk.trading_book.go_no_go import stage_name
from trading_platform.domain.desk.trading_book.parity import NAME as PARITY
from trading_platform.domain.desk.trading_book.recording import (
    day_figures,
    trades_frame,
    weights_frame,
)
from trading_platform.domain.desk.trading_book.validators import VALIDATORS
from trading_platform.domain.statuses import HaltKind
from trading_platform.resources.forecast_store import ForecastStore
from trading_platform.resources.reports import ReportFolder
from trading_platform.resources.tables import FUTURES_DESK, FUTURES_POSITIONS, HALTS, VALIDATIONS
from trading_platform.resources.warehouse import Warehouse

FUTURES_ORDERS_KEY = dg.AssetKey("futures_orders")
CHECKS = (*(v.__name__ for v in VALIDATORS), *BREAKER_CHECKS, *KILL_SWITCH_CHECKS, PARITY)


@dg.asset(
    partitions_def=REPORT_PARTITIONS,
    group_name="trading",
    owners=DESK_TEAM,
    pool="duckdb_write",
    deps=[dg.AssetDep("contract_prices", partition_mapping=dg.AllPartitionMapping()),
          dg.AssetDep("futures_backtests", partition_mapping=dg.AllPartitionMapping()),
          dg.AssetDep("trading_book_champion")],
    check_specs=[dg.AssetCheckSpec(name, asset=FUTURES_ORDERS_KEY, blocking=True)
                 for name in CHECKS],
    kinds={"numba", "duckdb"},
)
def futures_orders(context: dg.AssetExecutionContext, config: TradingConfig,
                   warehouse: Warehouse, forecast_store: ForecastStore,
                   reports: ReportFolder) -> dg.MaterializeResult:
    """The futures paper book on one trading day: yesterday's orders filled, P&L, and today's
    whole-contract orders toward the trading-book champion's target, within the risk limits."""
    day = dt.date.fromisoformat(context.partition_key)
    risk = config.limits()
    desk = run_desk_day(warehouse, forecast_store, day, risk)
    champion, result, positions = desk.champion, desk.result, desk.positions
    parity = parity_outcome(warehouse, champion, desk.firsts, desk.forecasts, day,
                            desk.target, risk.parity.days)
    figures = day_figures(result)
    lineage = {k: champion.row[k] for k in ("signal_set", "optimiser", "model", "strategy",
                                             "strategy_version", "strategy_hash",
                                             "book_config_hash", "mlflow_version")}
    summary = {"status": str(result.status), "basis": champion.basis,
               "stage": stage_name(desk.stage), "capital_share": desk.stage,
               "selected": f"{champion.selected['signal_set']} x "
                           f"{champion.selected['optimiser']}",
               "halted_reason": desk.inputs.halted or (result.new_halt or ""),
               "engine_equity": desk.target.equity, "risk_limits_hash": risk.content_hash,
               "gaps": ", ".join(result.gaps)} | figures | lineage
    outcomes = [*result.validators, *result.breakers, parity]
    _store(warehouse, day, summary, positions, outcomes, result.new_halt)
    trades = trades_frame(positions, summary["status"], desk.stage)
    reports.write(f"{day}/futures/trades.csv", trades.write_csv())
    reports.write(f"{day}/futures/portfolio_weights.csv", weights_frame(positions).write_csv())
    _log(context, day, summary)
    return dg.MaterializeResult(metadata=to_metadata(summary) | {
        "trades": dg.MetadataValue.md(markdown_table(trades.select(
            "commodity", "contract", "side", "contracts", "reference_price", "notional",
            "weight_after", "reason")) if trades.height else "no order today"),
        "folder": dg.MetadataValue.path(f"{reports.root}/{day}/futures")},
                                check_results=list(check_results(outcomes, FUTURES_ORDERS_KEY)))


def _store(warehouse: Warehouse, day: dt.date, summary: dict, positions: pl.DataFrame,
           outcomes: list, new_halt: str | None) -> None:
    verdicts = pl.DataFrame([{"check": o.name, "passed": o.passed, "severity": o.severity,
                              "description": o.description,
                              "evidence": json.dumps(o.metadata, default=str)}
                             for o in outcomes])
    warehouse.replace_rows({"date": day}, {FUTURES_DESK: pl.DataFrame([summary]),
                                           FUTURES_POSITIONS: positions})
    warehouse.replace_rows({"commodity": BOOK_KEY, "date": day}, {VALIDATIONS: verdicts})
    if new_halt is not None and warehouse.read_where(HALTS, commodity=BOOK_KEY,
                                                     tripped_on=day).is_empty():
        write_halt(warehouse, {"commodity": BOOK_KEY, "tripped_on": day,
                               "kind": str(HaltKind.BREAKER), "reason": new_halt})


def _log(context: dg.AssetExecutionContext, day: dt.date, summary: dict) -> None:
    context.log.info(f"futures book {day}: {summary['status']} ({summary['basis']} champion "
                     f"{summary['signal_set']} x {summary['optimiser']}, {summary['stage']} "
                     f"stage): {summary['orders']} order(s), value {summary['equity']:,.0f}, "
                     f"P&L {summary['pnl']:,.0f}")
    if summary["halted_reason"]:
        context.log.error(f"futures book {day}: HALTED - {summary['halted_reason']}")
