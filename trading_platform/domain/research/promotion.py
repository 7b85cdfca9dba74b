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

from trading_platform.config.user_strategies import PromotedStrategy, UserStrategySpec

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
