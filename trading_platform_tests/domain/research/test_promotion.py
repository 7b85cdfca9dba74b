"""Promotion: version numbers, parameter changes against the parent, the spec's identity, the
log entry, and its actual-impact line filled from the ledger after 30 trading days."""

from __future__ import annotations

import datetime as dt

import polars as pl

from trading_platform.config.user_strategies import UserStrategySpec
from trading_platform.domain.research.promotion import (
    ACTUAL_IMPACT_PENDING,
    actual_impact,
    fill_actual_impact,
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


def _ledger(hash_: str, first: dt.date, n: int) -> pl.DataFrame:
    """n weekdays from ``first`` at a close of 100, storage 1 a day; two sales: 10 at 102 on
    the 3rd day and 5 at 99 on the 10th (transaction costs 10 and 5)."""
    days = [d for d in (first + dt.timedelta(i) for i in range(2 * n)) if d.weekday() < 5][:n]
    sold = {2: (10.0, 102.0, 10.0), 9: (5.0, 99.0, 5.0)}
    return pl.DataFrame([{
        "commodity": "coffee", "date": d, "strategy_hash": hash_, "price": 100.0,
        "executed_quantity": sold.get(i, (0.0, None, 0.0))[0],
        "executed_price": sold.get(i, (0.0, None, 0.0))[1],
        "proceeds": sold[i][0] * sold[i][1] if i in sold else 0.0,
        "transaction_cost": sold.get(i, (0.0, None, 0.0))[2], "storage_cost": 1.0}
        for i, d in enumerate(days)])


def test_actual_impact_given_30_traded_days_reports_the_ledgers_figures():
    promoted = promoted_strategy("pt", 2, "pt", PARENT, {}, LINEAGE, dt.date(2026, 1, 5))
    earlier = _ledger(promoted.content_hash, dt.date(2025, 12, 1), 5)  # before promotion
    other = _ledger("someone_else", dt.date(2026, 1, 5), 40)
    ledger = pl.concat([earlier, other, _ledger(promoted.content_hash, dt.date(2026, 1, 5), 29)])
    assert actual_impact(promoted, ledger) is None  # 29 trading days so far
    ledger = pl.concat([earlier, other, _ledger(promoted.content_hash, dt.date(2026, 1, 5), 31)])
    line = actual_impact(promoted, ledger)
    # realised (10 x 102 + 5 x 99) / 15 = 101 against a close of 100: capture 1.01;
    # net proceeds 1020 + 495 - 15 = 1500; storage 30 days x 1 = 30
    assert line == ("actual impact (30 trading days, 2026-01-05..2026-02-13): 30 commodity-days "
                    "on 1 commodities, 2 sales of 15.0, net proceeds 1,500.00, storage costs "
                    "30.00, price capture 1.0100")


def test_fill_actual_impact_given_two_entries_fills_only_the_versions_line_once():
    one = promoted_strategy("pt", 2, "pt", PARENT, {"threshold": 0.7}, LINEAGE,
                            dt.date(2026, 1, 5))
    two = promoted_strategy("pt", 3, "pt", PARENT, {"threshold": 0.8}, LINEAGE,
                            dt.date(2026, 3, 2))
    log = "# Strategy log\n\n" + log_entry(one, PARENT.params) + "\n" + \
        log_entry(two, PARENT.params)
    filled = fill_actual_impact(log, one.content_hash, "actual impact: done")
    assert filled is not None and filled.count("- actual impact: done") == 1
    assert filled.count(ACTUAL_IMPACT_PENDING) == 1  # v3's is still pending
    assert filled.index("actual impact: done") < filled.index(f"[{two.content_hash}]")
    assert fill_actual_impact(filled, one.content_hash, "again") is None
