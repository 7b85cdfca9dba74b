"""Synthetic per-contract prices for the demo, so that rolls, carry and roll costs are exercised.

The demo's generator makes one front-month series per commodity (``market_data``'s close). Each
listed contract is priced from it with a carry that moves slowly between contango and
backwardation: ``price_c(d) = front(d) + scale x carry(d) x years_to(c, d)``, where
``years_to`` is the calendar time from ``d`` to the contract's reference day (365 days a year)
and ``scale`` the commodity's base price, so the curve is additive and a negative front price
(crude) stays consistent. ``carry(d)`` (annualised) swings between ``-amplitude`` and
``+amplitude`` over ``period_days`` with a little seeded noise; prices are rounded to the tick.
A contract is quoted from the day after the roll of the contract two places before it until its
reference day, so the held and the next contract both trade on every roll day.
"""

from __future__ import annotations

import datetime as dt
import zlib

import numpy as np
import polars as pl

from trading_platform.config.contracts import FuturesSpec
from trading_platform.config.universe import TradingCalendarSpec, Universe
from trading_platform.domain.futures.continuous import series_from_contracts
from trading_platform.domain.futures.contract_data import synthetic_rows
from trading_platform.domain.futures.contracts import Contract, roll_calendar

CARRY_AMPLITUDE = 0.08   # annualised: a contract a year out is up to 8 % of the base price away
CARRY_PERIOD_DAYS = 900  # about two and a half years from contango to backwardation and back
CARRY_NOISE = 0.01


def carry_path(dates: list[dt.date], seed: int) -> np.ndarray:
    """The annualised carry on each date: a slow swing plus a small random walk, seeded."""
    rng = np.random.default_rng(seed)
    days = np.array([(d - dates[0]).days for d in dates], dtype=np.float64)
    phase = rng.uniform(0, 2 * np.pi)
    noise = np.cumsum(rng.normal(0, CARRY_NOISE / np.sqrt(CARRY_PERIOD_DAYS), len(dates)))
    return CARRY_AMPLITUDE * np.sin(2 * np.pi * days / CARRY_PERIOD_DAYS + phase) + noise


def contract_curves(front: pl.DataFrame, contracts: list[Contract], spec: FuturesSpec,
                    scale: float, seed: int, commodity: str) -> pl.DataFrame:
    """Per-contract closes (``date``, ``contract``, ``close``) from ``front`` (``date``,
    ``close``) for the ``contracts`` of the roll calendar over its dates."""
    front = front.sort("date")
    dates: list[dt.date] = front["date"].to_list()
    if not dates:
        return pl.DataFrame(schema={"date": pl.Date, "contract": pl.String,
                                    "close": pl.Float64})
    closes = front["close"].to_numpy()
    carry = carry_path(dates, zlib.crc32(f"{seed}:{commodity}:curve".encode()))
    day_numbers = np.array([d.toordinal() for d in dates])
    frames = []
    for i, contract in enumerate(contracts):
        first = contracts[i - 2].roll_day if i >= 2 else dates[0] - dt.timedelta(days=1)
        quoted = (day_numbers > first.toordinal()) & \
            (day_numbers <= contract.reference_day.toordinal())
        years = (contract.reference_day.toordinal() - day_numbers[quoted]) / 365.0
        price = closes[quoted] + scale * carry[quoted] * years
        ticks = np.round(price / spec.tick_size) * spec.tick_size
        frames.append(pl.DataFrame({
            "date": [d for d, q in zip(dates, quoted, strict=True) if q],
            "contract": [contract.name] * int(quoted.sum()),
            "close": np.round(ticks, 10)}, schema={"date": pl.Date, "contract": pl.String,
                                                   "close": pl.Float64}))
    return pl.concat(frames).sort("date", "contract")


def synthetic_contract_prices(front: pl.DataFrame, spec: FuturesSpec,
                              calendar: TradingCalendarSpec, scale: float, seed: int,
                              commodity: str) -> pl.DataFrame:
    """``commodity``'s generated contract price rows (``CONTRACT_PRICE_SCHEMA``, origin
    ``synthetic``) priced from its front-month ``front`` (``date``, ``close``) for every
    contract of the roll calendar over its dates."""
    contracts = roll_calendar(spec, calendar, front["date"].min(), front["date"].max())
    curves = contract_curves(front, contracts, spec, scale, seed, commodity)
    return synthetic_rows(curves, commodity, seed)


def synthetic_series(front: pl.DataFrame, spec: FuturesSpec, calendar: TradingCalendarSpec,
                     scale: float, seed: int, commodity: str) -> pl.DataFrame:
    """``commodity``'s continuous series from its synthetic contract prices."""
    prices = synthetic_contract_prices(front, spec, calendar, scale, seed, commodity)
    return series_from_contracts(prices, spec, calendar, commodity)


def universe_series(universe: Universe, market: pl.DataFrame, names: list[str]
                    ) -> tuple[dict[str, pl.DataFrame], dict[str, FuturesSpec]]:
    """(each named commodity's synthetic continuous series, its contract spec), priced from the
    generated ``market`` closes with the universe's seed, base prices and exchange calendars."""
    series, specs = {}, {}
    for name in names:
        commodity = universe.commodities[name]
        front = market.filter(pl.col("commodity") == name).select("date", "close")
        specs[name] = commodity.futures
        series[name] = synthetic_series(front, commodity.futures,
                                        universe.exchange_calendar_for(name),
                                        commodity.synthetic.base_price, universe.seed, name)
    return series, specs

