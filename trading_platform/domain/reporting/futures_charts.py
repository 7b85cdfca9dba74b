"""Charts of the futures book, rendered to PNG bytes: the continuous series, each commodity's
strategies, and the model x optimiser matrix (equity, drawdowns, weights, contribution and the
Sharpe heatmap)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from trading_platform.domain.reporting.charts import png_bytes

_SMALL = 7


def _style(ax: Axes, title: str) -> None:
    ax.set_title(title, fontsize=9)
    ax.tick_params(labelsize=_SMALL)
    ax.grid(alpha=0.3)


def continuous_chart(series: pl.DataFrame, title: str) -> bytes:
    """The held contract's raw close and the back-adjusted close, rolls marked."""
    figure = Figure(figsize=(10, 3.2), dpi=80)
    ax = figure.subplots()
    dates = series["date"].to_numpy()
    ax.plot(dates, series["close"].to_numpy(), linewidth=0.7, label="held contract (raw)")
    ax.plot(dates, series["adjusted_close"].to_numpy(), linewidth=0.9,
            label="back-adjusted (signals)")
    rolls = series.filter(pl.col("roll"))
    if rolls.height:
        ax.scatter(rolls["date"].to_numpy(), rolls["close"].to_numpy(), s=8, color="tab:red",
                   zorder=3, label=f"rolls ({rolls.height})")
    ax.legend(loc="upper left", fontsize=_SMALL, frameon=False)
    _style(ax, title)
    figure.tight_layout()
    return png_bytes(figure)


def strategies_chart(daily: pl.DataFrame, title: str) -> bytes:
    """Equity of every (model, strategy) of one commodity, technical ones drawn thicker."""
    figure = Figure(figsize=(10, 3.6), dpi=80)
    ax = figure.subplots()
    for (model, strategy), rows in sorted(daily.group_by(["model", "strategy"]),
                                          key=lambda item: item[0]):
        ax.plot(rows["date"].to_numpy(), rows["equity"].to_numpy(),
                linewidth=1.3 if model == "none" else 0.7, label=f"{strategy} | {model}")
    ax.legend(loc="upper left", fontsize=6, frameon=False, ncol=3)
    _style(ax, title)
    figure.tight_layout()
    return png_bytes(figure)


def matrix_lines_chart(equity: pl.DataFrame, column: str, title: str) -> bytes:
    """``column`` (equity or drawdown) of every cell, one panel per optimiser."""
    optimisers = list(dict.fromkeys(equity["optimiser"].to_list()))
    figure = Figure(figsize=(10, 2.0 * len(optimisers) + 0.6), dpi=80)
    axes = figure.subplots(len(optimisers), 1, sharex=True, squeeze=False)[:, 0]
    for ax, optimiser in zip(axes, optimisers, strict=True):
        rows = equity.filter(pl.col("optimiser") == optimiser)
        for (set_name,), cell in sorted(rows.group_by(["signal_set"]), key=lambda i: i[0]):
            ax.plot(cell["date"].to_numpy(), cell[column].to_numpy(), linewidth=0.7,
                    label=set_name)
        _style(ax, optimiser)
    axes[0].legend(loc="upper left", fontsize=6, frameon=False, ncol=4)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return png_bytes(figure)


def weights_chart(weights: pl.DataFrame, title: str) -> bytes:
    """Each optimiser's weights over time, stacked by commodity."""
    optimisers = list(dict.fromkeys(weights["optimiser"].to_list()))
    figure = Figure(figsize=(10, 1.8 * len(optimisers) + 0.6), dpi=80)
    axes = figure.subplots(len(optimisers), 1, sharex=True, squeeze=False)[:, 0]
    for ax, optimiser in zip(axes, optimisers, strict=True):
        wide = weights.filter(pl.col("optimiser") == optimiser).pivot(
            "commodity", index="date", values="weight").sort("date")
        names = [c for c in wide.columns if c != "date"]
        ax.stackplot(wide["date"].to_numpy(),
                     *[np.nan_to_num(wide[name].to_numpy()) for name in names], labels=names)
        ax.set_ylim(0, 1)
        _style(ax, optimiser)
    axes[0].legend(loc="upper left", fontsize=6, frameon=False, ncol=len(names))
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return png_bytes(figure)


def contribution_chart(contribution: pl.DataFrame, title: str) -> bytes:
    """Net P&L per commodity of one cell, as bars."""
    rows = contribution.sort("net_pnl")
    figure = Figure(figsize=(7, 0.35 * rows.height + 1.2), dpi=80)
    ax = figure.subplots()
    values = rows["net_pnl"].to_numpy()
    ax.barh(rows["commodity"].to_list(), values,
            color=["tab:green" if v >= 0 else "tab:red" for v in values])
    ax.axvline(0, color="grey", linewidth=0.6)
    ax.set_xlabel("net P&L (USD, after costs)", fontsize=8)
    _style(ax, title)
    figure.tight_layout()
    return png_bytes(figure)


def sharpe_heatmap(metrics: pl.DataFrame, title: str) -> bytes:
    """Sharpe of every (signal set, optimiser) cell, annotated."""
    sets = sorted(metrics["signal_set"].unique().to_list())
    optimisers = list(dict.fromkeys(metrics["optimiser"].to_list()))
    grid = np.full((len(sets), len(optimisers)), np.nan)
    for row in metrics.iter_rows(named=True):
        grid[sets.index(row["signal_set"]), optimisers.index(row["optimiser"])] = row["sharpe"]
    figure = Figure(figsize=(1.6 * len(optimisers) + 3, 0.4 * len(sets) + 1.6), dpi=80)
    ax = figure.subplots()
    limit = max(float(np.nanmax(np.abs(grid))) if np.isfinite(grid).any() else 1.0, 1e-9)
    image = ax.imshow(grid, cmap="RdYlGn", vmin=-limit, vmax=limit, aspect="auto")
    for (i, j), value in np.ndenumerate(grid):
        ax.text(j, i, "n/a" if math.isnan(value) else f"{value:.2f}", ha="center",
                va="center", fontsize=_SMALL)
    ax.set_xticks(range(len(optimisers)), [o.replace("_", "\n") for o in optimisers])
    ax.set_yticks(range(len(sets)), sets)
    figure.colorbar(image, ax=ax, fraction=0.03)
    ax.set_title(title, fontsize=9)
    ax.tick_params(labelsize=_SMALL)
    figure.tight_layout()
    return png_bytes(figure)


def risk_utilisation_chart(labels: list[str], values: list[float | None], title: str,
                           warn_at: float = 0.8) -> bytes:
    """How close each risk limit is: one horizontal bar per limit (first on top), 1.0 = at the
    limit (a dashed line, ``warn_at`` dotted). Bars are blue below ``warn_at``, amber from it,
    red from the limit; a limit without a reading (None) is labelled "not judged". Bars past
    300 % are drawn to the axis' edge; their label keeps the true figure."""
    shown = [v for v in values if v is not None]
    right = max(1.2, min(max(shown, default=0.0), 3.0) + 0.15)
    figure = Figure(figsize=(8, 0.28 * len(labels) + 1.1), dpi=80)
    ax = figure.subplots()
    rows = np.arange(len(labels))[::-1]
    widths = [min(v, right) if v is not None else 0.0 for v in values]
    colours = ["tab:blue" if v is None or v < warn_at else "tab:orange" if v < 1.0
               else "tab:red" for v in values]
    ax.barh(rows, widths, color=colours, height=0.7)
    for row, width, value in zip(rows, widths, values, strict=True):
        text = "not judged" if value is None else f"{value:.0%}"
        ax.text(min(width, right * 0.9) + right * 0.01, row, text, va="center",
                fontsize=_SMALL, color="grey" if value is None else "black")
    ax.axvline(warn_at, color="tab:orange", linestyle=":", linewidth=0.8)
    ax.axvline(1.0, color="tab:red", linestyle="--", linewidth=0.9)
    ax.set_yticks(rows, labels)
    ax.set_xlim(0, right)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel("share of the limit used (100 % = at the limit)", fontsize=8)
    _style(ax, title)
    figure.tight_layout()
    return png_bytes(figure)
