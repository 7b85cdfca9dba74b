"""Promotion of a search's run to a new strategy version: the spec body with its lineage, the
parameter changes against the parent, the log entry, and the version number.

The new version's parameters are the parent spec's with the run's applied; its content hash
covers code, version and parameters (``UserStrategySpec.content_hash``). The log entry carries
an ``actual impact`` line that the daily path fills in after 30 trading days.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import polars as pl

from trading_platform.config.user_strategies import PromotedStrategy, UserStrategySpec

IMPACT_DAYS = 30
ACTUAL_IMPACT_PENDING = "actual impact: (filled in after 30 trading days of the new version)"


def next_version(name: str, existing: list[str]) -> int:
    """One above the highest ``<name>_v<N>.yaml`` among ``existing`` file names (1 if none)."""
    pattern = re.compile(rf"^{re.escape(name)}_v(\d+)\.yaml$")
    versions = [int(m.group(1)) for f in existing if (m := pattern.match(f))]
    return max(versions, default=0) + 1


def parameter_changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Every parameter whose value differs, as (old, new)."""
    return {k: (old.get(k), new[k]) for k in sorted(new) if old.get(k) != new[k]}


def promoted_strategy(name: str, version: int, parent_name: str, parent: UserStrategySpec,
                      run_params: dict[str, Any], lineage: dict[str, Any],
                      day: dt.date) -> PromotedStrategy:
    """The new version (module doc); ``lineage`` holds experiment, commodities, data_range,
    data_version, code_version, metrics, gate, gate_passed, override_reason and
    expected_impact."""
    params = {**parent.params, **run_params}
    spec = UserStrategySpec(code=parent.code, version=version, params=params)
    return PromotedStrategy(
        name=name, version=version, code=parent.code, params=params,
        parent=f"{parent_name} v{parent.version}", parent_hash=parent.content_hash,
        promoted_on=day.isoformat(), content_hash=spec.content_hash, **lineage)


def log_entry(promoted: PromotedStrategy, parent_params: dict[str, Any]) -> str:
    """The ``STRATEGY_LOG.md`` block of one promotion."""
    changes = parameter_changes(parent_params, promoted.params)
    lines = [f"## {promoted.promoted_on}: {promoted.name} v{promoted.version} "
             f"[{promoted.content_hash}]", "",
             f"- parent: {promoted.parent} [{promoted.parent_hash}]",
             f"- experiment: {promoted.experiment} (data {promoted.data_version}, code "
             f"{promoted.code_version}, {', '.join(promoted.commodities)})",
             "- reason: " + ("passed the overfitting gate" if promoted.gate_passed else
                             f"OVERRIDE of a failed gate: {promoted.override_reason}")]
    lines += [f"- {k}: {old} -> {new}" for k, (old, new) in changes.items()] or \
        ["- parameters: unchanged"]
    lines += [f"- expected impact: {promoted.expected_impact or '(not given)'}",
              f"- {ACTUAL_IMPACT_PENDING}", ""]
    return "\n".join(lines)


def actual_impact(promoted: PromotedStrategy, ledger: pl.DataFrame,
                  days: int = IMPACT_DAYS) -> str | None:
    """The version's actual-impact line once the desk has traded it on ``days`` trading days
    (ledger dates on or after its promotion with its content hash), from those days' ledger
    rows; None before then. Figures: commodity-days, sales and the quantity sold, net proceeds
    (proceeds - transaction costs), storage costs, and price capture (volume-weighted price of
    the sales / mean close of those commodity-days)."""
    if ledger.is_empty():
        return None
    since = dt.date.fromisoformat(promoted.promoted_on)
    rows = ledger.filter((pl.col("strategy_hash") == promoted.content_hash)
                         & (pl.col("date") >= since))
    traded = rows["date"].unique().sort().to_list()
    if len(traded) < days:
        return None
    rows = rows.filter(pl.col("date") <= traded[days - 1])
    sold = rows.filter(pl.col("executed_quantity").fill_null(0) > 0)
    quantity = float(sold["executed_quantity"].sum())
    realised = float((sold["executed_quantity"] * sold["executed_price"]).sum()) / quantity \
        if quantity > 0 else float("nan")
    capture = realised / float(rows["price"].mean())  # type: ignore[arg-type]
    net = float(rows["proceeds"].fill_null(0).sum() - rows["transaction_cost"].fill_null(0).sum())
    return (f"actual impact ({days} trading days, {traded[0]}..{traded[days - 1]}): "
            f"{rows.height} commodity-days on {rows['commodity'].n_unique()} commodities, "
            f"{sold.height} sales of {quantity:,.1f}, net proceeds {net:,.2f}, storage costs "
            f"{float(rows['storage_cost'].fill_null(0).sum()):,.2f}, price capture "
            f"{capture:.4f}")


def fill_actual_impact(log: str, content_hash: str, line: str) -> str | None:
    """``log`` with the pending actual-impact line of the entry for ``content_hash`` replaced
    by ``line``; None when that entry has no pending line (already filled, or absent)."""
    entries = log.split("\n## ")
    for i, entry in enumerate(entries):
        header = entry.split("\n", 1)[0]
        if f"[{content_hash}]" in header and f"- {ACTUAL_IMPACT_PENDING}" in entry:
            entries[i] = entry.replace(f"- {ACTUAL_IMPACT_PENDING}", f"- {line}", 1)
            return "\n## ".join(entries)
    return None
