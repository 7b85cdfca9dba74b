"""Only confirmed evidence trades: the champion, else the last confirmed one, else a baseline."""

import datetime as dt

import polars as pl
import pytest

from trading_platform.config.selection import SelectionConfig
from trading_platform.domain.selection.champion import select_champion
from trading_platform.domain.selection.trading_choice import trading_choice


def _decision(dsr: float):
    # xgboost x consensus is eligible (beats the baseline's 100 and the random walk's 120);
    # its DSR decides whether it is confirmed (>= 0.95) or provisional.
    rows = [("xgboost", "equal_batch", "baseline", 100.0, 0.3),
            ("naive_rw", "immediate_sale", "baseline", 110.0, 0.2),
            ("naive_rw", "consensus", "forecast", 120.0, 0.4),
            ("xgboost", "consensus", "forecast", 150.0, 0.9)]
    frame = pl.DataFrame({
        "model": [r[0] for r in rows], "strategy": [r[1] for r in rows],
        "family": [r[2] for r in rows], "spec_hash": [f"h_{r[1]}" for r in rows],
        "value_added": [r[3] for r in rows], "score": [r[4] for r in rows],
        "sharpe": 1.5, "max_drawdown": -0.1, "calmar": 1.2,
        "turnover": [0.01, 1.0, 0.1, 0.1],  # immediate sale sells everything every day
        "regime_consistency": 1.0, "failed": pl.Series([[]] * 4, dtype=pl.List(pl.String)),
        "passes": True, "dsr": dsr, "holdout_sharpe": 0.5, "n_candidates": 4,
        "holdout_value_added": [10.0, 15.0, 20.0, 30.0]})
    return select_champion(frame, SelectionConfig())


def test_trading_choice_given_confirmed_champion_trades_it():
    choice = trading_choice(_decision(0.99), None, 0.4)
    assert (choice.basis, choice.model, choice.strategy) == (
        "confirmed_champion", "xgboost", "consensus")


def test_trading_choice_given_provisional_falls_back_to_last_confirmed():
    earlier = {"model": "lightgbm", "strategy": "risk_adjusted", "spec_hash": "h_ra",
               "selected_through": dt.date(2024, 6, 28)}
    choice = trading_choice(_decision(0.50), earlier, 0.4)
    assert (choice.basis, choice.model, choice.strategy, choice.spec_hash) == (
        "last_confirmed_champion", "lightgbm", "risk_adjusted", "h_ra")
    assert "provisional" in choice.reason and "2024-06-28" in choice.reason


def test_trading_choice_given_provisional_and_none_confirmed_trades_best_tradable_baseline():
    # immediate_sale added more (110 > 100) but sells everything every day (turnover 1.0 >
    # 0.4): the desk's daily sale limit would refuse it, so equal_batch is traded.
    choice = trading_choice(_decision(0.50), None, 0.4)
    assert (choice.basis, choice.model, choice.strategy, choice.spec_hash) == (
        "best_baseline", "xgboost", "equal_batch", "h_equal_batch")
    assert "no forecast" in choice.reason
    # With a limit every baseline meets, the one adding most is traded.
    assert trading_choice(_decision(0.50), None, 1.0).strategy == "immediate_sale"


def test_trading_choice_given_provisional_without_baselines_refuses():
    decision = _decision(0.50)
    bare = decision.__class__(**{**decision.__dict__, "evaluated": decision.evaluated.filter(
        pl.col("family") != "baseline")})
    with pytest.raises(ValueError, match="no baseline strategy"):
        trading_choice(bare, None, 0.4)
