"""Load what one commodity's trading day needs from the warehouse, the stores and the registry
record, and store what it produced. Keeps ``trade_recommendations`` thin."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping

import dagster as dg
import polars as pl

from trading_platform.defs.universe import UNIVERSE
from trading_platform.domain.desk.day import TradingDay
from trading_platform.domain.desk.inputs import EVIDENCE_KEYS, Champion, DayInputs
from trading_platform.domain.desk.ledger import (
    PendingFillError,
    opening_from_backtest,
    opening_from_ledger,
)
from trading_platform.domain.desk.live import Opening
from trading_platform.domain.desk.recording import HALT_SCHEMA, ledger_frame
from trading_platform.domain.inventory.backtest import BookSetup
from trading_platform.domain.inventory.book import BookState
from trading_platform.domain.inventory.engine_kernels import NEVER_SOLD
from trading_platform.domain.inventory.strategy_base import StrategySpec
from trading_platform.domain.market.calendar import next_trading_day
from trading_platform.domain.partition_keys import commodity_date_key
from trading_platform.domain.statuses import HaltKind
from trading_platform.resources.forecast_store import ForecastStore
from trading_platform.resources.tables import (
    BACKTEST_DAILY,
    CHAMPIONS,
    HALTS,
    LEDGER,
    RECOMMENDATIONS,
    VALIDATIONS,
)
from trading_platform.resources.warehouse import Warehouse


def load_champion(warehouse: Warehouse, commodity: str,
                  strategies: Mapping[str, StrategySpec]) -> tuple[Champion, dict]:
    """What the commodity's desk trades (the champion row's trading pick) as a ``Champion``,
    and the raw record."""
    rows = warehouse.read_where(CHAMPIONS, commodity=commodity)
    if rows.is_empty():
        raise dg.Failure(f"no champion for {commodity}: materialize champion_model "
                         f"partition {commodity} (research_selection job) first")
    record = rows.row(0, named=True)
    if not record.get("basis"):
        raise dg.Failure(f"the {commodity} champion row predates confirmed selection (no "
                         "trading basis recorded): rerun model_candidates and champion_model "
                         f"for {commodity} before trading")
    strategy, spec_hash = record["trading_strategy"], record["trading_spec_hash"]
    spec = strategies.get(strategy)
    if spec is None or spec.content_hash != spec_hash:
        raise dg.Failure(
            f"{commodity} traded strategy {strategy} has spec hash {spec_hash}, the code's is "
            f"{spec.content_hash if spec else 'absent'}: the strategy changed since it was "
            "backtested; rerun backtest_results, model_candidates and champion_model before "
            "trading it")
    return Champion(model=record["trading_model"], strategy=strategy, spec=spec,
                    version=str(record["version"]), status=record["status"],
                    score=float(record["score"]), fitted_through=record["fitted_through"],
                    basis=record["basis"], basis_reason=record["basis_reason"],
                    selected_through=record["selected_through"],
                    evidence=selection_evidence(record)), record


def selection_evidence(record: dict) -> dict[str, object]:
    """The champion record's selection evidence under ``EVIDENCE_KEYS``."""
    renamed = {"selected_model": "model", "selected_strategy": "strategy"}
    return {key: record.get(renamed.get(key, key)) for key in EVIDENCE_KEYS}


def opening_book(warehouse: Warehouse, commodity: str, champion: Champion, ledger: pl.DataFrame,
                 day: dt.date) -> Opening:
    """Yesterday's closing book: the ledger, else the champion's backtest stock (no cash),
    else empty."""
    try:
        opening = opening_from_ledger(ledger, day) if ledger.height else None
    except PendingFillError as error:
        raise dg.Failure(str(error)) from error
    if opening is None:
        keys = {"commodity": commodity, "model": champion.model, "strategy": champion.strategy}
        daily = warehouse.read_where(BACKTEST_DAILY, **keys)
        if daily.height:
            opening = opening_from_backtest(daily, day)
    return opening or Opening(BookState(0.0, NEVER_SOLD), 0.0)


def halt_state(warehouse: Warehouse, commodity: str, day: dt.date,
               reset_command: str | None = None) -> tuple[str, dt.date | None]:
    """(reason of a halt in force before ``day`` or "", the last reset date or None);
    ``reset_command`` is what the reason tells the desk to run (the inventory book's
    ``reset-breaker`` for the commodity by default)."""
    halts = warehouse.read_where(HALTS)
    if halts.is_empty():
        return "", None
    mine = halts.filter(pl.col("commodity").is_in([commodity, "*"]))
    in_force = (pl.col("tripped_on") < day) | (
        (pl.col("kind") == str(HaltKind.MANUAL)) & (pl.col("tripped_on") <= day))
    active = mine.filter(in_force & pl.col("reset_on").is_null())
    resets = mine.filter(pl.col("reset_on").is_not_null() & (pl.col("reset_on") <= day))
    reason = ""
    if active.height:
        first = active.sort("tripped_on").row(0, named=True)
        command = reset_command or ("python -m trading_platform.cli reset-breaker "
                                    f"--commodity {commodity} --by NAME --reason TEXT")
        reason = (f"halted since {first['tripped_on']} ({first['reason']}); trading resumes "
                  f"after `{command}`")
    return reason, resets["reset_on"].max() if resets.height else None


def day_inputs(context: dg.AssetExecutionContext, warehouse: Warehouse,
               forecast_store: ForecastStore, champion: Champion, commodity: str, day: dt.date,
               parity_days: int, strategies: Mapping[str, StrategySpec]) -> DayInputs:
    """Everything ``trading_day`` needs for ``commodity`` on ``day`` (``champion``: what
    ``load_champion`` gave)."""
    store = forecast_store.open(commodity, champion.model)
    champion = dataclasses.replace(champion, uses_future=store.uses_future)
    market = warehouse.read_market([commodity], store.dates[0].astype(object), day)
    ledger = warehouse.read_where(LEDGER, commodity=commodity)
    before = ledger.filter(pl.col("date") < day).sort("date") if ledger.height else ledger
    matrix = forecast_store.read_live(commodity, champion.model, day)  # champion_forecast
    matrices = {d: m for d, model in (before.tail(parity_days).select("date", "model").rows()
                                      if before.height else [])
                if (m := forecast_store.read_live(commodity, model, d)) is not None}
    if matrix is not None:
        matrices[day] = matrix
    halted, since_reset = halt_state(warehouse, commodity, day)
    spec = UNIVERSE.commodities[commodity]
    return DayInputs(
        commodity=commodity, day=day, next_day=next_trading_day(day, UNIVERSE.calendar_for(
            commodity)), dates=market["date"].to_numpy(), closes=market["close"].to_numpy(),
        matrix=matrix, setup=BookSetup.for_commodity(
            spec, UNIVERSE.calendar_for(commodity)), champion=champion,
        opening=opening_book(warehouse, commodity, champion, before, day), ledger=before,
        matrices=matrices, halted=halted, since_reset=since_reset,
        lineage={"data_partition": commodity_date_key(commodity, day), "run_id": context.run.run_id,
                 "units": spec.units, "volume_unit": spec.harvest.volume_unit if spec.harvest
                 else ""}, strategies=strategies)


def store_day(warehouse: Warehouse, result: TradingDay, commodity: str, day: dt.date) -> None:
    """Replace the day's recommendation, ledger row and verdicts in one transaction; record a
    new halt unless one is already recorded for that day (a rerun keeps its reset)."""
    verdicts = pl.DataFrame([{"check": o.name, "passed": o.passed, "severity": o.severity,
                              "description": o.description,
                              "evidence": json.dumps(o.metadata, default=str)}
                             for o in result.outcomes])
    tables = {RECOMMENDATIONS: pl.DataFrame([result.recommendation], schema_overrides={
        "fills_on": pl.Date}).drop("commodity", "date"), VALIDATIONS: verdicts}
    if result.ledger is not None:
        tables[LEDGER] = ledger_frame([result.ledger]).drop("commodity", "date")
    warehouse.replace_rows({"commodity": commodity, "date": day}, tables)
    if result.new_halt is not None:
        recorded = warehouse.read_where(HALTS, commodity=commodity, tripped_on=day)
        if recorded.is_empty():
            write_halt(warehouse, result.new_halt)


def write_halt(warehouse: Warehouse, row: dict[str, object]) -> None:
    """Replace the halt row of (commodity, tripped_on); reset fields default to empty."""
    halt = pl.DataFrame([{"reset_on": None, "reset_by": None, "reset_reason": None} | row],
                        schema=HALT_SCHEMA)
    warehouse.replace_rows({"commodity": row["commodity"], "tripped_on": row["tripped_on"]},
                           {HALTS: halt.drop("commodity", "tripped_on")})
