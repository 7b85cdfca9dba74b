"""The overfitting gate on promotion: each criterion reported with its number and threshold.

A run is promoted only if every criterion that applies passes:

- ``train_test_gap``: annualised train Sharpe - test Sharpe <= ``max_gap`` (1.0);
- ``deflated_sharpe``: DSR of the run's test returns, deflated for the raw number of trials run
  (pruned and failed included) and the variance of their Sharpe ratios, >= ``min_dsr`` (0.95);
- ``pbo``: probability of backtest overfitting by CSCV <= ``max_pbo`` (0.3);
- ``stability``: the median test objective of the run's neighbours >= ``min_stability`` (0.5)
  x its own;
- ``walk_forward``: positive out-of-sample Sharpe in >= ``min_fold_share`` (0.6) of the folds,
  only when folds are defined.

A criterion whose number could not be computed (NaN) fails: the gate never passes on a missing
figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class GateThresholds:
    """The gate's thresholds (``config/strategy_research.yaml``)."""

    max_gap: float = 1.0
    min_dsr: float = 0.95
    max_pbo: float = 0.3
    min_stability: float = 0.5
    min_fold_share: float = 0.6


@dataclass(frozen=True)
class Criterion:
    name: str
    value: float
    threshold: float
    passed: bool
    rule: str


@dataclass(frozen=True)
class GateReport:
    """Every criterion's verdict; ``passed`` only when all pass."""

    criteria: tuple[Criterion, ...]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.criteria)

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.criteria if not c.passed]

    def describe(self) -> str:
        return "; ".join(f"{c.name} {'pass' if c.passed else 'FAIL'}: {c.value:.3g} "
                         f"({c.rule} {c.threshold:g})" for c in self.criteria)


def evaluate_gate(train_sharpe: float, test_sharpe: float, dsr: float, pbo: float,
                  stability_ratio: float, fold_sharpes: list[float] | None,
                  thresholds: GateThresholds) -> GateReport:
    """The gate's verdicts for one run (module doc)."""
    t = thresholds
    criteria = [
        _at_most("train_test_gap", train_sharpe - test_sharpe, t.max_gap),
        _at_least("deflated_sharpe", dsr, t.min_dsr),
        _at_most("pbo", pbo, t.max_pbo),
        _at_least("stability", stability_ratio, t.min_stability),
    ]
    if fold_sharpes:
        positive = sum(1 for s in fold_sharpes if s > 0) / len(fold_sharpes)
        criteria.append(_at_least("walk_forward", positive, t.min_fold_share))
    return GateReport(tuple(criteria))


def _at_most(name: str, value: float, threshold: float) -> Criterion:
    return Criterion(name, value, threshold, not math.isnan(value) and value <= threshold, "<=")


def _at_least(name: str, value: float, threshold: float) -> Criterion:
    return Criterion(name, value, threshold, not math.isnan(value) and value >= threshold, ">=")
