"""What one commodity's trading day is given: its champion and everything loaded for the day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from trading_platform.domain.desk.live import Opening
from trading_platform.domain.inventory.backtest import BookSetup
from trading_platform.domain.inventory.strategies import default_strategies
from trading_platform.domain.inventory.strategy_base import StrategySpec


@dataclass(frozen=True)
class Champion:
    """What a day trades with (``model``, ``strategy``, ``spec``: the confirmed champion, the
    last confirmed one, or the best baseline; ``basis`` says which, ``basis_reason`` why) and
    the lineage of the selection behind it: the champion's registry ``version``, ``status``
    (confirmed or provisional) and score, the traded model's data end ``fitted_through`` and
    the last date the selection saw, ``selected_through``."""

    model: str
    strategy: str
    spec: StrategySpec
    version: str
    status: str
    score: float
    fitted_through: dt.date | None
    basis: str = ""
    basis_reason: str = ""
    selected_through: dt.date | None = None
    evidence: Mapping[str, object] = field(default_factory=dict)  # see EVIDENCE_KEYS
    uses_future: bool | None = None  # the traded model's store mark (None: not recorded)


# The selection evidence every recommendation carries (from the champion record).
EVIDENCE_KEYS = ("selected_model", "selected_strategy", "selection_start", "selection_end",
                 "holdout_start", "holdout_end", "n_candidates", "dsr", "holdout_sharpe",
                 "holdout_sharpe_low", "holdout_sharpe_high")


@dataclass(frozen=True)
class DayInputs:
    """Everything one commodity's day needs, loaded by the asset.

    ``dates``/``closes``: market days from the champion's backtest window start up to today
    (today included when its close is stored); ``ledger``: the commodity's rows before today;
    ``matrices``: live matrices of recent ledger days and today (date -> matrix);
    ``halted``: the reason of a halt still in force (tripped earlier, not reset), else "";
    ``since_reset``: breakers read ledger rows after this date (None: all).
    """

    commodity: str
    day: dt.date
    next_day: dt.date | None
    dates: np.ndarray
    closes: np.ndarray
    matrix: np.ndarray | None
    setup: BookSetup
    champion: Champion
    opening: Opening
    ledger: pl.DataFrame
    matrices: Mapping[dt.date, np.ndarray]
    halted: str
    since_reset: dt.date | None
    lineage: Mapping[str, str]
    # the inventory strategies in force (configured or promoted versions), which parity
    # looks recent days' specs up in
    strategies: Mapping[str, StrategySpec] = field(default_factory=default_strategies)
