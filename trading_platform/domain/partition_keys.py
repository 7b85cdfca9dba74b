"""The one place multi-partition keys are composed and parsed.

Dagster writes a two-dimensional key as the dimension keys joined by ``|``, dimensions in
alphabetical order of their names: ``commodity|date`` -> ``"coffee|2024-01-02"`` and
``commodity|model`` -> ``"coffee|xgboost"``. Every asset partitioned by two dimensions uses
these helpers, so the order and the separator are written down once.
"""

from __future__ import annotations

import datetime as dt

SEPARATOR = "|"


def commodity_date_key(commodity: str, day: dt.date | str) -> str:
    """``"<commodity>|<YYYY-MM-DD>"``."""
    text = day if isinstance(day, str) else day.isoformat()
    return f"{commodity}{SEPARATOR}{text}"


def commodity_model_key(commodity: str, model: str) -> str:
    """``"<commodity>|<model>"``."""
    return f"{commodity}{SEPARATOR}{model}"


def split_key(key: str) -> tuple[str, str]:
    """The two dimension keys of ``key``; a ValueError names a key that is not two-dimensional."""
    parts = str(key).split(SEPARATOR)
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"partition key {key!r} is not '<a>{SEPARATOR}<b>' (two dimensions)")
    return parts[0], parts[1]


def parse_commodity_date(key: str) -> tuple[str, dt.date]:
    """(commodity, day) of a ``commodity|date`` key."""
    commodity, day = split_key(key)
    return commodity, dt.date.fromisoformat(day)
