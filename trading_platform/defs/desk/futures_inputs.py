"""Load one futures desk day: the champion it trades, the series and forecasts as known that
day, the paper book after the previous close, its values since the last reset, the halt in
force and each contract's volume. Loaders only load (and keep today's live forecasts)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import dagster as dg
import numpy as np
import polars as pl

from trading_platform.defs.desk.champion_forecast import todays_matrix
from trading_platform.defs.desk.inputs import halt_state
from trading_platform.defs.market.futures_prices import (
    continuous_from,
    stored_contract_history,
)
from trading_platform.defs.universe import FUTURES_PARTITIONS, FUTURES_STRATEGIES, UNIVERSE, ZOO
from trading_platform.domain.desk.trading_book.breakers import RESET_COMMAND
from trading_platform.domain.desk.trading_book.paper import PaperPositions
from trading_platform.domain.futures.commodity_backtests import NO_MODEL, ModelForecasts
from trading_platform.resources.forecast_store import ForecastStore, fit_identity
from trading_platform.resources.tables import (
    BOOK_CHAMPIONS,
    FUTURES_DAILY,
    FUTURES_DESK,
    FUTURES_POSITIONS,
)
from trading_platform.resources.warehouse import Warehouse

BOOK_KEY = "futures_book"  # the futures book's key in the halts table ("*" halts it too)
VOLUME_DAYS = 20  # the average daily volume an order is measured against


@dataclass(frozen=True)
class BookChampion:
    """The champion row traded, and on what basis (``confirmed``, ``last_confirmed`` or
    ``provisional``: paper only, never beyond the shadow stage)."""

    row: dict
    basis: str
    selected: dict

    @property
    def strategy(self) -> object:
        return FUTURES_STRATEGIES.strategies[self.row["strategy"]]


def book_champion(warehouse: Warehouse, day: dt.date) -> BookChampion:
    """The trading-book champion chosen on data that ended before ``day``."""
    rows = warehouse.read_table(BOOK_CHAMPIONS)
    if rows.height:
        rows = rows.with_columns(pl.col("selection_end").str.to_date()).filter(
            pl.col("selection_end") < day).sort("selection_end")
    if rows.is_empty():
        raise dg.Failure(f"futures desk {day}: no trading-book champion selected on data before "
                         f"{day}; materialize portfolio_backtests and trading_book_champion")
    selected = rows.row(-1, named=True)
    if selected["confirmed"]:
        return BookChampion(selected, "confirmed", selected)
    confirmed = rows.filter(pl.col("confirmed"))
    if confirmed.height:
        return BookChampion(confirmed.row(-1, named=True), "last_confirmed", selected)
    return BookChampion(selected, "provisional", selected)


def research_windows(warehouse: Warehouse) -> dict[str, dt.date]:
    """Each commodity the futures research covered (the matrix the champion came from), in
    book order, with its first research day (the futures backtests' window)."""
    daily = warehouse.read_table(FUTURES_DAILY)
    if daily.is_empty():
        raise dg.Failure("futures desk: no futures_backtests stored; materialize them first")
    firsts = dict(daily.group_by("commodity").agg(pl.col("date").min()).iter_rows())
    return {c: firsts[c] for c in FUTURES_PARTITIONS.get_partition_keys() if c in firsts}


def series_as_of(warehouse: Warehouse, days: list[dt.date],
                 commodities: list[str]) -> dict[dt.date, dict[str, pl.DataFrame]]:
    """Each commodity's continuous series as known on each of ``days`` (its stored prices
    read once)."""
    series: dict[dt.date, dict[str, pl.DataFrame]] = {day: {} for day in days}
    for commodity in commodities:
        prices, front = stored_contract_history(warehouse, commodity)
        for day in days:
            try:
                series[day][commodity], _ = continuous_from(prices, front, commodity, day)
            except ValueError as error:
                raise dg.Failure(f"futures desk {day}, {commodity}: {error}") from error
    return series


def model_forecasts(warehouse: Warehouse, forecast_store: ForecastStore, model: str,
                    series: dict[str, pl.DataFrame], day: dt.date,
                    ) -> dict[str, ModelForecasts] | None:
    """A forecast model's stats per commodity: its research store's days, the live days kept
    since, and today's matrix (made and kept now when none is); None for ``NO_MODEL``."""
    if model == NO_MODEL:
        return None
    out = {}
    for commodity, frame in series.items():
        store = forecast_store.open(commodity, model)
        days = list(store.dates.astype("datetime64[D]").astype(object))
        paths = [np.asarray(store.paths[i], dtype=np.float64) for i in range(len(days))]
        if day not in days and forecast_store.read_live(commodity, model, day) is None:
            matrix, _ = todays_matrix(warehouse, store, forecast_store.fits(
                commodity, model, fit_identity(ZOO, model)), commodity, model, day,
                forecast_store.member_fits(commodity, ZOO, model))
            if matrix is not None:
                forecast_store.write_live(commodity, model, day, matrix)
        after = days[-1] if days else dt.date.min
        for later in frame.filter((pl.col("date") > after) & (pl.col("date") <= day))[
                "date"].to_list():
            live = forecast_store.read_live(commodity, model, later)
            if live is not None:
                days.append(later)
                paths.append(np.asarray(live, dtype=np.float64))
        closes = _closes(warehouse, commodity, days)
        out[commodity] = ModelForecasts.from_paths(np.array(days, dtype="datetime64[D]"),
                                                   closes, np.stack(paths))
    return out


def _closes(warehouse: Warehouse, commodity: str, days: list[dt.date]) -> np.ndarray:
    market = warehouse.read_market([commodity], days[0], days[-1])
    on = dict(zip(market["date"].to_list(), market["close"].to_list(), strict=True))
    return np.array([on.get(d, np.nan) for d in days], dtype=np.float64)


@dataclass(frozen=True)
class PaperState:
    """The paper book after the previous desk day (flat on the capital before the first),
    the reference price of each pending order, and the values since the last reset."""

    positions: PaperPositions
    reference: np.ndarray
    values: np.ndarray
    halted: str


def paper_state(warehouse: Warehouse, commodities: list[str], day: dt.date,
                capital: float) -> PaperState:
    """Read the paper book and its breaker history before ``day``."""
    desk = warehouse.read_table(FUTURES_DESK)
    desk = desk.filter(pl.col("date") < day).sort("date") if desk.height else desk
    reason, reset = halt_state(warehouse, BOOK_KEY, day, RESET_COMMAND)
    k = len(commodities)
    if desk.is_empty():
        return PaperState(PaperPositions.flat(k, capital), np.full(k, np.nan),
                          np.empty(0), reason)
    last = desk["date"][-1]
    rows = warehouse.read_where(FUTURES_POSITIONS, date=last)
    by = {r["commodity"]: r for r in rows.iter_rows(named=True)}
    blank = {"held": 0.0, "mark": np.nan, "order": 0.0, "entry": 0.0, "opened_pnl": 0.0,
             "price": np.nan}

    def column(name: str) -> np.ndarray:
        return np.array([by.get(c, blank)[name] for c in commodities], dtype=np.float64)

    positions = PaperPositions(column("held"), column("mark"), column("order"),
                               column("entry"), column("opened_pnl"), float(desk["equity"][-1]))
    since = desk.filter(pl.col("date") >= reset) if reset is not None else desk
    return PaperState(positions, column("price"), since["equity"].to_numpy(), reason)


def average_volume(warehouse: Warehouse, commodities: list[str], day: dt.date) -> np.ndarray:
    """Each commodity's mean daily volume over its last ``VOLUME_DAYS`` sessions to ``day``
    (NaN without volume): the market data's volume stands for the traded contract's."""
    market = warehouse.read_market(commodities, day - dt.timedelta(days=3 * VOLUME_DAYS), day)
    out = []
    for commodity in commodities:
        volume = market.filter(pl.col("commodity") == commodity)["volume"].tail(VOLUME_DAYS)
        out.append(float(volume.mean()) if volume.drop_nulls().len() else np.nan)
    return np.array(out, dtype=np.float64)


def book_universe() -> dict:
    """Each book commodity's contract spec."""
    return {c: UNIVERSE.commodities[c].futures for c in FUTURES_PARTITIONS.get_partition_keys()}
