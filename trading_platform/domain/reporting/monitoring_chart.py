"""The forecast-monitoring chart of the daily report: rolling IC against the drift threshold."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from trading_platform.domain.desk.monitoring import ForecastMonitoring
from trading_platform.domain.reporting.charts import png_bytes


def monitoring_chart(monitoring: ForecastMonitoring, title: str) -> bytes:
    """Rolling IC and rank IC over the forecast days with the drift threshold dashed; the title
    says DRIFT (and why) when the verdict trips."""
    figure = Figure(figsize=(10, 3), dpi=80)
    ax = figure.subplots()
    drift = monitoring.drift
    if np.isfinite(monitoring.ic).any() or np.isfinite(monitoring.rank_ic).any():
        ax.plot(monitoring.dates, monitoring.ic, linewidth=1, label="rolling IC")
        ax.plot(monitoring.dates, monitoring.rank_ic, linewidth=1, label="rolling rank IC")
        ax.axhline(drift.threshold, color="tab:red", linestyle="--", linewidth=0.8,
                   label=f"drift threshold {drift.threshold:.2f}")
        ax.set_ylim(-1.05, 1.05)  # a fixed correlation scale keeps charts comparable
        ax.legend(loc="best", fontsize=7, frameon=False)
        ax.grid(alpha=0.3)
    else:
        ax.text(0.5, 0.5, "no rolling IC yet", transform=ax.transAxes, ha="center",
                va="center", fontsize=11, color="grey")
        ax.set_xticks([])
        ax.set_yticks([])
    heading = f"DRIFT - {title}: {drift.reason}" if drift.drifting else title
    ax.set_title(heading, fontsize=9, color="tab:red" if drift.drifting else "black")
    ax.set_ylabel(f"IC, horizon {monitoring.horizon}", fontsize=8)
    ax.tick_params(labelsize=7)
    figure.tight_layout()
    return png_bytes(figure)
