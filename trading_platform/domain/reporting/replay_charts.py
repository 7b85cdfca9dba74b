"""The candidate-set chart: where a user strategy's screen says it could act, over the price,
with the trades it made (so a desk sees at a glance how few bars the replay needed)."""

from __future__ import annotations

import polars as pl
from matplotlib.figure import Figure

from trading_platform.domain.reporting.charts import png_bytes


def candidates_chart(series: pl.DataFrame, candidates: pl.DataFrame, trades: pl.DataFrame,
                     time: str, title: str) -> bytes:
    """Back-adjusted close (line), candidate bars (grey ticks), signal and stop trades (up and
    down triangles) of one strategy; ``time`` is the series' time column."""
    figure = Figure(figsize=(10, 3.2), dpi=80)
    ax = figure.subplots()
    times, prices = series[time].to_numpy(), series["adjusted_close"].to_numpy()
    ax.plot(times, prices, linewidth=0.7, color="tab:blue", label="back-adjusted close")
    bars = candidates["bar"].to_numpy()
    ax.scatter(times[bars], prices[bars], s=6, color="0.45", marker="|", zorder=3,
               label=f"candidates ({bars.size} of {series.height} bars)")
    acted = trades.filter(pl.col("reason").is_in(["signal", "stop"]))
    for side, marker, colour in (("buy", "^", "tab:green"), ("sell", "v", "tab:red")):
        rows = acted.filter(pl.col("side") == side)["bar"].to_numpy()
        ax.scatter(times[rows], prices[rows], s=14, marker=marker, color=colour, zorder=4,
                   label=f"{side}s ({rows.size})")
    ax.legend(loc="upper left", fontsize=7, frameon=False, ncol=4)
    ax.set_title(title, fontsize=9)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    figure.tight_layout()
    return png_bytes(figure)
