"""The capital stage a futures champion trades at: its last GO before the day, shadow without
one, and always shadow for a provisional champion."""

import datetime as dt

import polars as pl

from trading_platform.defs.desk.futures_day import champion_key, champion_stage
from trading_platform.defs.desk.futures_inputs import BookChampion
from trading_platform.resources.tables import FUTURES_STAGES
from trading_platform.resources.warehouse import Warehouse

ROW = {"signal_set": "ma_cross|none", "optimiser": "equal_weight", "strategy_hash": "abc",
       "book_config_hash": "def"}


def _go(warehouse: Warehouse, champion: str, on: dt.date, stage: float) -> None:
    warehouse.replace_rows({"champion": champion, "decided_on": on},
                           {FUTURES_STAGES: pl.DataFrame([{"stage": stage}])})


def test_champion_stage_given_gos_on_record_is_the_last_before_the_day(tmp_path):
    warehouse = Warehouse(database=str(tmp_path / "w.duckdb"))
    confirmed = BookChampion(ROW, "confirmed", ROW)
    day = dt.date(2026, 11, 20)
    assert champion_stage(warehouse, confirmed, day) == 0.0  # nothing on record: shadow
    _go(warehouse, champion_key(ROW), dt.date(2026, 11, 10), 0.1)
    _go(warehouse, champion_key(ROW), dt.date(2026, 11, 20), 0.5)  # decided on the day itself
    _go(warehouse, champion_key(ROW | {"optimiser": "maximum_sharpe"}), dt.date(2026, 11, 1),
        1.0)  # another champion's stage
    assert champion_stage(warehouse, confirmed, day) == 0.1
    assert champion_stage(warehouse, confirmed, day + dt.timedelta(days=1)) == 0.5
    provisional = BookChampion(ROW, "provisional", ROW)
    assert champion_stage(warehouse, provisional, day + dt.timedelta(days=1)) == 0.0
