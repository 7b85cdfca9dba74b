"""Selection report: the decision sentence, the top rows, the benchmarks; the equity chart."""

import datetime as dt

import polars as pl

from trading_platform.domain.reporting.selection_report import (
    equity_curve,
    equity_curves_chart,
    selection_report,
)
from trading_platform.domain.selection.champion import Incumbent, select_champion


def _candidates(rows: list[tuple[str, str, str, float, float, list[str]]]) -> pl.DataFrame:
    return pl.DataFrame({
        "model": [r[0] for r in rows], "strategy": [r[1] for r in rows],
        "family": [r[2] for r in rows], "name": "X", "spec_hash": "h",
        "net_earnings": [r[3] for r in rows], "sharpe": 1.5, "max_drawdown": -0.123,
        "calmar": 1.2, "turnover": 0.1, "annual_return": 0.12, "regime_consistency": 0.75,
        "score": [r[4] for r in rows],
        "failed": pl.Series([r[5] for r in rows], dtype=pl.List(pl.String)),
        "passes": [not r[5] for r in rows]}).sort("score", descending=True)


ROWS = [("xgboost", "price_threshold", "baseline", 1_300.0, 0.60, []),
        ("naive_rw", "consensus", "forecast", 1_400.0, 0.50, []),
        ("xgboost", "consensus", "forecast", 2_500.0, 0.90, []),
        ("lightgbm", "consensus", "forecast", 1_000.0, 0.40, ["min_sharpe"])]


def test_selection_report_given_selected_champion_states_it_and_lists_top_rows():
    report = selection_report("coffee", select_champion(_candidates(ROWS), None), top_n=3)
    assert report.startswith("# Champion selection: coffee")
    assert "Selected: xgboost x consensus passed every threshold and beat both benchmarks " \
           "(score 0.900)." in report
    # top 3 by score: xgboost x consensus (0.90), price_threshold (0.60), naive_rw (0.50);
    # max drawdown -0.123 -> -12.3 %; lightgbm (0.40) is 4th and left out.
    assert "| xgboost | consensus | 0.900 | 1.50 | -12.3 | 1.20 | 0.10 | 0.75 | 2,500 | yes " \
           "| - |" in report
    assert "| naive_rw | consensus | 0.500 |" in report
    assert "lightgbm" not in report
    assert "- Best baseline strategy: price_threshold, net earnings 1,300" in report
    assert ("- Best random-walk candidate: the random-walk model x consensus, net earnings "
            "1,400") in report
    assert "![" not in report


def test_selection_report_given_incumbent_kept_says_it_stays_with_its_version():
    # xgboost x consensus now earns 1,200 < 1,300 (baseline): nothing eligible, incumbent stays.
    rows = [*ROWS[:2], ("xgboost", "consensus", "forecast", 1_200.0, 0.90, [])]
    decision = select_champion(_candidates(rows), Incumbent("xgboost", "consensus", "h", "3"))
    report = selection_report("coffee", decision)
    assert ("No candidate passed every check: the incumbent xgboost x consensus "
            "(registry v3) stays.") in report
    assert "- No candidate is eligible" in report  # the reasons, as bullets


def test_selection_report_given_provisional_champion_says_provisional():
    rows = [*ROWS[:2], ("xgboost", "consensus", "forecast", 1_200.0, 0.90, [])]
    report = selection_report("coffee", select_champion(_candidates(rows), None))
    assert ("No candidate passed every check: xgboost x consensus (score 0.900) is a "
            "provisional champion until one does.") in report


def _daily(model: str, strategy: str, values: list[float]) -> pl.DataFrame:
    dates = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(len(values))]
    return pl.DataFrame({"model": model, "strategy": strategy, "date": dates,
                         "price": 5.0, "intake": 0.0, "value": values})


def test_equity_curves_chart_given_picks_and_baseline_renders_png():
    daily = pl.concat([_daily("xgboost", "consensus", [1.0, 3.0, 2.0]),
                       _daily("lightgbm", "consensus", [0.0, 1.0, 1.0]),
                       _daily("xgboost", "price_threshold", [0.5, 0.5, 1.0])])
    png = equity_curves_chart(daily, [("xgboost", "consensus"), ("lightgbm", "consensus")],
                              ("xgboost", "price_threshold"), "coffee equity")
    assert png.startswith(b"\x89PNG")
    empty = equity_curves_chart(daily.clear(), [("xgboost", "consensus")], None, "none")
    assert empty.startswith(b"\x89PNG") and empty != png


def test_equity_curve_given_intake_cumulates_daily_pnl_in_date_order():
    # value 50, 53, 52 with intake 10 at price 5 on day 0: daily P&L 50 - 50 = 0, 3, -1;
    # cumulative 0, 3, 2. Rows are given newest first.
    daily = _daily("xgboost", "consensus", [50.0, 53.0, 52.0]).with_columns(
        pl.Series("intake", [10.0, 0.0, 0.0])).reverse()
    curve = equity_curve(daily, ("xgboost", "consensus"))
    assert curve["equity"].to_list() == [0.0, 3.0, 2.0]
    assert equity_curve(daily, ("missing", "x")).is_empty()
