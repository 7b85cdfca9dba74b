"""Load the daily report's inputs: one commodity's part (its recommendation, verdicts, recent
closes, today's matrix, the paper book and the champion's forecast monitoring), and the futures
desk's stored rows of the day."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from trading_platform.config.risk_limits import MonitoringSettings
from trading_platform.defs.desk.futures_inputs import BOOK_KEY
from trading_platform.domain.desk.monitoring import ForecastMonitoring, monitor_forecasts
from trading_platform.domain.reporting.futures_section import FuturesRecords
from trading_platform.domain.reporting.report_model import CommodityDay
from trading_platform.resources.forecast_store import ForecastStore
from trading_platform.resources.tables import (
    FUTURES_DESK,
    FUTURES_GO_NO_GO,
    FUTURES_POSITIONS,
    LEDGER,
    VALIDATIONS,
)
from trading_platform.resources.warehouse import Warehouse

HISTORY_DAYS = 120


def champion_predictions(forecast_store: ForecastStore, commodity: str, model: str,
                         market: pl.DataFrame, ledger_dates: list[dt.date],
                         horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """(forecast days, the median path's simple return at ``horizon``): the research store's
    out-of-sample days, then the live days after it."""
    store = forecast_store.open(commodity, model)
    closes = dict(zip(market["date"], market["close"], strict=True))
    days = [d.astype(object) for d in store.dates]
    medians = list(np.median(np.asarray(store.paths[:, :, horizon - 1], dtype=np.float64),
                             axis=1))
    for day in ledger_dates:
        if day > days[-1] and (matrix := forecast_store.read_live(commodity, model, day)) \
                is not None:
            days.append(day)
            medians.append(float(np.median(matrix[:, horizon - 1])))
    base = np.array([closes.get(d, np.nan) for d in days], dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        predicted = np.where(base > 0, np.asarray(medians) / base - 1.0, np.nan)
    return np.array(days, dtype="datetime64[D]"), predicted


def commodity_day(warehouse: Warehouse, forecast_store: ForecastStore, rec: dict,
                  checks: pl.DataFrame, settings: MonitoringSettings,
                  ) -> tuple[CommodityDay, ForecastMonitoring | None]:
    """The report inputs of one recommendation row."""
    commodity, day, model = rec["commodity"], rec["date"], rec["model"]
    market = warehouse.read_market([commodity], dt.date.min, day)
    ledger = warehouse.read_where(LEDGER, commodity=commodity)
    ledger = ledger.filter(pl.col("date") <= day).sort("date") if ledger.height else ledger
    monitoring = None
    try:
        dates, predicted = champion_predictions(forecast_store, commodity, model, market,
                                                list(ledger["date"]) if ledger.height else [],
                                                settings.horizon)
        monitoring = monitor_forecasts(
            dates, predicted, market["date"].to_numpy(), market["close"].to_numpy(),
            horizon=settings.horizon, ic_window=settings.ic_window,
            drift_ic_threshold=settings.drift_ic_threshold, drift_window=settings.drift_window,
            drift_share=settings.drift_share)
    except FileNotFoundError:
        pass  # the champion's store is gone: the report says monitoring is unavailable
    book = ledger.select("date", pl.col("closing_inventory").alias("inventory"), "value") if (
        ledger.height) else pl.DataFrame(schema={"date": pl.Date, "inventory": pl.Float64,
                                                 "value": pl.Float64})
    return CommodityDay(
        recommendation=rec,
        checks=checks.filter(pl.col("commodity") == commodity).select(
            pl.col("check").alias("name"), "passed", "severity", "description").to_dicts(),
        closes=market.select("date", "close").tail(HISTORY_DAYS),
        matrix=forecast_store.read_live(commodity, model, day),
        book=book.drop_nulls(), monitoring=monitoring.to_json() if monitoring else {},
    ), monitoring


def futures_records(warehouse: Warehouse, day: dt.date) -> FuturesRecords:
    """The futures desk's rows behind ``day``'s report: its desk rows up to the day, the day's
    positions and those of the desk day before (the orders that filled today), and the day's
    verdicts on the futures book (empty frames where nothing is recorded)."""
    desk = warehouse.read_table(FUTURES_DESK)
    desk = desk.filter(pl.col("date") <= day).sort("date") if desk.height else desk
    earlier = desk.filter(pl.col("date") < day)["date"] if desk.height else []
    return FuturesRecords(
        desk=desk, positions=warehouse.read_where(FUTURES_POSITIONS, date=day),
        previous_positions=warehouse.read_where(FUTURES_POSITIONS, date=earlier[-1])
        if len(earlier) else pl.DataFrame(),
        verdicts=warehouse.read_where(VALIDATIONS, commodity=BOOK_KEY, date=day),
        go_no_go=warehouse.read_where(FUTURES_GO_NO_GO, date=day))
