"""Inventory-book backtest charts as PNG bytes: per commodity x model, each selling strategy's
net earnings, sales over the price, cumulative proceeds, cash and inventory; across commodities,
the forecasts' advantage, the best earnings and the value of forecast accuracy.

Read them as: baselines blue or dashed, forecast strategies orange or solid, and a forecast
strategy beyond the dashed "best baseline" line earned more than every rule ignoring forecasts.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from trading_platform.domain.reporting.charts import png_bytes

_MAX_POINTS = 2_000  # per line; long daily series are thinned, sale markers never are
_FAMILY_COLOURS = {"baseline": "tab:blue", "forecast": "tab:orange"}
_MODEL_MARKERS = ("o", "s", "^", "D", "v", "P", "*", "X")
_LEGEND_INCHES = 1.9  # room on the right of the value-of-accuracy grid for its one legend
_SALES_SCHEMA = {"strategy": pl.String, "date": pl.Date, "quantity": pl.Float64,
                 "price": pl.Float64, "reason": pl.String}


def net_earnings_chart(metrics: pl.DataFrame, title: str) -> bytes:
    """Horizontal bars of net earnings per strategy, largest on top, coloured by family."""
    if metrics.is_empty():
        return _no_data(title)
    rows = metrics.with_columns(pl.col("net_earnings").fill_nan(None)).sort(
        "net_earnings", nulls_last=False)
    values = [_finite(v) for v in rows["net_earnings"].to_list()]
    families = rows["family"].to_list()
    figure = Figure(figsize=(8, 0.3 * rows.height + 1.2), dpi=80)
    ax = figure.subplots()
    bars = ax.barh(rows["strategy"].to_list(), [0.0 if math.isnan(v) else v for v in values],
                   color=[_FAMILY_COLOURS.get(f, "tab:grey") for f in families])
    ax.bar_label(bars, labels=[_money(v) for v in values], fontsize=6, padding=2)
    handles: list[Patch | Line2D] = [Patch(color=c, label=f) for f, c in _FAMILY_COLOURS.items()]
    best = _best_baseline(rows)
    if not math.isnan(best):
        ax.axvline(best, color="black", linestyle="--", linewidth=0.8)
        handles.append(Line2D([], [], color="black", linestyle="--", linewidth=0.8,
                              label=f"best baseline ({_money(best)})"))
    ax.legend(handles=handles, loc="lower right", fontsize=7, frameon=False)
    ax.set_xlabel("net earnings", fontsize=8)
    ax.xaxis.set_major_formatter(lambda v, _: _money(v))
    _finish(figure, ax, title)
    return png_bytes(figure)


def trading_timeline_chart(daily: pl.DataFrame, sales: pl.DataFrame, strategies: list[str],
                           title: str) -> bytes:
    """Price with harvest-intake spans shaded; per strategy panel, its sales over the price."""
    if daily.is_empty():
        return _no_data(title)
    first = daily.get_column("strategy")[0]
    rows = daily.filter(pl.col("strategy") == first).sort("date")
    names: list[str | None] = [*strategies] or [None]
    figure = Figure(figsize=(10, 1.9 * len(names) + 0.6), dpi=80)
    axes = figure.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    spans = _intake_spans(rows)
    thinned = _thin(rows)
    sales = sales if sales.height else pl.DataFrame(schema=_SALES_SCHEMA)
    largest = _finite(sales.filter(pl.col("reason") != "forced")["quantity"].max())
    for ax, name in zip(axes, names, strict=True):
        ax.plot(thinned["date"].to_numpy(), thinned["price"].to_numpy(), color="black",
                linewidth=0.7, label="price")
        for start, end in spans:
            ax.axvspan(start, end, color="tab:green", alpha=0.12, linewidth=0)
        if spans:
            ax.plot([], [], color="tab:green", alpha=0.3, linewidth=6, label="harvest intake")
        if name is not None:
            _sale_markers(ax, sales.filter(pl.col("strategy") == name), largest)
            ax.set_ylabel(name, fontsize=8)
        ax.legend(loc="upper left", fontsize=6, frameon=False, ncol=4)
        _style(ax)
    axes[0].set_title(title, fontsize=9)
    figure.tight_layout()
    return png_bytes(figure)


def cumulative_proceeds_chart(daily: pl.DataFrame, title: str,
                              families: dict[str, str] | None = None) -> bytes:
    """One line per strategy: cumulative gross sale proceeds (before any cost)."""
    cumulative = pl.col("proceeds").fill_nan(0.0).fill_null(0.0).cum_sum().over("strategy")
    frame = daily.sort("date").with_columns(cumulative.alias("cumulative")) \
        if daily.height else daily
    return _strategy_lines(frame, "cumulative", title, "cumulative gross proceeds", families)


def cumulative_net_chart(daily: pl.DataFrame, title: str,
                         families: dict[str, str] | None = None) -> bytes:
    """One line per strategy: cash, i.e. cumulative proceeds net of transaction and storage."""
    return _strategy_lines(daily, "cash", title, "cumulative net proceeds", families)


def inventory_chart(daily: pl.DataFrame, title: str,
                    families: dict[str, str] | None = None) -> bytes:
    """One step line per strategy: stock held, showing how each draws it down through a season."""
    return _strategy_lines(daily, "inventory", title, "inventory held", families, step=True)


def prediction_advantage_chart(summary: pl.DataFrame, title: str) -> bytes:
    """Per commodity, one bar per model: the mean paired advantage of the forecast strategies
    over their A/B twins, % of the twins' net earnings (synthetic models hatched)."""
    if summary.is_empty():
        return _no_data(title)
    commodities = sorted(summary["commodity"].unique().to_list())
    models = sorted(summary["model"].unique().to_list())
    synthetic = {m: bool(summary.filter(pl.col("model") == m)["synthetic"].any()) for m in models}
    figure = Figure(figsize=(max(6.0, 0.35 * len(commodities) * len(models) + 3), 3.6), dpi=80)
    ax = figure.subplots()
    width = 0.8 / len(models)
    for j, model in enumerate(models):
        x = np.arange(len(commodities)) - 0.4 + width * (j + 0.5)
        heights = [_finite(_cell(summary, c, model, "advantage_pct")) for c in commodities]
        ax.bar(x, [0.0 if math.isnan(h) else h for h in heights], width, color=f"C{j % 10}",
               alpha=0.5 if synthetic[model] else 1.0, hatch="///" if synthetic[model] else None,
               edgecolor="white" if synthetic[model] else None,
               label=f"{model} (synthetic)" if synthetic[model] else model)
        for xi, h in zip(x, heights, strict=True):
            if math.isnan(h):
                ax.text(xi, 0, "n/a", ha="center", va="bottom", fontsize=6, rotation=90)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(np.arange(len(commodities)), commodities)
    ax.set_ylabel("forecast vs its A/B twin (%)", fontsize=8)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7, frameon=False)
    _finish(figure, ax, title)
    return png_bytes(figure)


def best_earnings_chart(summary: pl.DataFrame, title: str) -> bytes:
    """Heat map commodity x model of the best net earnings, min-max scaled within each commodity
    (so price levels do not matter); each cell names the winning strategy and its earnings."""
    if summary.is_empty():
        return _no_data(title)
    commodities = sorted(summary["commodity"].unique().to_list())
    models = sorted(summary["model"].unique().to_list())
    values = np.array([[_finite(_cell(summary, c, m, "best_overall_net")) for m in models]
                       for c in commodities])
    figure = Figure(figsize=(1.5 * len(models) + 2.5, 0.6 * len(commodities) + 1.4), dpi=80)
    ax = figure.subplots()
    image = ax.imshow(np.ma.masked_invalid(_row_normalised(values)), cmap="YlGn", vmin=0, vmax=1,
                      aspect="auto")
    for i, commodity in enumerate(commodities):
        for j, model in enumerate(models):
            name = _cell(summary, commodity, model, "best_overall")
            label = f"{name}\n{_money(values[i, j])}" if name else "n/a"
            ax.text(j, i, label, ha="center", va="center", fontsize=6)
    ax.set_xticks(np.arange(len(models)), models, rotation=30, ha="right")
    ax.set_yticks(np.arange(len(commodities)), commodities)
    colorbar = figure.colorbar(image, ax=ax, fraction=0.05)
    colorbar.set_label("0 = commodity's worst model, 1 = its best", fontsize=7)
    colorbar.ax.tick_params(labelsize=7)
    ax.set_title(title, fontsize=9)
    ax.tick_params(labelsize=7)
    figure.tight_layout()
    return png_bytes(figure)


def value_of_accuracy_chart(detailed: pl.DataFrame, title: str) -> bytes:
    """Per commodity: forecast strategies' net earnings against directional accuracy."""
    forecast = detailed.filter(pl.col("family") == "forecast") if detailed.height else detailed
    if forecast.is_empty():
        return _no_data(title)
    commodities = sorted(detailed["commodity"].unique().to_list())
    strategies = sorted(forecast["strategy"].unique().to_list())
    colours = {s: f"C{i % 10}" for i, s in enumerate(strategies)}
    measured = ~pl.col("synthetic") & pl.col("accuracy").is_not_nan()
    real = sorted(forecast.filter(measured)["model"].unique().to_list())
    markers = {m: _MODEL_MARKERS[i % len(_MODEL_MARKERS)] for i, m in enumerate(real)}
    ncols = min(3, len(commodities))
    nrows = math.ceil(len(commodities) / ncols)
    width = 3.6 * ncols + _LEGEND_INCHES
    figure = Figure(figsize=(width, 2.8 * nrows + 0.4), dpi=80)
    axes = figure.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, commodity in zip(axes, commodities, strict=False):
        _accuracy_panel(ax, detailed.filter(pl.col("commodity") == commodity), colours, markers)
        ax.set_title(commodity, fontsize=8)
    for ax in axes[len(commodities):]:
        ax.set_visible(False)
    handles = [Line2D([], [], color=c, marker=".", label=s) for s, c in colours.items()]
    handles += [Line2D([], [], color="grey", marker=markers[m], linestyle="", label=m)
                for m in real]
    handles.append(Line2D([], [], color="black", linestyle="--", label="best baseline"))
    right = 1 - _LEGEND_INCHES / width
    figure.legend(handles=handles, loc="center left", bbox_to_anchor=(right, 0.5), fontsize=7,
                  frameon=False)
    figure.suptitle(title, fontsize=9)
    figure.tight_layout(rect=(0, 0, right, 1))
    return png_bytes(figure)


def _strategy_lines(daily: pl.DataFrame, column: str, title: str, ylabel: str,
                    families: dict[str, str] | None, step: bool = False) -> bytes:
    if daily.is_empty():
        return _no_data(title)
    figure = Figure(figsize=(10, 3.6), dpi=80)
    ax = figure.subplots()
    for i, name in enumerate(daily["strategy"].unique(maintain_order=True).to_list()):
        rows = _thin(daily.filter(pl.col("strategy") == name).sort("date"))
        dashed = (families or {}).get(name) == "baseline"
        ax.plot(rows["date"].to_numpy(), rows[column].to_numpy(), color=f"C{i % 10}",
                linestyle="--" if dashed else "-", linewidth=0.9, label=name,
                drawstyle="steps-post" if step else "default")
    ax.set_ylabel(ylabel, fontsize=8)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7, frameon=False)
    _finish(figure, ax, title)
    return png_bytes(figure)


def _sale_markers(ax: Axes, sales: pl.DataFrame, largest: float) -> None:
    """Strategy sales as circles sized by quantity, forced sales as red crosses (never thinned)."""
    chosen = sales.filter(pl.col("reason") != "forced")
    forced = sales.filter(pl.col("reason") == "forced")
    if chosen.height:
        scale = largest if largest > 0 else 1.0
        sizes = 6 + 60 * np.nan_to_num(chosen["quantity"].to_numpy() / scale, nan=0.0)
        ax.scatter(chosen["date"].to_numpy(), chosen["price"].to_numpy(), s=sizes,
                   color="tab:blue", alpha=0.6, label=f"sales ({chosen.height})", zorder=3)
    if forced.height:
        ax.scatter(forced["date"].to_numpy(), forced["price"].to_numpy(), s=18, marker="x",
                   color="red", label=f"forced ({forced.height})", zorder=4)
    if not sales.height:
        ax.text(0.99, 0.9, "no sales", transform=ax.transAxes, ha="right", fontsize=7)


def _accuracy_panel(ax: Axes, rows: pl.DataFrame, colours: dict[str, str],
                    markers: dict[str, str]) -> None:
    x = pl.when(pl.col("nominal_accuracy").is_not_nan()).then(pl.col("nominal_accuracy")) \
        .otherwise(pl.col("accuracy"))
    points = rows.with_columns(x.fill_nan(None).alias("x"))
    for strategy, colour in colours.items():
        own = points.filter((pl.col("strategy") == strategy) & pl.col("x").is_not_null())
        line = own.filter(pl.col("synthetic")).sort("x")
        ax.plot(line["x"].to_numpy(), line["net_earnings"].to_numpy(), color=colour, marker=".",
                linewidth=1)
        for model, marker in markers.items():
            hit = own.filter(~pl.col("synthetic") & (pl.col("model") == model))
            ax.scatter(hit["x"].to_numpy(), hit["net_earnings"].to_numpy(), color=colour,
                       marker=marker, s=28, edgecolor="black", linewidth=0.4, zorder=3)
    best = _best_baseline(rows)
    if not math.isnan(best):
        ax.axhline(best, color="black", linestyle="--", linewidth=0.8)
    ax.set_xlabel("directional accuracy", fontsize=7)
    ax.set_ylabel("net earnings", fontsize=7)
    ax.yaxis.set_major_formatter(lambda v, _: _money(v))
    _style(ax)


def _intake_spans(rows: pl.DataFrame) -> list[tuple[dt.date, dt.date]]:
    """Contiguous runs of harvest-intake days as (first day, day after the last)."""
    intake = np.nan_to_num(rows["intake"].fill_null(0.0).to_numpy(), nan=0.0) > 0
    edges = np.diff(np.concatenate([[0], intake.astype(np.int8), [0]]))
    dates = rows["date"].to_list()
    return [(dates[s], dates[e - 1] + dt.timedelta(days=1))
            for s, e in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True)]


def _thin(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.gather_every(max(rows.height // _MAX_POINTS, 1))


def _best_baseline(rows: pl.DataFrame) -> float:
    net = rows.filter(pl.col("family") == "baseline")["net_earnings"].fill_nan(None)
    return _finite(net.max()) if net.len() else math.nan


def _cell(frame: pl.DataFrame, commodity: str, model: str, column: str) -> object:
    """The value of ``column`` for one (commodity, model) row, or None when there is none."""
    hit = frame.filter((pl.col("commodity") == commodity) & (pl.col("model") == model))
    return hit[column][0] if hit.height else None


def _row_normalised(values: np.ndarray) -> np.ndarray:
    """Min-max within each row; NaN cells stay NaN, a row of equal values is all 1."""
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.min(np.where(np.isnan(values), np.inf, values), axis=1, keepdims=True)
        high = np.max(np.where(np.isnan(values), -np.inf, values), axis=1, keepdims=True)
        scaled = (values - low) / (high - low)
    return np.where(np.isnan(values), np.nan, np.where(high > low, scaled, 1.0))


def _finite(value: object) -> float:
    return float(value) if isinstance(value, int | float) else math.nan


def _money(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:,.0f}"


def _finish(figure: Figure, ax: Axes, title: str) -> None:
    ax.set_title(title, fontsize=9)
    _style(ax)
    figure.tight_layout()


def _style(ax: Axes) -> None:
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)


def _no_data(title: str) -> bytes:
    figure = Figure(figsize=(6, 2.0), dpi=80)
    ax = figure.subplots()
    ax.text(0.5, 0.5, "no data", ha="center", va="center", fontsize=9, transform=ax.transAxes)
    ax.set(xticks=[], yticks=[])
    ax.set_title(title, fontsize=9)
    figure.tight_layout()
    return png_bytes(figure)
