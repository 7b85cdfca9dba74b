"""Promotion: version numbers, parameter changes against the parent, the spec's identity and
the log entry."""

from __future__ import annotations

import datetime as dt

from trading_platform.config.user_strategies import UserStrategySpec
from trading_platform.domain.research.promotion import (
    ACTUAL_IMPACT_PENDING,
    log_entry,
    next_version,
    parameter_changes,
    promoted_strategy,
)

PARENT = UserStrategySpec(code="fusion", version=1, params={"threshold": 0.6, "size": 5})
LINEAGE = {"experiment": "grid1", "commodities": ["coffee"],
           "data_range": {"train": "2020-01-02..2022-12-30", "test": "2023-01-02..2023-12-29"},
           "data_version": "d1", "code_version": "c1",
           "metrics": {"test": {"sharpe": 1.2}}, "gate": [], "gate_passed": True,
           "override_reason": None, "expected_impact": "fewer entries"}


def test_next_version_given_existing_files_counts_this_name_only():
    files = ["fusion_v1.yaml", "fusion_v3.yaml", "fusion_tuned_v7.yaml", "STRATEGY_LOG.md"]
    assert (next_version("fusion", files), next_version("fusion_tuned", files),
            next_version("new", files)) == (4, 8, 1)


def test_promoted_strategy_given_a_run_applies_its_parameters_over_the_parent():
    promoted = promoted_strategy("fusion_tuned", 2, "fusion", PARENT, {"threshold": 0.8},
                                 LINEAGE, dt.date(2026, 12, 4))
    assert promoted.params == {"threshold": 0.8, "size": 5}
    assert promoted.parent == "fusion v1" and promoted.parent_hash == PARENT.content_hash
    assert promoted.content_hash == promoted.spec.content_hash != PARENT.content_hash
    assert parameter_changes(PARENT.params, promoted.params) == {"threshold": (0.6, 0.8)}
    entry = log_entry(promoted, PARENT.params)
    assert entry.startswith("## 2026-12-04: fusion_tuned v2 [")
    assert "- threshold: 0.6 -> 0.8" in entry and "passed the overfitting gate" in entry
    assert ACTUAL_IMPACT_PENDING in entry and "expected impact: fewer entries" in entry
