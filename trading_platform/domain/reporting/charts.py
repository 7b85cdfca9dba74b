"""Charts for the UI and report packs, rendered to PNG bytes (matplotlib's object API, no pyplot
state, so it is safe in any process or thread)."""

from __future__ import annotations

import io

import numpy as np
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
    return png_bytes(figure)


def fan_chart(history_close: np.ndarray, paths: np.ndarray, title: str) -> bytes:
    """Recent closes, then the forecast fan: 10-90 % and 25-75 % bands and the median path.

    ``history_close`` is the last closes up to the forecast day (oldest first); ``paths`` is one
    prediction matrix ``(n_paths, horizons)`` of closes for the following trading days.
    """
    figure = Figure(figsize=(8, 3.2), dpi=80)
    ax = figure.subplots()
    past = np.arange(-len(history_close) + 1, 1)
    ahead = np.arange(1, paths.shape[1] + 1)
    ax.plot(past, history_close, color="black", linewidth=0.9, label="close")
    bands = np.nanpercentile(paths, [10, 25, 50, 75, 90], axis=0)
    ax.fill_between(ahead, bands[0], bands[4], alpha=0.2, color="tab:blue", label="10-90 %")
    ax.fill_between(ahead, bands[1], bands[3], alpha=0.35, color="tab:blue", label="25-75 %")
    ax.plot(ahead, bands[2], color="tab:blue", linewidth=1.2, label="median path")
    ax.axvline(0, color="grey", linewidth=0.6)
    ax.set_xlabel("trading days from the forecast day", fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.legend(loc="upper left", fontsize=7, frameon=False)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    figure.tight_layout()
    return png_bytes(figure)


def horizon_chart(horizons: np.ndarray, series: dict[str, np.ndarray], title: str,
                  reference: dict[str, float] | None = None) -> bytes:
    """One line per metric across forecast horizons, with optional horizontal reference lines."""
    figure = Figure(figsize=(8, 3.0), dpi=80)
    ax = figure.subplots()
    for name, values in series.items():
        ax.plot(horizons, values, marker="o", markersize=3, linewidth=1, label=name)
    for name, level in (reference or {}).items():
        ax.axhline(level, color="grey", linestyle="--", linewidth=0.8, label=name)
    ax.set_xlabel("horizon (trading days)", fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, frameon=False)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    figure.tight_layout()
    return png_bytes(figure)


def bar_chart(labels: list[str], values: list[float], title: str, xlabel: str) -> bytes:
    """Horizontal bars, largest on top (e.g. feature importance shares)."""
    order = np.argsort(values)
    figure = Figure(figsize=(7, 0.25 * len(labels) + 1.0), dpi=80)
    ax = figure.subplots()
    ax.barh([labels[i] for i in order], [values[i] for i in order], color="tab:blue")
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3, axis="x")
    figure.tight_layout()
    return png_bytes(figure)


def png_bytes(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
