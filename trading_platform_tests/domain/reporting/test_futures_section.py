"""The futures desk's part of the daily report: utilisation of every limit on hand-derived
cases (an at-least limit, a tripped breaker, checks that did not judge their figure), the
book's P&L and costs from a tiny two-day record, a day without a desk row, and the section in
report.html and monitoring.json (strict JSON)."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from trading_platform.config.risk_limits import FuturesRisk
from trading_platform.domain.reporting.daily_report import build_report_pack, summary_markdown
from trading_platform.domain.reporting.futures_charts import risk_utilisation_chart
from trading_platform.domain.reporting.futures_section import (
    FuturesRecords,
    FuturesSection,
    build_futures_section,
)
from trading_platform.domain.reporting.risk_utilisation import (
    LIMITS,
    risk_utilisation,
    utilisation,
)

DAY = dt.date(2024, 5, 2)
BEFORE = dt.date(2024, 5, 1)
RISK = FuturesRisk()  # defaults: max_position 0.40, min_cash 0.05, max_drawdown 0.15, ...
NAN = float("nan")


def _verdict(check: str, passed: bool = True, **evidence: object) -> dict[str, object]:
    return {"check": check, "passed": passed, "severity": "ERROR",
            "description": f"{check}: planted", "evidence": json.dumps(evidence)}


def _uses(verdicts: list[dict[str, object]]) -> dict[str, object]:
    return {u.limit: u for u in risk_utilisation(verdicts, RISK)}


def test_utilisation_given_hand_cases_matches_the_derivation():
    assert utilisation(0.24, 0.30, 0.0) == pytest.approx(0.8)  # at most: 0.24 / 0.30
    assert utilisation(0.50, 0.05, 1.0) == pytest.approx(0.5 / 0.95)  # (1 - 0.5) / (1 - 0.05)
    assert utilisation(-0.01, 0.05, 0.0) == 0.0  # a day's gain uses none of a loss limit
    assert utilisation(0.18, 0.15, 0.0) == pytest.approx(1.2)  # 0.18 / 0.15: beyond the limit
    assert utilisation(NAN, 0.15, 0.0) is None
    assert utilisation(0.3, 0.4, 0.4) is None  # anchor at the threshold: no room to measure


def test_risk_utilisation_given_a_tiny_day_reads_every_limit():
    uses = _uses([
        _verdict("turnover_within_limit", observed=0.24, threshold=0.30),
        _verdict("cash_above_min", observed=0.50, threshold=0.05),
        _verdict("held_position_above_min", observed=0.20, threshold=0.05),
        _verdict("no_leverage", observed=0.50, threshold=1.0, margin=0.45, max_margin=0.5),
        _verdict("value_breaker", observed=0.90, threshold=0.80),
        _verdict("drawdown_breaker", passed=False, observed=0.18, threshold=0.15)])
    assert [u.limit for u in uses.values()] == [spec.limit for spec in LIMITS]
    assert uses["limits.max_turnover"].utilisation == pytest.approx(0.8)  # 0.24 / 0.30
    # at least, anchor 1 (all cash): (1 - 0.50) / (1 - 0.05) = 0.5263
    assert uses["limits.min_cash"].utilisation == pytest.approx(0.526315789)
    assert uses["limits.min_cash"].direction == "at least"
    # at least, anchor max_position 0.40: (0.40 - 0.20) / (0.40 - 0.05) = 0.5714
    assert uses["limits.min_position"].utilisation == pytest.approx(0.571428571)
    assert uses["limits.max_gross"].utilisation == pytest.approx(0.5)  # 0.50 / 1.0
    assert uses["limits.max_margin"].utilisation == pytest.approx(0.9)  # 0.45 / 0.5
    # value 0.90 of the initial capital against 0.80, anchor 1: (1 - 0.9) / (1 - 0.8) = 0.5
    assert uses["breakers.min_value"].utilisation == pytest.approx(0.5)
    tripped = uses["breakers.max_drawdown"]
    assert tripped.utilisation == pytest.approx(1.2) and tripped.passed is False  # 0.18 / 0.15
    missing = uses["breakers.one_day_loss"]
    assert missing.utilisation is None and missing.passed is None
    assert "no verdict of day_loss_breaker" in missing.note
    assert missing.threshold == RISK.breakers.one_day_loss  # the configured 0.05


def test_risk_utilisation_given_checks_that_did_not_judge_their_figure_reports_none():
    uses = _uses([
        # 2 of the 30 returns the Sharpe needs: passed, its "observed" is a count
        _verdict("kill_switch_sharpe", observed=2, threshold=30),
        # nothing held: the smallest-position check records 0 and passes
        _verdict("held_position_above_min", observed=0.0, threshold=0.05)])
    for limit in ("kill_switch.min_sharpe", "limits.min_position"):
        use = uses[limit]
        assert use.utilisation is None and use.observed is None and use.passed is True
        assert use.note.startswith("not judged today")
    assert uses["kill_switch.min_sharpe"].threshold == 0.5  # the configured floor, not 30


def test_risk_utilisation_given_a_failed_sharpe_reads_it_beyond_the_limit():
    # Sharpe 0.2 against the floor 0.5, anchor 0.5 + 1: (1.5 - 0.2) / (1.5 - 0.5) = 1.3
    uses = _uses([_verdict("kill_switch_sharpe", passed=False, observed=0.2, threshold=0.5)])
    assert uses["kill_switch.min_sharpe"].utilisation == pytest.approx(1.3)


def test_risk_utilisation_given_a_non_finite_figure_keeps_the_failure_without_a_number():
    uses = _uses([_verdict("turnover_within_limit", passed=False, observed="nan",
                           threshold=0.3)])
    use = uses["limits.max_turnover"]
    assert use.utilisation is None and use.passed is False and "'nan'" in use.note


def _desk_row(day: dt.date, **overrides: object) -> dict[str, object]:
    row = {"date": day, "status": "ACTIONABLE", "basis": "confirmed", "stage": "shadow",
           "selected": "carry x risk_parity", "halted_reason": "", "equity": 1_000_000.0,
           "pnl": 0.0, "costs": 0.0, "gross": 0.3, "cash": 0.7, "turnover": 0.05,
           "estimated_costs": 0.0001, "margin_share": 0.06, "orders": 1, "dropped": 0,
           "gaps": 0, "signal_set": "carry", "optimiser": "risk_parity", "model": "none",
           "strategy": "carry", "strategy_version": "1", "strategy_hash": "abc",
           "book_config_hash": "def", "mlflow_version": "2", "risk_limits_hash": "123"}
    return row | overrides


def _positions(day: dt.date, rows: list[dict[str, object]]) -> pl.DataFrame:
    base = {"date": day, "contract": "X", "held_open": 0.0, "filled": 0.0, "fill_price": NAN,
            "pnl": 0.0, "commission": 0.0, "slippage": 0.0, "shortfall": 0.0, "held": 0.0,
            "mark": 100.0, "entry": 0.0, "opened_pnl": 0.0, "price": 100.0,
            "weight_before": 0.0, "weight_after": 0.0, "order": 0.0, "order_notional": 0.0,
            "cost_estimate": 0.0, "slippage_estimate": 0.0, "plan_weight": 0.0,
            "volume": 1000.0, "dropped_order": 0.0, "gap": False}
    return pl.DataFrame([base | row for row in rows])


@pytest.fixture(scope="module")
def section() -> FuturesSection:
    # Day 1: 1,000,000 -> 1,010,000. Day 2: P&L +2,000, costs 2.50 + 37.50 = 40 ->
    # value 1,010,000 + 2,000 - 40 = 1,011,960 on 1,000,000 of capital.
    desk = pl.DataFrame([_desk_row(BEFORE, equity=1_010_000.0, pnl=10_000.0),
                         _desk_row(DAY, equity=1_011_960.0, pnl=2_000.0, costs=40.0)])
    # yesterday's order: buy 5 corn with a slippage estimate of 12.50; today it fills 0.40
    # above its reference price: shortfall 5 x 0.40 x 50 = 100, i.e. 100 / 12.5 = 8 x it.
    # A roll today also charges its two legs: slippage charged 37.50, not the 12.50 sent.
    previous = _positions(BEFORE, [{"commodity": "corn", "order": 5.0,
                                    "slippage_estimate": 12.5},
                                   {"commodity": "wheat"}])
    today = _positions(DAY, [
        {"commodity": "corn", "filled": 5.0, "fill_price": 100.4, "commission": 2.5,
         "slippage": 37.5, "shortfall": 100.0, "held": 5.0, "pnl": 2_000.0,
         "weight_before": 0.3, "weight_after": 0.3, "plan_weight": 0.31},
        {"commodity": "wheat", "order": -2.0, "order_notional": 10_000.0,
         "cost_estimate": 6.0, "slippage_estimate": 5.0, "weight_after": -0.01,
         "plan_weight": -0.012}])
    verdicts = pl.DataFrame([_verdict("drawdown_breaker", observed=0.0, threshold=0.15),
                             _verdict("turnover_within_limit", observed=0.05, threshold=0.3)])
    return build_futures_section(DAY, FuturesRecords(desk, today, previous, verdicts), RISK,
                                 1_000_000.0)


def test_build_futures_section_given_two_days_books_value_and_pnl(section):
    book = section.book
    assert section.recorded and book["value"] == 1_011_960.0
    assert book["value_vs_initial"] == pytest.approx(1.01196)  # 1,011,960 / 1,000,000
    assert (book["day_pnl"], book["day_costs"], book["day_net"]) == (2_000.0, 40.0, 1_960.0)
    assert book["pnl_since_inception"] == 12_000.0  # 10,000 + 2,000
    assert book["costs_since_inception"] == 40.0
    assert book["net_since_inception"] == 11_960.0 and book["reconciles"]  # 12,000 - 40


def test_build_futures_section_given_a_fill_sets_shortfall_beside_the_estimate_sent(section):
    (fill,) = section.fills
    assert (fill["commodity"], fill["slippage_estimate"], fill["shortfall"]) == (
        "corn", 12.5, 100.0)
    assert fill["shortfall_vs_estimate"] == pytest.approx(8.0)  # 100 / 12.5
    assert section.costs["commission"] == 2.5 and section.costs["slippage"] == 37.5
    assert section.costs["slippage_estimate_of_fills"] == 12.5
    assert section.costs["orders_commission_estimate"] == 1.0  # 6.0 - 5.0 slippage
    (order,) = section.orders
    assert (order["commodity"], order["order"], order["champion_weight"]) == (
        "wheat", -2.0, -0.012)


def test_build_futures_section_given_breaker_verdicts_lists_every_breaker(section):
    names = [b["name"] for b in section.breakers]
    assert names[:3] == ["day_loss_breaker", "week_loss_breaker", "drawdown_breaker"]
    assert len(names) == 7  # five breakers and the kill switch's two triggers
    drawdown = next(b for b in section.breakers if b["name"] == "drawdown_breaker")
    assert drawdown["tripped"] is False and drawdown["threshold"] == 0.15
    assert next(b for b in section.breakers if b["name"] == "value_breaker")["tripped"] is None


def test_build_futures_section_given_no_desk_row_names_the_asset_to_materialize():
    empty = FuturesRecords(pl.DataFrame([_desk_row(BEFORE)]), pl.DataFrame(), pl.DataFrame(),
                           pl.DataFrame())
    section = build_futures_section(DAY, empty, RISK, 1_000_000.0)
    assert not section.recorded
    assert section.message == (f"no futures desk row for {DAY}: materialize futures_orders "
                               f"for {DAY}, then this report again")
    pack = build_report_pack(DAY, {}, [], "now", section)
    document = json.loads(pack.files["monitoring.json"])["futures_book"]
    assert document["recorded"] is False and document["message"] == section.message
    assert "materialize futures_orders" in pack.files["report.html"].decode()
    assert "futures desk: no futures desk row" in summary_markdown(pack)


def test_monitoring_json_given_nan_in_the_futures_rows_is_strict_json(section):
    pack = build_report_pack(DAY, {}, [], "now", section)

    def refuse(constant: str) -> None:
        raise AssertionError(f"non-strict JSON constant {constant}")
    document = json.loads(pack.files["monitoring.json"], parse_constant=refuse)["futures_book"]
    wheat = next(p for p in document["positions"] if p["commodity"] == "wheat")
    assert document["book"]["value"] == 1_011_960.0 and wheat["weight_after"] == -0.01
    assert document["trades_file"] == "futures/trades.csv"
    assert {u["limit"]: u["utilisation"] for u in document["utilisation"]}[
        "limits.max_turnover"] == pytest.approx(0.05 / 0.3)


def test_report_html_given_a_halted_futures_book_shows_the_banner_section_and_chart(section):
    halted = build_futures_section(
        DAY, FuturesRecords(pl.DataFrame([_desk_row(DAY, status="HALTED",
                                                    halted_reason="drawdown <b>18 %</b>")]),
                            pl.DataFrame(), pl.DataFrame(),
                            pl.DataFrame([_verdict("drawdown_breaker", passed=False,
                                                   observed=0.18, threshold=0.15)])),
        RISK, 1_000_000.0)
    page = build_report_pack(DAY, {}, [], "now", halted).files["report.html"].decode()
    assert "<div class='banner'><p>futures book HALTED (drawdown &lt;b&gt;18 %&lt;/b&gt;)" in page
    assert "<section id='futures-desk'>" in page and "<b>18" not in page
    assert "data:image/png;base64," in page  # the utilisation chart
    assert "<td class='fail num'>120 %</td>" in page  # 0.18 / 0.15
    assert "TRIPPED" in page and "desk reset --book futures" in page


def test_risk_utilisation_chart_given_other_values_renders_another_png():
    labels = ["limits.max_turnover", "breakers.max_drawdown", "kill_switch.min_sharpe"]
    first = risk_utilisation_chart(labels, [0.2, 0.85, None], "utilisation")
    second = risk_utilisation_chart(labels, [0.2, 1.2, None], "utilisation")
    assert first.startswith(b"\x89PNG") and first != second
