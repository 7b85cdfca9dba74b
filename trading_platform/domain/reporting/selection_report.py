"""The champion-selection report of one commodity: a markdown summary of the decision and a PNG
of the candidates' equity curves.

Equity curve = cumulative daily P&L (``inventory.metrics.daily_pnl`` summed in date order): the
value a book added over selling every intake on arrival (see that module). The champion (first
pick) is drawn thicker, the best baseline dashed grey. Money is in whole currency units; max
drawdown is a percentage of the notional below the peak.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from matplotlib.figure import Figure

from trading_platform.domain.inventory.metrics import daily_pnl
from trading_platform.domain.reporting.charts import png_bytes
from trading_platform.domain.reporting.inventory_charts import _finish, _no_data, _thin
from trading_platform.domain.selection.champion import ChampionDecision, money
from trading_platform.domain.statuses import ChampionStatus

RULE = ("A candidate (model x strategy) is eligible when it passes every score threshold, is "
        "forecast-driven (neither a baseline strategy nor the random-walk model) and earns "
        "strictly more than both the best baseline strategy and the best random-walk candidate. "
        "The eligible candidate with the highest score is champion; when none is eligible the "
        "incumbent stays, or the best-scoring forecast-driven candidate becomes a provisional "
        "champion.")
_TABLE_HEADER = ("| model | strategy | score | Sharpe | max drawdown % | Calmar | turnover "
                 "| regime consistency | net earnings | eligible | why not |")


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


def selection_report(commodity: str, decision: ChampionDecision, top_n: int = 5) -> str:
    """Markdown: heading, the decision in one sentence, the rule, the top ``top_n`` candidates,
    the benchmarks and the reasons as bullets (no images: the caller appends the chart)."""
    baseline, walk = decision.best_baseline, decision.best_random_walk
    walk_words = (f"the random-walk model x {walk['strategy']}, net earnings "
                  f"{money(walk['net_earnings'])}" if walk["strategy"] is not None
                  else "not backtested")
    baseline_words = (f"{baseline['strategy']}, net earnings {money(baseline['net_earnings'])}"
                      if baseline["strategy"] is not None else "none backtested")
    return "\n".join([
        f"# Champion selection: {commodity}", "", decision_sentence(decision), "",
        f"Rule: {RULE}", "", f"## Top {top_n} candidates", "",
        *candidate_table(decision.evaluated.head(top_n)), "", "## Benchmarks", "",
        f"- Best baseline strategy: {baseline_words}",
        f"- Best random-walk candidate: {walk_words}", "", "## Why", "",
        *[f"- {reason}" for reason in decision.reasons], "",
    ])


def decision_sentence(decision: ChampionDecision) -> str:
    """The decision in one plain sentence, by status."""
    champion = f"{decision.model} x {decision.strategy}"
    if decision.status == ChampionStatus.SELECTED:
        return (f"Selected: {champion} passed every threshold and beat both benchmarks "
                f"(score {decision.score:.3f}).")
    if decision.status == ChampionStatus.INCUMBENT_KEPT and decision.incumbent is not None:
        return (f"No candidate passed every check: the incumbent {champion} (registry "
                f"v{decision.incumbent.version}) stays.")
    return (f"No candidate passed every check: {champion} (score {decision.score:.3f}) is a "
            "provisional champion until one does.")


def candidate_table(rows: pl.DataFrame) -> list[str]:
    """Markdown table lines of evaluated candidate rows, in the order given."""
    lines = [_TABLE_HEADER, "|" + "---|" * _TABLE_HEADER.count(" | ") + "---|"]
    for row in rows.iter_rows(named=True):
        why_not = str(row["why_not"]).replace("|", "\\|") or "-"
        lines.append(
            f"| {row['model']} | {row['strategy']} | {row['score']:.3f} | {row['sharpe']:.2f} "
            f"| {100 * row['max_drawdown']:.1f} | {row['calmar']:.2f} | {row['turnover']:.2f} "
            f"| {row['regime_consistency']:.2f} | {money(row['net_earnings'])} "
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
