"""futures_go_no_go: the futures desk's go/no-go decision on its paper period, its report, and
the capital stage the champion trades at from the next day (docs/futures-desk.md)."""

import datetime as dt
import json

import dagster as dg
import polars as pl

from trading_platform.config.risk_limits import RiskLimits
from trading_platform.defs.desk.futures_day import CHAMPION_COLUMNS, champion_key, run_desk_day
from trading_platform.defs.desk.futures_inputs import BOOK_KEY, research_windows, series_as_of
from trading_platform.defs.desk.trade_recommendations import TradingConfig
from trading_platform.defs.ops.check_results import png_markdown, to_metadata
from trading_platform.defs.research.forecast_tracking import markdown_table
from trading_platform.defs.teams import DESK_TEAM
from trading_platform.defs.universe import FUTURES_BOOK, REPORT_PARTITIONS, UNIVERSE
from trading_platform.domain.desk.trading_book.go_no_go import (
    GoNoGoReport,
    PaperPeriod,
    decide_go_no_go,
    equal_weight_returns,
    orders_rerun,
    slippage_fills,
    stage_name,
)
from trading_platform.domain.evidence import CheckOutcome
from trading_platform.domain.json_values import json_safe
from trading_platform.domain.market.calendar import is_trading_day
from trading_platform.domain.reporting.go_no_go_report import go_no_go_chart, go_no_go_markdown
from trading_platform.domain.statuses import GoNoGoDecision
from trading_platform.resources.forecast_store import ForecastStore
from trading_platform.resources.reports import ReportFolder
from trading_platform.resources.tables import (
    FUTURES_DESK,
    FUTURES_GO_NO_GO,
    FUTURES_POSITIONS,
    FUTURES_STAGES,
    HALTS,
    VALIDATIONS,
)
from trading_platform.resources.warehouse import Warehouse


@dg.asset(
    partitions_def=REPORT_PARTITIONS,
    group_name="trading",
    owners=DESK_TEAM,
    pool="duckdb_write",
    deps=[dg.AssetDep("futures_orders")],
    kinds={"duckdb"},
)
def futures_go_no_go(context: dg.AssetExecutionContext, config: TradingConfig,
                     warehouse: Warehouse, forecast_store: ForecastStore,
                     reports: ReportFolder) -> dg.MaterializeResult:
    """The futures desk's go/no-go decision on the champion's paper days at its stage, and the
    capital stage it trades at from the next day."""
    day = dt.date.fromisoformat(context.partition_key)
    risk = config.limits()
    stored = warehouse.read_where(FUTURES_DESK, date=day)
    if stored.is_empty():
        raise dg.Failure(f"futures_go_no_go {day}: no futures desk day stored; materialize "
                         f"futures_orders for {day} first")
    row = stored.row(0, named=True)
    stage = float(row.get("capital_share") or 0.0)
    period = paper_period(warehouse, forecast_store, day, row, stage, risk)
    report = decide_go_no_go(day, champion_key(row), period, stage, risk.futures.go_no_go,
                             confirmed=row["basis"] != "provisional")
    _store(warehouse, report)
    markdown = go_no_go_markdown(report)
    chart = go_no_go_chart(report)
    folder = f"{day}/futures"
    reports.write(f"{folder}/go_no_go.md", markdown.encode())
    reports.write(f"{folder}/go_no_go.png", chart)
    reports.write(f"{folder}/go_no_go.json", json.dumps(json_safe(
        report.summary() | {"criteria": _criteria_rows(report)}), indent=2,
        default=str).encode())
    context.log.info(f"futures go/no-go {day}: {report.decision} ({stage_name(stage)} stage, "
                     f"{report.figures['paper_days']} of {report.figures['required_days']} "
                     f"paper days); next stage {stage_name(report.next_stage)}")
    return dg.MaterializeResult(metadata=to_metadata(report.summary()) | {
        "criteria": dg.MetadataValue.md(markdown_table(pl.DataFrame(_criteria_rows(report)))),
        "chart": png_markdown(chart, "paper book vs equal weight"),
        "report": dg.MetadataValue.path(f"{reports.root}/{folder}/go_no_go.md")})


def paper_period(warehouse: Warehouse, forecast_store: ForecastStore, day: dt.date, row: dict,
                 stage: float, risk: RiskLimits) -> PaperPeriod:
    """The champion's most recent paper days at ``stage`` up to ``day``, and what happened on
    them; the decision day is computed again to compare its orders."""
    settings = risk.futures.go_no_go
    desk = warehouse.read_table(FUTURES_DESK).filter(pl.col("date") <= day).sort("date")
    share = pl.col("capital_share").fill_null(0.0) if "capital_share" in desk.columns \
        else pl.lit(0.0)
    mine = desk.filter(*(pl.col(k) == row[k] for k in CHAMPION_COLUMNS), share == stage)
    days = mine.tail(settings.paper_days)
    dates = days["date"].to_list()
    before = desk.filter(pl.col("date") < dates[0])
    start = float(before["equity"][-1]) if before.height else FUTURES_BOOK.engine.capital
    positions = warehouse.read_table(FUTURES_POSITIONS).filter(
        pl.col("date") <= day).filter(pl.col("date") >= (before["date"][-1] if before.height
                                                          else dates[0]))
    in_period = pl.col("date").is_in(dates)
    gaps = [f"{r['date']} {r['commodity']}" for r in positions.filter(
        in_period & pl.col("gap")).iter_rows(named=True) if _traded(r["commodity"], r["date"])]
    halts = warehouse.read_where(HALTS, commodity=BOOK_KEY)
    trips = [f"{r['tripped_on']} {r['reason']}" for r in halts.filter(
        pl.col("tripped_on").is_in(dates)).iter_rows(named=True)] if halts.height else []
    verdicts = warehouse.read_where(VALIDATIONS, commodity=BOOK_KEY)
    failed = [f"{r['date']} {r['check']}" for r in verdicts.filter(
        pl.col("date").is_in(dates) & ~pl.col("passed")).iter_rows(named=True)] \
        if verdicts.height else []
    commodities = list(research_windows(warehouse))
    series = series_as_of(warehouse, [day], commodities)[day]
    return PaperPeriod(days.select("date", "equity", "status"), start,
                       equal_weight_returns(series, dates), trips, gaps,
                       slippage_fills(positions).filter(in_period), failed,
                       _rerun(warehouse, forecast_store, day, positions, risk))


def _traded(commodity: str, day: dt.date) -> bool:
    """Whether the commodity's exchange was open on ``day`` (a closed day is no gap)."""
    spec = UNIVERSE.commodities[commodity]
    return is_trading_day(day, UNIVERSE.calendars[spec.futures.calendar or spec.calendar])


def _rerun(warehouse: Warehouse, forecast_store: ForecastStore, day: dt.date,
           positions: pl.DataFrame, risk: RiskLimits) -> CheckOutcome:
    recorded = positions.filter(pl.col("date") == day)
    again = run_desk_day(warehouse, forecast_store, day, risk).positions
    return orders_rerun(dict(zip(recorded["commodity"], recorded["order"], strict=True)),
                        dict(zip(again["commodity"], again["order"], strict=True)))


def _criteria_rows(report: GoNoGoReport) -> list[dict]:
    return [{"criterion": c.name, "passed": c.passed, "said": c.description,
             "observed": json.dumps(json_safe(c.metadata.get("observed")), default=str),
             "threshold": json.dumps(json_safe(c.metadata.get("threshold")), default=str)}
            for c in report.criteria]


def _store(warehouse: Warehouse, report: GoNoGoReport) -> None:
    summary = report.summary() | {"criteria": json.dumps(_criteria_rows(report))}
    warehouse.replace_rows({"date": report.day},
                           {FUTURES_GO_NO_GO: pl.DataFrame([summary]).drop("date")})
    if report.decision == GoNoGoDecision.GO and report.next_stage != report.stage:
        warehouse.replace_rows({"champion": report.champion, "decided_on": report.day},
                               {FUTURES_STAGES: pl.DataFrame([{
                                   "stage": report.next_stage,
                                   "stage_name": stage_name(report.next_stage),
                                   "previous_stage": report.stage,
                                   "reason": f"GO on {report.day} after "
                                             f"{report.figures['paper_days']} paper days"}])})
