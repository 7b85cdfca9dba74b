"""One futures desk day computed from what is stored (no write): the champion and its stage,
its target on the data known that day, and the paper book's fills and orders. The desk asset
records it; the go/no-go runs it again to prove a rerun gives the same orders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from trading_platform.config.risk_limits import RiskLimits
from trading_platform.defs.desk.futures_inputs import (
    BookChampion,
    average_volume,
    book_champion,
    book_universe,
    model_forecasts,
    paper_state,
    research_windows,
    series_as_of,
)
from trading_platform.defs.desk.futures_replay import champion_at
from trading_platform.defs.universe import FUTURES_BOOK
from trading_platform.domain.desk.trading_book.day import (
    FuturesDay,
    FuturesDayInputs,
    futures_day,
)
from trading_platform.domain.desk.trading_book.paper import Session
from trading_platform.domain.desk.trading_book.recording import position_rows
from trading_platform.domain.desk.trading_book.targets import ChampionTarget
from trading_platform.resources.forecast_store import ForecastStore
from trading_platform.resources.tables import FUTURES_STAGES
from trading_platform.resources.warehouse import Warehouse


@dataclass(frozen=True)
class DeskDay:
    """The day's champion, its capital ``stage`` (share; 0 = shadow), the research windows,
    forecasts and target behind it, the domain's day and its rows per commodity."""

    champion: BookChampion
    stage: float
    firsts: dict[str, dt.date]
    forecasts: dict | None
    target: ChampionTarget
    result: FuturesDay
    inputs: FuturesDayInputs
    positions: pl.DataFrame


CHAMPION_COLUMNS = ("signal_set", "optimiser", "strategy_hash", "book_config_hash")


def champion_key(row: dict) -> str:
    """A champion's identity across days: what it trades and the configs it was chosen with."""
    return "|".join(str(row[k]) for k in CHAMPION_COLUMNS)


def champion_stage(warehouse: Warehouse, champion: BookChampion, day: dt.date) -> float:
    """The share of capital the champion trades on ``day``: the stage of its last GO before
    ``day``, shadow (0) without one; a provisional champion never leaves the shadow stage."""
    if champion.basis == "provisional":
        return 0.0
    stages = warehouse.read_where(FUTURES_STAGES, champion=champion_key(champion.row))
    if stages.height:
        stages = stages.filter(pl.col("decided_on") < day).sort("decided_on")
    return float(stages["stage"][-1]) if stages.height else 0.0


def run_desk_day(warehouse: Warehouse, forecast_store: ForecastStore, day: dt.date,
                 risk: RiskLimits) -> DeskDay:
    """Compute the desk's ``day`` from the stored prices, forecasts, paper book and halts."""
    champion = book_champion(warehouse, day)
    firsts = research_windows(warehouse)
    commodities = list(firsts)
    series = series_as_of(warehouse, [day], commodities)[day]
    forecasts = model_forecasts(warehouse, forecast_store, champion.row["model"], series, day)
    target = champion_at(series, champion, forecasts, list(firsts.values()))
    state = paper_state(warehouse, commodities, day, FUTURES_BOOK.engine.capital)
    session, contracts = _session(series, day)
    specs = book_universe()
    inputs = FuturesDayInputs(
        day, tuple(commodities), session, state.reference, state.positions, state.values,
        FUTURES_BOOK.engine.capital, target.weights if target.day == day else np.full(
            len(commodities), np.nan), np.array([specs[c].initial_margin for c in commodities]),
        average_volume(warehouse, commodities, day), state.halted)
    result = futures_day(inputs, risk.futures)
    positions = position_rows(result, contracts, inputs.plan_weights, session.slippage,
                              state.positions.held)
    return DeskDay(champion, champion_stage(warehouse, champion, day), firsts, forecasts,
                   target, result, inputs, positions)


def _session(series: dict[str, pl.DataFrame], day: dt.date) -> tuple[Session, list[str]]:
    """Today's bar of each commodity (NaN without one) and the contract held after it."""
    specs, costs = book_universe(), FUTURES_BOOK.costs
    rows = {c: frame.filter(pl.col("date") == day) for c, frame in series.items()}

    def value(column: str) -> np.ndarray:
        return np.array([float(r[column][0]) if r.height and r[column][0] is not None
                         else np.nan for r in rows.values()])
    contracts = [(r["next_contract"][0] if r["roll"][0] else r["contract"][0]) if r.height
                 else "" for r in rows.values()]
    return Session(value("close"), np.array([1.0 if r.height and r["roll"][0] else 0.0
                                             for r in rows.values()]), value("next_close"),
                   np.array([specs[c].point_value() for c in series]),
                   np.full(len(series), costs.commission),
                   np.array([costs.slippage_ticks * specs[c].tick_value for c in series])
                   ), contracts
