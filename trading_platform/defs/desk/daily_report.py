"""daily_report: the desk's report pack for one trading day, all commodities."""

import datetime as dt

import dagster as dg

from trading_platform.defs.automation import DAILY_REPORT_STEP
from trading_platform.defs.desk.report_inputs import commodity_day, futures_records
from trading_platform.defs.desk.trade_recommendations import TradingConfig
from trading_platform.defs.ops.check_results import check_results, to_metadata
from trading_platform.defs.teams import DESK_TEAM
from trading_platform.defs.universe import FUTURES_BOOK, REPORT_PARTITIONS, UNIVERSE
from trading_platform.domain.evidence import CheckOutcome
from trading_platform.domain.reporting.daily_report import build_report_pack, summary_markdown
from trading_platform.domain.reporting.futures_section import FuturesSection, build_futures_section
from trading_platform.domain.reporting.monitoring_chart import monitoring_chart
from trading_platform.domain.research.inventory_book import CODE_PREFIX
from trading_platform.domain.research.promotion import actual_impact
from trading_platform.domain.statuses import RecommendationStatus
from trading_platform.resources.experiments import ResearchFolder
from trading_platform.resources.forecast_store import ForecastStore
from trading_platform.resources.reports import ReportFolder
from trading_platform.resources.strategy_folder import StrategyFolder
from trading_platform.resources.tables import LEDGER, RECOMMENDATIONS, VALIDATIONS
from trading_platform.resources.warehouse import Warehouse

REPORT_KEY = dg.AssetKey("daily_report")
BY_DATE = dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="date")


@dg.asset(
    partitions_def=REPORT_PARTITIONS,
    group_name="trading",
    owners=DESK_TEAM,
    deps=[dg.AssetDep("trade_recommendations", partition_mapping=BY_DATE),
          dg.AssetDep("futures_go_no_go", partition_mapping=dg.IdentityPartitionMapping())],
    check_specs=[dg.AssetCheckSpec("every_commodity_present", asset=REPORT_KEY),
                 dg.AssetCheckSpec("forecasts_not_drifting", asset=REPORT_KEY)],
    kinds={"html"},
    automation_condition=DAILY_REPORT_STEP,
)
def daily_report(context: dg.AssetExecutionContext, config: TradingConfig, warehouse: Warehouse,
                 forecast_store: ForecastStore, reports: ReportFolder,
                 research: ResearchFolder) -> dg.MaterializeResult:
    """The day's report pack in data/reports/<date>/: trades.csv, signals.json,
    monitoring.json and report.html (prices with the forecast fan, books, recommendations,
    validator verdicts, and the futures desk: positions, orders, P&L, costs, breakers and risk
    utilisation)."""
    day = dt.date.fromisoformat(context.partition_key)
    limits = config.limits()
    settings = limits.monitoring
    recs = warehouse.read_where(RECOMMENDATIONS, date=day)
    checks = warehouse.read_where(VALIDATIONS, date=day)
    days, drifting = {}, {}
    for rec in (recs.sort("commodity").iter_rows(named=True) if recs.height else []):
        entry, monitoring = commodity_day(warehouse, forecast_store, rec, checks, settings)
        days[rec["commodity"]] = entry
        if monitoring is not None:
            reports.write(f"{day}/monitoring_{rec['commodity']}.png", monitoring_chart(
                monitoring, f"{rec['commodity']} x {rec['model']}: rolling IC"))
            if monitoring.drift.drifting:
                drifting[rec["commodity"]] = monitoring.drift.reason
    futures = build_futures_section(day, futures_records(warehouse, day), limits.futures,
                                    FUTURES_BOOK.engine.capital)
    pack = build_report_pack(day, days, UNIVERSE.harvested_keys,
                             dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), futures)
    for name, content in pack.files.items():
        reports.write(f"{day}/{name}", content)
    outcomes = [
        CheckOutcome("every_commodity_present", not pack.missing, "ERROR",
                     "every harvested commodity has a recommendation" if not pack.missing else
                     f"no recommendation for {pack.missing}: materialize trade_recommendations "
                     f"for them on {day}", {"observed": pack.missing, "threshold": []}),
        CheckOutcome("forecasts_not_drifting", not drifting, "WARN",
                     "no champion's rolling IC is drifting" if not drifting else
                     "forecast drift: " + "; ".join(f"{c}: {r}" for c, r in drifting.items()),
                     {"observed": drifting, "threshold": settings.drift_ic_threshold})]
    for line in fill_impacts(research.strategies(), warehouse):
        context.log.info(f"STRATEGY_LOG.md: {line}")
    statuses = pack.summary["status"].to_list() if pack.summary.height else []
    return dg.MaterializeResult(
        metadata=to_metadata({"commodities": len(days), "missing": pack.missing,
                              "halted": statuses.count(RecommendationStatus.HALTED),
                              "blocked": statuses.count(RecommendationStatus.BLOCKED),
                              "actionable": statuses.count(
                                  RecommendationStatus.ACTIONABLE)} | futures_headline(futures))
        | {"summary": dg.MetadataValue.md(summary_markdown(pack)),
           "report": dg.MetadataValue.path(f"{reports.root}/{day}/report.html")},
        check_results=list(check_results(outcomes, REPORT_KEY)))


def futures_headline(section: FuturesSection) -> dict[str, object]:
    """The futures desk's day in a few metadata figures (``futures_`` keys)."""
    if not section.recorded:
        return {"futures_status": "NOT RECORDED", "futures_note": section.message}
    book, closest = section.book, section.closest_limit()
    return {"futures_status": book["status"], "futures_stage": book["stage"],
            "futures_value": book["value"], "futures_day_pnl": book["day_pnl"],
            "futures_orders": book["orders"],
            "futures_go_no_go": section.go_no_go.get("decision", "not decided")} | ({
                "futures_closest_limit": closest.limit,
                "futures_closest_limit_used": closest.utilisation} if closest else {})


def fill_impacts(folder: StrategyFolder, warehouse: Warehouse) -> list[str]:
    """Fill the actual-impact line of every promoted inventory version that has now traded
    30 trading days (``domain.research.promotion.actual_impact``); the lines written."""
    versions = [v for v in folder.promoted() if v.code.startswith(CODE_PREFIX)]
    if not versions:
        return []
    ledger = warehouse.read_table(LEDGER)
    written = []
    for version in versions:
        line = actual_impact(version, ledger)
        if line is not None and folder.fill_impact(version.content_hash, line):
            written.append(f"{version.name} v{version.version}: {line}")
    return written
