"""What the daily schedule asks for: the trading day that just closed, per commodity.

A tick after the close on local date D requests ``"<commodity>|D"`` for every commodity whose
calendar trades on D; a weekend or a holiday of every calendar requests nothing, and a holiday
of one exchange only skips that exchange's commodities.
"""

from __future__ import annotations

import datetime as dt

from trading_platform.config.universe import Universe
from trading_platform.domain.market.calendar import is_trading_day
from trading_platform.domain.partition_keys import commodity_date_key


def daily_partition_keys(day: dt.date, universe: Universe) -> list[str]:
    """Multi-partition keys of ``day`` for the commodities that traded on it (sorted)."""
    return [
        commodity_date_key(commodity, day)
        for commodity in universe.commodity_keys
        if is_trading_day(day, universe.calendar_for(commodity))
    ]


def trading_partition_keys(day: dt.date, universe: Universe) -> list[str]:
    """``commodity|date`` keys of ``day`` for the harvested commodities that traded on it."""
    return [commodity_date_key(commodity, day) for commodity in universe.harvested_keys
            if is_trading_day(day, universe.calendar_for(commodity))]
