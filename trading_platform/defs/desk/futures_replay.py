"""The champion's target on a day and the futures desk's backtest-live parity replay."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import numpy as np
import polars as pl

from trading_platform.defs.desk.futures_inputs import (
    BookChampion,
    book_universe,
    model_forecasts,
    research_firsts,
    series_as_of,
)
from trading_platform.defs.universe import FUTURES_BOOK
from trading_platform.domain.desk.trading_book.parity import targets_parity
from trading_platform.domain.desk.trading_book.targets import ChampionTarget, champion_target
from trading_platform.domain.evidence import CheckOutcome
from trading_platform.resources.forecast_store import ForecastStore
from trading_platform.resources.tables import FUTURES_DESK, FUTURES_POSITIONS
from trading_platform.resources.warehouse import Warehouse


def champion_at(series: dict[str, pl.DataFrame], champion: BookChampion,
                forecasts: dict | None, firsts: list[dt.date]) -> ChampionTarget:
    """The champion cell's target on the series' last day."""
    specs = book_universe()
    try:
        return champion_target(series, {c: specs[c] for c in series}, champion.strategy,
                               forecasts, champion.row["optimiser"], FUTURES_BOOK, firsts)
    except ValueError as error:
        raise dg.Failure(f"futures desk: the champion {champion.row['signal_set']} x "
                         f"{champion.row['optimiser']} cannot run: {error}") from error


def _same_champion(desk: pl.DataFrame, champion: BookChampion) -> pl.DataFrame:
    return desk.filter((pl.col("signal_set") == champion.row["signal_set"])
                       & (pl.col("optimiser") == champion.row["optimiser"])
                       & (pl.col("strategy_hash") == champion.row["strategy_hash"]))


def parity_outcome(warehouse: Warehouse, forecast_store: ForecastStore,
                   champion: BookChampion, commodities: list[str], day: dt.date,
                   target: ChampionTarget, days: int) -> CheckOutcome:
    """Replay the champion on each of the last ``days`` recorded days before ``day`` that it
    traded, on the data known then, against the weights recorded (``targets_parity``)."""
    desk = warehouse.read_table(FUTURES_DESK)
    recorded_days = (_same_champion(desk.filter(pl.col("date") < day), champion)["date"]
                     .sort().tail(days).to_list() if desk.height else [])
    firsts = research_firsts(warehouse, commodities)
    recorded, replayed = {}, {}
    for past in recorded_days:
        rows = warehouse.read_where(FUTURES_POSITIONS, date=past)
        weight = dict(zip(rows["commodity"].to_list(), rows["plan_weight"].to_list(),
                          strict=True))
        recorded[past] = np.array([weight.get(c, np.nan) for c in commodities], dtype=float)
        series = series_as_of(warehouse, past, commodities)
        forecasts = model_forecasts(warehouse, forecast_store, champion.row["model"], series,
                                    past, make_today=False)
        again = champion_at(series, champion, forecasts, firsts)
        replayed[past] = again.weights if again.day == past else np.full(len(commodities),
                                                                         np.nan)
    return targets_parity(commodities, recorded, replayed, target.twin_gap())
