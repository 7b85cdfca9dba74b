"""From the optimiser's target weights to today's whole-contract orders, inside the limits by
construction; the validators then check the result independently (``validators``).

Weights, contracts and shares follow ``book``'s conventions. The steps, in order:

1. the target: each weight capped at ``max_position`` in size (sign kept); the gross scaled
   down to ``1 - min_cash`` when above it; a weight below ``min_position`` in size becomes 0
   (too small to hold);
2. the day's move per commodity, ``target - held`` in weight, capped at ``max_order`` and at
   ``max_volume_share`` of the contract's average daily volume (no move where volume is
   unknown and the rule is ``refuse``); then the moves are granted largest wanted first
   (ties in commodity order) until ``max_turnover`` is spent, the last one in part: a large
   rebalance takes several days, and a budget too small for every move opens whole positions
   rather than many too small to hold;
3. contracts ``held + move``, rounded toward the held contracts (a rounded order is never
   larger than the move allowed);
4. a position left between 0 and ``min_position`` in size: a new one is not opened, a shrinking
   one stops at the smallest whole number of contracts worth ``min_position``.
"""

from __future__ import annotations

import numpy as np

from trading_platform.config.risk_limits import FuturesLimits
from trading_platform.domain.desk.trading_book.book import ProposedBook


def target_weights(weights: np.ndarray, limits: FuturesLimits) -> np.ndarray:
    """Step 1: the optimiser's weights within the position, cash and size limits."""
    capped = np.clip(np.asarray(weights, dtype=np.float64), -limits.max_position,
                     limits.max_position)
    gross, room = float(np.abs(capped).sum()), 1.0 - limits.min_cash
    if gross > room:
        capped = capped * (room / gross)
    return np.where(np.abs(capped) < limits.min_position, 0.0, capped)


def _moves(book: ProposedBook, target: np.ndarray, limits: FuturesLimits) -> np.ndarray:
    """Step 2: each commodity's move in weight, within the order, volume and turnover caps."""
    known = np.isfinite(book.volume) & (book.volume > 0)
    volume_cap = np.where(known, limits.max_volume_share * np.where(known, book.volume, 0.0)
                          * book.contract_weight,
                          0.0 if limits.missing_volume == "refuse" else np.inf)
    wanted = target - book.before
    cap = np.minimum(limits.max_order, volume_cap)
    size = np.minimum(np.abs(wanted), cap)
    granted, budget = np.zeros_like(size), limits.max_turnover
    for i in np.argsort(-np.abs(wanted), kind="stable"):
        granted[i] = min(size[i], budget)
        budget -= granted[i]
    return np.sign(wanted) * granted


def plan_orders(book: ProposedBook, limits: FuturesLimits) -> ProposedBook:
    """``book`` with today's target contracts planned from its ``plan_weights``."""
    per_contract = book.contract_weight
    moves = _moves(book, target_weights(book.plan_weights, limits), limits)
    step = moves / per_contract
    # toward the held contracts; the slack keeps 0.3 - 0.2 (= 0.0999...) worth 10 contracts
    contracts = book.held + np.trunc(step + np.sign(step) * 1e-6)
    floor = np.ceil(limits.min_position / per_contract - 1e-9)  # min_position in contracts
    small = (contracts != 0) & (np.abs(contracts) < floor)
    opening = book.held == 0
    contracts = np.where(small & opening, 0.0, contracts)
    shrinking = small & ~opening & (np.abs(book.held) >= floor)
    contracts = np.where(shrinking, np.sign(book.held) * floor, contracts)
    return book.with_target(contracts)
