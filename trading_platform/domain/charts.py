"""Charts for the UI and report packs, rendered to PNG bytes (matplotlib's object API, no pyplot
state, so it is safe in any process or thread)."""

from __future__ import annotations

import io

import polars as pl
from matplotlib.figure import Figure

_MAX_POINTS = 2_000  # per commodity; a ten-year daily series is thinned, never the flagged rows


def price_chart(market: pl.DataFrame, title: str) -> bytes:
    """Close price per commodity (one small panel each), flagged rows marked in orange."""
    commodities = sorted(market.get_column("commodity").unique().to_list())
    figure = Figure(figsize=(10, 1.6 * max(len(commodities), 1) + 0.6), dpi=80)
    axes = figure.subplots(max(len(commodities), 1), 1, sharex=True, squeeze=False)[:, 0]
    for ax, commodity in zip(axes, commodities, strict=False):
        rows = market.filter(pl.col("commodity") == commodity).sort("date")
        step = max(rows.height // _MAX_POINTS, 1)
        thinned = rows.gather_every(step)
        ax.plot(thinned["date"].to_list(), thinned["close"].to_list(), linewidth=0.8)
        flagged = rows.filter(pl.col("flags") != "")
        if flagged.height:
            ax.scatter(flagged["date"].to_list(), flagged["close"].to_list(), s=6,
                       color="tab:orange", label=f"flagged ({flagged.height})", zorder=3)
            ax.legend(loc="upper left", fontsize=7, frameon=False)
        ax.set_ylabel(commodity, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    axes[0].set_title(title, fontsize=9)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
