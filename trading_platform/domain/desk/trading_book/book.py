"""One day's proposed portfolio of the futures (trading) book: what it holds, what it wants to
hold, and the figures every limit reads.

Conventions, stated once: arrays have shape ``(k,)`` in ``commodities`` order; contracts are
signed (long > 0); a position's notional is ``|contracts| x price x point_value`` in the book's
currency, with ``price`` the traded contract's close today (the reference price of an order
that fills at the next session); a weight is the signed notional over ``equity`` (the book's
value at today's close); cash is ``1 - sum |weight|`` (the share of the book not committed to
a position: a futures book is unleveraged here, so every notional is funded). An order is
``target - held`` contracts; its cost is ``|order| x cost_per_contract`` (commission plus the
estimated slippage). ``volume`` is the contract's average daily volume in contracts (NaN when
unknown). ``plan_weights`` and ``plan_cash`` are the optimiser's target before rounding to
whole contracts: they sum (in absolute value) with cash to 1 when the optimiser is sound.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class ProposedBook:
    commodities: tuple[str, ...]
    equity: float
    price: np.ndarray
    point_value: np.ndarray
    margin: np.ndarray
    held: np.ndarray
    target: np.ndarray
    volume: np.ndarray
    cost_per_contract: np.ndarray
    plan_weights: np.ndarray
    plan_cash: float

    def __post_init__(self) -> None:
        k = len(self.commodities)
        if k == 0:
            raise ValueError("proposed book: no commodities")
        for name in ("price", "point_value", "margin", "held", "target", "volume",
                     "cost_per_contract", "plan_weights"):
            if np.shape(getattr(self, name)) != (k,):
                raise ValueError(f"proposed book: {name} has shape "
                                 f"{np.shape(getattr(self, name))}, expected ({k},) "
                                 f"for {', '.join(self.commodities)}")
        if not (np.isfinite(self.equity) and self.equity > 0):
            raise ValueError(f"proposed book: equity must be finite and > 0, got {self.equity}")

    @property
    def contract_weight(self) -> np.ndarray:
        """One contract's weight in each commodity."""
        return self.price * self.point_value / self.equity

    def weights(self, contracts: np.ndarray) -> np.ndarray:
        return contracts * self.contract_weight

    @property
    def before(self) -> np.ndarray:
        return self.weights(self.held)

    @property
    def after(self) -> np.ndarray:
        return self.weights(self.target)

    @property
    def orders(self) -> np.ndarray:
        return self.target - self.held

    @property
    def order_weights(self) -> np.ndarray:
        return self.weights(self.orders)

    @property
    def turnover(self) -> float:
        return float(np.abs(self.order_weights).sum())

    @property
    def costs(self) -> float:
        """The orders' estimated costs as a share of the book."""
        return float((np.abs(self.orders) * self.cost_per_contract).sum() / self.equity)

    @property
    def gross(self) -> float:
        return float(np.abs(self.after).sum())

    @property
    def cash(self) -> float:
        return 1.0 - self.gross

    @property
    def margin_share(self) -> float:
        return float((np.abs(self.target) * self.margin).sum() / self.equity)

    def with_target(self, target: np.ndarray) -> ProposedBook:
        return replace(self, target=np.asarray(target, dtype=np.float64))


def drop_small_orders(book: ProposedBook, min_order: float
                      ) -> tuple[ProposedBook, list[dict[str, float | str]]]:
    """The book without orders below ``min_order`` of it (those positions stay as held), and
    the dropped orders listed (commodity, contracts, weight)."""
    small = (book.orders != 0) & (np.abs(book.order_weights) < min_order)
    dropped = [{"commodity": book.commodities[i], "contracts": float(book.orders[i]),
                "weight": float(book.order_weights[i])} for i in np.flatnonzero(small)]
    return book.with_target(np.where(small, book.held, book.target)), dropped
