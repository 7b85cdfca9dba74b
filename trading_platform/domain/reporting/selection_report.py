"""The champion-selection report of one commodity: a markdown summary of the decision and a PNG
of the candidates' equity curves.

Equity curve = cumulative daily P&L (``inventory.metrics.daily_pnl`` summed in date order): the
value a book added over selling every intake on arrival (see that module). The champion (first
pick) is drawn thicker, the best baseline dashed grey. Money is in whole currency units; max
drawdown is a percentage of the notional below the peak.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl
from matplotlib.figure import Figure

from trading_platform.domain.inventory.metrics import daily_pnl
from trading_platform.domain.reporting.charts import png_bytes
from trading_platform.domain.reporting.inventory_charts import _finish, _no_data, _thin
from trading_platform.domain.selection.champion import ChampionDecision, money
from trading_platform.domain.statuses import ChampionStatus

RULE = ("On the selection window, a candidate (model x strategy) is eligible when it passes "
        "every score threshold, is forecast-driven (neither a baseline strategy nor the "
        "random-walk model) and adds strictly more value than both the best baseline strategy "
        "and the best random-walk candidate. The eligible candidate with the highest score is "
        "champion (equal scores: the simpler model); when none is eligible, the best-scoring "
        "forecast-driven candidate stands in. The champion is confirmed only when it was "
        "eligible, its Deflated Sharpe Ratio (for the number of candidates compared) reaches "
        "the threshold, and on the later holdout its Sharpe is positive and it adds more value "
        "than every baseline strategy; otherwise it is provisional and never trades.")
_TABLE_HEADER = ("| model | strategy | score | Sharpe | max drawdown % | Calmar | turnover "
                 "| regime consistency | value added | DSR | holdout Sharpe (interval) "
                 "| eligible | why not |")


def equity_curves_chart(daily: pl.DataFrame, picks: Sequence[tuple[str, str]],
                        baseline: tuple[str, str] | None, title: str) -> bytes:
    """Cumulative daily P&L over time of each (model, strategy) pick, the first (the champion)
    thicker, and of ``baseline`` dashed grey; a "no data" placeholder when none has rows."""
    lines = [(key, i == 0, False) for i, key in enumerate(picks)]
    if baseline is not None:
        lines.append((baseline, False, True))
    curves = [(key, champion, dashed, _thin(equity_curve(daily, key)))
              for key, champion, dashed in lines]
    curves = [curve for curve in curves if curve[3].height]
    if not curves:
        return _no_data(title)
    figure = Figure(figsize=(10, 3.6), dpi=80)
    ax = figure.subplots()
    for i, ((model, strategy), champion, dashed, rows) in enumerate(curves):
        label = f"best baseline {strategy}" if dashed else f"{model} x {strategy}"
        ax.plot(rows["date"].to_list(), rows["equity"].to_numpy(),
                color="grey" if dashed else f"C{i % 10}", linestyle="--" if dashed else "-",
                linewidth=2.2 if champion else 0.9,
                label=f"{label} (champion)" if champion else label)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_ylabel("cumulative daily P&L", fontsize=8)
    ax.yaxis.set_major_formatter(lambda v, _: money(v))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7, frameon=False)
    _finish(figure, ax, title)
    return png_bytes(figure)


def selection_report(commodity: str, decision: ChampionDecision, top_n: int = 5,
                     windows: Mapping[str, object] | None = None, trading: str = "") -> str:
    """Markdown: heading, the decision in one sentence, the rule, the evidence (windows, DSR,
    holdout), the top ``top_n`` candidates, the benchmarks, the reasons and what the desk
    trades as bullets (no images: the caller appends the chart)."""
    baseline, walk = decision.best_baseline, decision.best_random_walk
    walk_words = (f"the random-walk model x {walk['strategy']}, value added "
                  f"{money(walk['value_added'])}" if walk["strategy"] is not None
                  else "not backtested")
    baseline_words = (f"{baseline['strategy']}, value added {money(baseline['value_added'])}"
                      if baseline["strategy"] is not None else "none backtested")
    return "\n".join([
        f"# Champion selection: {commodity}", "", decision_sentence(decision), "",
        f"Rule: {RULE}", "", *evidence_lines(decision, windows), "",
        f"## Top {top_n} candidates (selection window)", "",
        *candidate_table(decision.evaluated.head(top_n)), "", "## Benchmarks", "",
        f"- Best baseline strategy: {baseline_words}",
        f"- Best random-walk candidate: {walk_words}", "", "## Why", "",
        *[f"- {reason}" for reason in decision.reasons],
        *([f"- Traded: {trading}"] if trading else []), "",
    ])


def evidence_lines(decision: ChampionDecision,
                   windows: Mapping[str, object] | None) -> list[str]:
    """The selection protocol's evidence: windows, candidates compared, DSR, holdout Sharpe
    with its interval, and each confirmation criterion."""
    row = decision.row
    lines = ["## Evidence", ""]
    if windows:
        lines.append(f"- Selection window {windows['selection_start']} .. "
                     f"{windows['selection_end']}; holdout {windows['holdout_start']} .. "
                     f"{windows['holdout_end']} (seen only after the choice).")
    lines += [
        f"- Candidates compared: {row.get('n_candidates', 'n/a')}; the champion's Deflated "
        f"Sharpe Ratio for that many: {_fixed(row.get('dsr'), 3)}.",
        f"- Holdout Sharpe {_fixed(row.get('holdout_sharpe'), 2)} (interval "
        f"{_fixed(row.get('holdout_sharpe_low'), 2)} .. {_fixed(row.get('holdout_sharpe_high'), 2)}"
        f"), holdout value added {money(row.get('holdout_value_added'))}.",
        f"- Status: **{decision.status}**.",
        *[f"  - {c.name}: {'pass' if c.passed else 'FAIL'} (observed {_text(c.observed)}, "
          f"threshold {_text(c.threshold)})" for c in decision.criteria]]
    return lines


def _fixed(value: object, digits: int) -> str:
    return f"{value:.{digits}f}" if isinstance(value, int | float) and np.isfinite(value) \
        else "n/a"


def _text(value: object) -> str:
    return _fixed(value, 3) if isinstance(value, float) else str(value)


def decision_sentence(decision: ChampionDecision) -> str:
    """The decision in one plain sentence, by status."""
    champion = f"{decision.model} x {decision.strategy}"
    if decision.status == ChampionStatus.CONFIRMED:
        return (f"Confirmed: {champion} passed every threshold, beat both benchmarks on the "
                f"selection window and held up on the holdout (score {decision.score:.3f}).")
    missed = ", ".join(c.name for c in decision.criteria if not c.passed)
    return (f"Provisional: {champion} (score {decision.score:.3f}) is the best candidate but "
            f"misses {missed}; it is not traded as a forecast champion.")


def candidate_table(rows: pl.DataFrame) -> list[str]:
    """Markdown table lines of evaluated candidate rows, in the order given."""
    lines = [_TABLE_HEADER, "|" + "---|" * _TABLE_HEADER.count(" | ") + "---|"]
    for row in rows.iter_rows(named=True):
        why_not = str(row["why_not"]).replace("|", "\\|") or "-"
        lines.append(
            f"| {row['model']} | {row['strategy']} | {row['score']:.3f} | {row['sharpe']:.2f} "
            f"| {100 * row['max_drawdown']:.1f} | {row['calmar']:.2f} | {row['turnover']:.2f} "
            f"| {row['regime_consistency']:.2f} | {money(row['value_added'])} "
            f"| {_fixed(row.get('dsr'), 3)} | {_fixed(row.get('holdout_sharpe'), 2)} "
            f"({_fixed(row.get('holdout_sharpe_low'), 2)} .. "
            f"{_fixed(row.get('holdout_sharpe_high'), 2)}) "
            f"| {'yes' if row['eligible'] else 'no'} | {why_not} |")
    return lines


def equity_curve(daily: pl.DataFrame, key: tuple[str, str]) -> pl.DataFrame:
    """``date`` and ``equity`` (cumulative daily P&L, in date order) of one (model, strategy);
    empty when it has no daily rows."""
    rows = daily.filter((pl.col("model") == key[0]) & (pl.col("strategy") == key[1])) \
        .sort("date") if daily.height else daily
    if not rows.height:
        return pl.DataFrame(schema={"date": pl.Date, "equity": pl.Float64})
    pnl = daily_pnl(rows["value"].to_numpy(), rows["intake"].to_numpy(), rows["price"].to_numpy())
    return pl.DataFrame({"date": rows["date"], "equity": np.cumsum(pnl)})
