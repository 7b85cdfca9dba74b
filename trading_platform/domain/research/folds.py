"""Train/test splits of a search: one chronological split, or walk-forward folds.

Conventions (stated once): positions index the trading days of the series, oldest first; every
window is half-open ``[start, end)``. A walk-forward fold trains on ``train`` days, skips
``purge`` days (training labels that would reach into the test window) and ``embargo`` days
(serially correlated days right before the test window), then tests on ``test`` days; the next
fold starts ``step`` days later. Folds whose test window would pass the last day are not made.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fold:
    """One train window and the test window after it, as day positions ``[start, end)``."""

    train_start: int
    train_end: int
    test_start: int
    test_end: int


def ratio_split(days: int, train_fraction: float = 0.75) -> Fold:
    """The first ``train_fraction`` of the days to train, the rest to test."""
    if not 0 < train_fraction < 1:
        raise ValueError(f"train fraction must be in (0, 1), got {train_fraction}")
    cut = round(days * train_fraction)
    if cut < 2 or days - cut < 2:
        raise ValueError(f"{days} days split at {train_fraction:.0%} leave fewer than 2 days "
                         "on one side")
    return Fold(0, cut, cut, days)


def walk_forward_folds(days: int, train: int, test: int, step: int, purge: int = 0,
                       embargo: int = 0) -> list[Fold]:
    """Every walk-forward fold that fits in ``days`` (module doc); ValueError if none does."""
    if min(train, test, step) < 1 or min(purge, embargo) < 0:
        raise ValueError(f"walk-forward needs train, test and step >= 1 and purge, embargo "
                         f">= 0; got train {train}, test {test}, step {step}, purge {purge}, "
                         f"embargo {embargo}")
    gap = purge + embargo
    folds = []
    start = 0
    while start + train + gap + test <= days:
        test_start = start + train + gap
        folds.append(Fold(start, start + train, test_start, test_start + test))
        start += step
    if not folds:
        raise ValueError(f"no walk-forward fold fits in {days} days (train {train} + purge "
                         f"{purge} + embargo {embargo} + test {test})")
    return folds
