"""Selection report: the decision sentence, the top rows, the benchmarks; the equity chart."""

import datetime as dt

import polars as pl

from trading_platform.config.selection import SelectionConfig
from trading_platform.domain.reporting.selection_report import (
    equity_curve,
    equity_curves_chart,
    selection_report,
)
from trading_platform.domain.selection.champion import select_champion

CONFIG = SelectionConfig()
WINDOWS = {"selection_start": dt.date(2020, 1, 1), "selection_end": dt.date(2023, 6, 30),
           "holdout_start": dt.date(2023, 7, 3), "holdout_end": dt.date(2024, 6, 28)}


def _candidates(rows: list[tuple[str, str, str, float, float, list[str]]],
                dsr: float = 0.99) -> pl.DataFrame:
    return pl.DataFrame({
        "model": [r[0] for r in rows], "strategy": [r[1] for r in rows],
        "family": [r[2] for r in rows], "name": "X", "spec_hash": "h",
        "value_added": [r[3] for r in rows], "sharpe": 1.5, "max_drawdown": -0.123,
        "calmar": 1.2, "turnover": 0.1, "annual_return": 0.12, "regime_consistency": 0.75,
        "score": [r[4] for r in rows],
        "failed": pl.Series([r[5] for r in rows], dtype=pl.List(pl.String)),
        "passes": [not r[5] for r in rows], "n_candidates": len(rows), "dsr": dsr,
        "holdout_sharpe": 0.61, "holdout_sharpe_low": -0.2, "holdout_sharpe_high": 1.4,
        "holdout_value_added": [100.0 if r[2] == "baseline" else 300.0 for r in rows]})


ROWS = [("xgboost", "price_threshold", "baseline", 1_300.0, 0.60, []),
        ("naive_rw", "consensus", "forecast", 1_400.0, 0.50, []),
        ("xgboost", "consensus", "forecast", 2_500.0, 0.90, []),
        ("lightgbm", "consensus", "forecast", 1_000.0, 0.40, ["min_sharpe"])]


def test_selection_report_given_confirmed_champion_states_it_and_lists_top_rows():
    report = selection_report("coffee", select_champion(_candidates(ROWS), CONFIG), top_n=3,
                              windows=WINDOWS, trading="xgboost x consensus: confirmed")
    assert report.startswith("# Champion selection: coffee")
    assert "Confirmed: xgboost x consensus passed every threshold, beat both benchmarks on " \
           "the selection window and held up on the holdout (score 0.900)." in report
    # top 3 by score: xgboost x consensus (0.90), price_threshold (0.60), naive_rw (0.50);
    # max drawdown -0.123 -> -12.3 %; lightgbm (0.40) is 4th and left out.
    assert "| xgboost | consensus | 0.900 | 1.50 | -12.3 | 1.20 | 0.10 | 0.75 | 2,500 | 0.990 " \
           "| 0.61 (-0.20 .. 1.40) | yes | - |" in report
    assert "| naive_rw | consensus | 0.500 |" in report
    assert "lightgbm" not in report
    assert "- Best baseline strategy: price_threshold, value added 1,300" in report
    assert ("- Best random-walk candidate: the random-walk model x consensus, value added "
            "1,400") in report
    assert "- Selection window 2020-01-01 .. 2023-06-30; holdout 2023-07-03 .. 2024-06-28" \
        in report
    assert "- Candidates compared: 4; the champion's Deflated Sharpe Ratio for that many: " \
           "0.990." in report
    assert "- Holdout Sharpe 0.61 (interval -0.20 .. 1.40), holdout value added 300." in report
    assert "  - deflated_sharpe: pass (observed 0.990, threshold 0.950)" in report
    assert "- Traded: xgboost x consensus: confirmed" in report
    assert "![" not in report


def test_selection_report_given_provisional_champion_names_what_it_missed():
    # DSR 0.5 < 0.95: the eligible champion is provisional.
    report = selection_report("coffee", select_champion(_candidates(ROWS, dsr=0.5), CONFIG))
    assert ("Provisional: xgboost x consensus (score 0.900) is the best candidate but misses "
            "deflated_sharpe; it is not traded as a forecast champion.") in report
    assert "  - deflated_sharpe: FAIL (observed 0.500, threshold 0.950)" in report


def test_selection_report_given_nothing_eligible_lists_the_reasons():
    rows = [*ROWS[:2], ("xgboost", "consensus", "forecast", 1_200.0, 0.90, [])]
    report = selection_report("coffee", select_champion(_candidates(rows), CONFIG))
    assert "misses selection_rule" in report
    assert "- No candidate is eligible" in report  # the reasons, as bullets


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
