"""A search book whose commodities replay in worker processes: a trial's commodities are spread
over the workers, each replaying its share focused (screens cached in the worker, as in the
serial book), and the parent adds their equity paths in commodity order, so the trial's book
equals the serial ``UserStrategyBook.equity`` bit for bit. ``stages`` replays in rounds, one
commodity per worker at a time, yielding the partial book after each round. Workers start by
``spawn`` with the book already in them; only parameters and equity paths cross between
processes.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from trading_platform.domain.research.runners import UserStrategyBook
from trading_platform.domain.research.trials import Stages

_WORKER_BOOK: UserStrategyBook | None = None


def _start(book: UserStrategyBook) -> None:
    global _WORKER_BOOK
    _WORKER_BOOK = book


def _replay(commodities: list[str], params: dict[str, Any]) -> dict[str, np.ndarray]:
    assert _WORKER_BOOK is not None
    return {c: _WORKER_BOOK.commodity_equity(c, params) for c in commodities}


class ParallelBook:
    """``equity(params)`` like the book's, over ``workers`` processes; close it when done (or
    use it as a context manager)."""

    def __init__(self, book: UserStrategyBook, workers: int = 2) -> None:
        self.book, self.capital, self.dates = book, book.capital, book.dates
        # largest first, each to the least loaded worker: balanced by bars
        sizes = sorted(book.series, key=lambda c: -book.series[c].height)
        self.groups: list[list[str]] = [[] for _ in range(max(1, min(workers, len(sizes))))]
        loads = [0] * len(self.groups)
        for commodity in sizes:
            slot = loads.index(min(loads))
            self.groups[slot].append(commodity)
            loads[slot] += book.series[commodity].height
        self.pool = ProcessPoolExecutor(len(self.groups),
                                        mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_start, initargs=(book,))

    def equity(self, params: dict[str, Any]) -> np.ndarray:
        parts: dict[str, np.ndarray] = {}
        for done in [self.pool.submit(_replay, group, params) for group in self.groups]:
            parts |= done.result()
        return self.book.combine(parts)

    def stages(self, params: dict[str, Any]) -> Stages:
        """The book built in rounds of one commodity per worker (module doc)."""
        parts: dict[str, np.ndarray] = {}
        rounds = max(len(group) for group in self.groups)
        for r in range(rounds):
            pending = [self.pool.submit(_replay, [group[r]], params)
                       for group in self.groups if r < len(group)]
            for done in pending:
                parts |= done.result()
            yield self.book.combine(parts), r == rounds - 1

    def close(self) -> None:
        self.pool.shutdown()

    def __enter__(self) -> ParallelBook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
