"""The trading-book champion: chosen on the selection window only, deflated for every cell
compared, never a synthetic-accuracy cell, confirmed only with a positive holdout."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from trading_platform.config.futures_book import BookSelection
from trading_platform.domain.futures.book_selection import (
    decision_words,
    select_book_champion,
)

DAYS = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(500)]
CAPITAL = 1_000_000.0


def _equity(cells: dict[tuple[str, str], np.ndarray]) -> pl.DataFrame:
    return pl.concat([pl.DataFrame({"signal_set": s, "optimiser": o, "date": DAYS[:r.size],
                                    "equity": CAPITAL * np.cumprod(1 + r)})
                      for (s, o), r in cells.items()])


def _returns(mean: float, seed: int, n: int = 500) -> np.ndarray:
    return np.random.default_rng(seed).normal(mean, 0.01, n)


def test_select_book_champion_given_a_synthetic_best_cell_never_picks_it():
    cells = {("forecast_z|synthetic_90", "equal_weight"): _returns(0.01, 1),
             ("forecast_z|xgboost", "equal_weight"): _returns(0.002, 2),
             ("ma_cross|none", "equal_weight"): _returns(0.0, 3)}
    decision = select_book_champion(_equity(cells), {"forecast_z|synthetic_90"}, CAPITAL,
                                    BookSelection())
    assert decision.champion["signal_set"] == "forecast_z|xgboost"
    assert decision.candidates["n_trials"].to_list() == [3, 3, 3]  # the synthetic one counted


def test_select_book_champion_given_a_lucky_selection_and_a_losing_holdout_is_provisional():
    # 400 selection days earning, 100 holdout days losing: chosen on the first, refused by the
    # second (the holdout never takes part in the choice).
    lucky = np.concatenate([_returns(0.004, 4, 400), _returns(-0.004, 5, 100)])
    steady = _returns(0.001, 6)
    decision = select_book_champion(_equity({("a|m", "hrp"): lucky, ("b|m", "hrp"): steady}),
                                    set(), CAPITAL, BookSelection())
    assert decision.champion["signal_set"] == "a|m"
    assert decision.selection_span == (DAYS[0], DAYS[399])
    assert not decision.confirmed and decision.champion["holdout_sharpe"] < 0
    assert "PROVISIONAL" in decision_words(decision)


def test_select_book_champion_given_many_noise_cells_deflates_the_best_below_confirmation():
    cells = {(f"noise_{i}|m", "equal_weight"): _returns(0.0, 10 + i) for i in range(40)}
    decision = select_book_champion(_equity(cells), set(), CAPITAL, BookSelection())
    assert decision.champion["selection_sharpe"] > 0  # the best of 40 noise cells looks good
    assert decision.champion["dsr"] < 0.95 and not decision.confirmed


def test_select_book_champion_given_a_strong_cell_confirms_it():
    cells = {("strong|m", "equal_weight"): _returns(0.003, 7),
             ("weak|m", "equal_weight"): _returns(0.0, 8)}
    decision = select_book_champion(_equity(cells), set(), CAPITAL, BookSelection())
    assert decision.confirmed and decision.champion["dsr"] >= 0.95


def test_select_book_champion_given_cells_on_different_dates_refuses():
    cells = {("a|m", "equal_weight"): _returns(0.001, 1),
             ("b|m", "equal_weight"): _returns(0.001, 2, 499)}
    with pytest.raises(ValueError, match="identical dates"):
        select_book_champion(_equity(cells), set(), CAPITAL, BookSelection())
