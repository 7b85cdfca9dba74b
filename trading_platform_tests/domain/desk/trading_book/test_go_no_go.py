"""The go/no-go decision: a clean period goes one stage up, and each criterion, planted on its
own, turns it into NO_GO; a short period is PENDING; the figures are derived by hand."""

import dataclasses
import datetime as dt
import math

import numpy as np
import polars as pl
import pytest
from pydantic import ValidationError

from trading_platform.config.risk_limits import GoNoGo
from trading_platform.domain.desk.trading_book.go_no_go import (
    PaperPeriod,
    decide_go_no_go,
    equal_weight_returns,
    next_stage,
    orders_rerun,
    slippage_fills,
    stage_name,
)
from trading_platform.domain.statuses import GoNoGoDecision

SETTINGS = GoNoGo(paper_days=5)
DATES = [dt.date(2026, 11, d) for d in (2, 3, 4, 5, 6)]


def _period(values=(101.0, 100.5, 102.0, 103.0, 104.0), **changes) -> PaperPeriod:
    n = len(values)
    period = PaperPeriod(
        days=pl.DataFrame({"date": DATES[:n], "equity": list(values),
                           "status": ["ACTIONABLE"] * n}),
        start_value=100.0, equal_weight=np.full(n, 0.001), halts=[], gaps=[],
        fills=pl.DataFrame({"date": [DATES[1]], "commodity": ["corn"], "realised": [25.0],
                            "estimate": [25.0]}),
        failed_checks=[], rerun=orders_rerun({"corn": 2.0}, {"corn": 2.0}))
    return dataclasses.replace(period, **changes)


def _decide(period: PaperPeriod, stage: float = 0.0, confirmed: bool = True):
    return decide_go_no_go(DATES[-1], "ma_cross|none|equal_weight", period, stage, SETTINGS,
                           confirmed=confirmed)


def _failed(report) -> set[str]:
    return {c.name for c in report.criteria if not c.passed}


def test_decide_go_no_go_given_a_clean_period_goes_one_stage_up():
    report = _decide(_period())
    assert report.decision == GoNoGoDecision.GO and not _failed(report)
    assert (report.stage, report.next_stage) == (0.0, 0.1)
    # 100 -> 104: +4 %; equal weight 1.001^5 - 1 = 0.5010 %
    assert report.figures["book_return"] == pytest.approx(0.04)
    assert report.figures["equal_weight_return"] == pytest.approx(1.001 ** 5 - 1)
    # peak 101 then 100.5: 0.5 / 101 = 0.495 %
    assert report.figures["max_drawdown"] == pytest.approx(0.5 / 101)
    assert report.curve["book"].to_list()[-1] == pytest.approx(1.04)


def test_decide_go_no_go_given_hand_returns_annualises_the_sharpe():
    # returns +1 %, +3 %: mean 2 %, sample std sqrt(2) %, Sharpe sqrt(2) x sqrt(252) = 22.45
    report = _decide(_period(values=(101.0, 104.03)))
    assert report.figures["sharpe"] == pytest.approx(math.sqrt(2) * math.sqrt(252))
    assert report.decision == GoNoGoDecision.PENDING  # 2 of 5 days
    assert report.next_stage == 0.0 and _failed(report) == {"enough_paper_days"}


@pytest.mark.parametrize(("changes", "criterion"), [
    ({"values": (101.0, 85.0, 86.0, 87.0, 120.0)}, "drawdown_below_limit"),  # 101 -> 85
    ({"equal_weight": np.full(5, 0.02)}, "beats_equal_weight"),  # 1.02^5 - 1 = 10.4 % > 4 %
    ({"values": (100.0, 100.0, 100.0, 100.0, 100.0)}, "sharpe_above_minimum"),  # never moved
    ({"halts": ["2026-11-04 day_loss_breaker"]}, "no_breaker_trips"),
    ({"gaps": ["2026-11-04 corn"]}, "no_data_gaps"),
    ({"fills": pl.DataFrame({"date": [DATES[1]], "commodity": ["corn"], "realised": [40.0],
                             "estimate": [25.0]})}, "slippage_within_limit"),  # 1.6x > 1.5x
    ({"failed_checks": ["2026-11-04 futures_backtest_live_parity"]}, "every_check_passed"),
    ({"rerun": orders_rerun({"corn": 2.0}, {"corn": 3.0})}, "rerun_gives_same_orders"),
])
def test_decide_go_no_go_given_one_planted_defect_is_no_go(changes, criterion):
    report = _decide(_period(**changes))
    assert report.decision == GoNoGoDecision.NO_GO
    assert criterion in _failed(report)
    assert report.next_stage == report.stage == 0.0


def test_decide_go_no_go_given_a_halted_day_is_no_go():
    days = _period().days.with_columns(pl.when(pl.col("date") == DATES[2]).then(
        pl.lit("HALTED")).otherwise(pl.col("status")).alias("status"))
    report = _decide(_period(days=days))
    assert report.decision == GoNoGoDecision.NO_GO and _failed(report) == {"no_breaker_trips"}


def test_decide_go_no_go_given_a_provisional_champion_never_goes():
    report = _decide(_period(), confirmed=False)
    assert report.decision == GoNoGoDecision.NO_GO
    assert _failed(report) == {"champion_confirmed"} and report.next_stage == 0.0


def test_decide_go_no_go_given_the_last_stage_stays_there():
    assert _decide(_period(), stage=1.0).next_stage == 1.0
    assert _decide(_period(), stage=0.5).next_stage == 1.0


def test_stage_ladder_names_and_steps():
    assert [stage_name(s) for s in SETTINGS.stages] == ["shadow", "10 %", "50 %", "100 %"]
    assert next_stage(SETTINGS.stages, 0.0) == 0.1 and next_stage(SETTINGS.stages, 0.1) == 0.5


@pytest.mark.parametrize("stages", [(0.1, 0.5, 1.0), (0.0, 0.5, 0.5, 1.0), (0.0, 0.5), (0.0,)])
def test_go_no_go_config_given_a_bad_ladder_refuses(stages):
    with pytest.raises(ValidationError, match="must rise strictly from 0"):
        GoNoGo(stages=stages)


def test_slippage_fills_given_a_roll_leaves_it_out_and_pairs_the_order_before():
    positions = pl.DataFrame({
        "date": DATES[:3] * 2, "commodity": ["corn"] * 3 + ["wheat"] * 3,
        "contract": ["C1", "C1", "C1", "W1", "W2", "W2"],
        "order": [2.0, 0.0, 0.0, 1.0, 0.0, 0.0],
        "filled": [0.0, 2.0, 0.0, 0.0, 1.0, 0.0],
        "slippage": [0.0, 30.0, 0.0, 0.0, 99.0, 0.0],
        "slippage_estimate": [25.0, 0.0, 0.0, 12.5, 0.0, 0.0]})
    fills = slippage_fills(positions)
    # corn's order of 2 Nov filled on 3 Nov; wheat's fill came with a roll (W1 -> W2)
    assert fills.to_dicts() == [{"date": DATES[1], "commodity": "corn", "realised": 30.0,
                                 "estimate": 25.0}]


def test_equal_weight_returns_given_hand_prices_average_the_contract_returns():
    corn = pl.DataFrame({"date": DATES[:3], "close": [100.0, 110.0, 99.0],
                         "adjusted_close": [90.0, 100.0, 89.0]})
    wheat = pl.DataFrame({"date": DATES[1:3], "close": [50.0, 55.0],
                          "adjusted_close": [50.0, 55.0]})
    returns = equal_weight_returns({"corn": corn, "wheat": wheat}, DATES[:4])
    # 3 Nov: corn (100 - 90) / 100 = 10 %, wheat has no earlier bar: 10 %
    # 4 Nov: corn (89 - 100) / 110 = -10 %, wheat (55 - 50) / 50 = +10 %: 0 %
    assert returns[1] == pytest.approx(0.10) and returns[2] == pytest.approx(0.0)
    assert np.isnan(returns[0]) and np.isnan(returns[3])
