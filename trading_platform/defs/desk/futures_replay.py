"""The champion's target on a day and the futures desk's backtest-live parity replay."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import numpy as np
import polars as pl

from trading_platform.defs.desk.futures_inputs import BookChampion, book_universe, series_as_of
from trading_platform.defs.universe import FUTURES_BOOK
from trading_platform.domain.desk.trading_book.parity import targets_parity
from trading_platform.domain.desk.trading_book.targets import ChampionTarget, champion_target
from trading_platform.domain.evidence import CheckOutcome
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


def parity_outcome(warehouse: Warehouse, champion: BookChampion, firsts: dict[str, dt.date],
                   forecasts: dict | None, day: dt.date, target: ChampionTarget,
                   days: int) -> CheckOutcome:
    """Replay the champion on each of the last ``days`` recorded days before ``day`` that it
    traded, on the data known then, against the weights recorded (``targets_parity``).
    ``forecasts`` are today's: a series as known on an earlier day reads none after it."""
    desk = warehouse.read_table(FUTURES_DESK)
    recorded_days = (_same_champion(desk.filter(pl.col("date") < day), champion)["date"]
                     .sort().tail(days).to_list() if desk.height else [])
    commodities = list(firsts)
    rows = warehouse.read_table(FUTURES_POSITIONS) if recorded_days else pl.DataFrame()
    series = series_as_of(warehouse, recorded_days, commodities)
    recorded, replayed = {}, {}
    for past in recorded_days:
        on = rows.filter(pl.col("date") == past)
        weight = dict(zip(on["commodity"].to_list(), on["plan_weight"].to_list(), strict=True))
        recorded[past] = np.array([weight.get(c, np.nan) for c in commodities], dtype=float)
        again = champion_at(series[past], champion, forecasts, list(firsts.values()))
        replayed[past] = again.weights if again.day == past else np.full(len(commodities),
                                                                         np.nan)
    return targets_parity(commodities, recorded, replayed, target.twin_gap())
