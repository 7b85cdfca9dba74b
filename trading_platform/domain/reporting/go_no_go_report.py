"""The futures desk's go/no-go report: the decision in words, each criterion, and the paper
book's growth against the equal-weight portfolio's over the period."""

from __future__ import annotations

from matplotlib.figure import Figure

from trading_platform.domain.desk.trading_book.go_no_go import GoNoGoReport, stage_name
from trading_platform.domain.reporting.charts import png_bytes
from trading_platform.domain.statuses import GoNoGoDecision

_MEANING = {
    GoNoGoDecision.GO: "every criterion passed: the champion moves to the {next} stage from "
                       "the next trading day",
    GoNoGoDecision.NO_GO: "a criterion failed: the champion stays in the {stage} stage",
    GoNoGoDecision.PENDING: "not enough paper days yet: the champion stays in the {stage} "
                            "stage; the criteria below are judged on the days so far",
}


def go_no_go_markdown(report: GoNoGoReport) -> str:
    """The report as Markdown: decision, stage, figures, then one row per criterion."""
    figures = report.figures
    sharpe = figures["sharpe"]
    meaning = _MEANING[report.decision].format(next=stage_name(report.next_stage),
                                               stage=stage_name(report.stage))
    lines = [
        f"# Futures desk go/no-go, {report.day}",
        "",
        f"**{report.decision}**: {meaning}.",
        "",
        f"- champion: `{report.champion}`",
        f"- stage: {stage_name(report.stage)} -> {stage_name(report.next_stage)}",
        f"- paper days judged: {figures['paper_days']} of {figures['required_days']}",
        f"- book return {figures['book_return']:+.2%}, equal weight "
        f"{figures['equal_weight_return']:+.2%}",
        f"- annualised Sharpe {'n/a' if sharpe is None else f'{sharpe:.2f}'}, maximum "
        f"drawdown {figures['max_drawdown']:.2%}",
        "",
        "| criterion | passed | what was seen |",
        "|---|---|---|",
    ]
    lines += [f"| {c.name} | {'yes' if c.passed else 'NO'} | "
              f"{c.description.replace('|', '/')} |" for c in report.criteria]
    lines += ["", "Chart: go_no_go.png (growth of 1 in the paper book and the equal-weight "
              "portfolio). Rules: docs/futures-desk.md, \"Go/no-go\"."]
    return "\n".join(lines) + "\n"


def go_no_go_chart(report: GoNoGoReport) -> bytes:
    """Growth of 1 over the period: the paper book against the equal-weight portfolio."""
    figure = Figure(figsize=(8, 3), dpi=80)
    ax = figure.subplots()
    dates = report.curve["date"].to_list()
    ax.plot(dates, report.curve["book"].to_list(), linewidth=1.2, marker="o", markersize=3,
            label="paper book")
    ax.plot(dates, report.curve["equal_weight"].to_list(), linewidth=1.0, linestyle="--",
            label="equal-weight portfolio")
    ax.axhline(1.0, color="grey", linewidth=0.6)
    ax.set_title(f"go/no-go {report.day}: {report.decision} ({report.figures['paper_days']} of "
                 f"{report.figures['required_days']} paper days, {stage_name(report.stage)} "
                 "stage)", fontsize=9)
    ax.legend(loc="best", fontsize=7, frameon=False)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    figure.autofmt_xdate()
    figure.tight_layout()
    return png_bytes(figure)
