"""The futures paper book: one session's fills, marks and rolls by the position engine's rules.

Conventions (``book`` states the weights'): arrays have shape ``(k,)`` in the book's commodity
order; contracts are signed; prices are the held contract's; a commodity without a bar today
has ``close`` NaN and nothing happens to it (its order waits for its next bar). The rules are
the engine's rules 1-3 (``futures.engine_kernels``) on close-only data, so a paper day settles
exactly as the backtest settles the same day (tested against the engine):

1. the order decided at the previous close fills at today's close; the held position is marked
   from its last price to the fill first; commission and slippage (per contract) are charged;
2. the position is marked to the close: P&L = contracts x price change x point value;
3. on a roll day a held position is sold at the close and bought in the next contract at its
   close, both charged; the last price becomes the next contract's close.

Each position also carries its entry notional and its P&L since it was opened, net of its
costs: a position opened (or reversed) today starts at its notional at the fill and today's
costs; a position added to gains the added contracts' notional at the fill; a position reduced
keeps the same share of both (its loss ratio unchanged); a flat one has 0 of both. The
single-position breaker reads them.

Slippage: on paper the slippage realised is the engine's model (ticks x tick value per
contract), equal to the estimate by construction; the price move between the decision's
reference price and the fill (``shortfall``, positive when it cost the book) is the part a
model cannot promise, reported beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PaperPositions:
    """The paper book after a close: ``held``, ``last`` (the mark price), ``pending`` (orders
    for the next session), ``entry`` and ``opened_pnl`` per commodity, and its ``equity``."""

    held: np.ndarray
    last: np.ndarray
    pending: np.ndarray
    entry: np.ndarray
    opened_pnl: np.ndarray
    equity: float

    @classmethod
    def flat(cls, k: int, capital: float) -> PaperPositions:
        zeros = np.zeros(k)
        return cls(zeros, np.full(k, np.nan), zeros, zeros, zeros, float(capital))

    def with_pending(self, pending: np.ndarray) -> PaperPositions:
        return PaperPositions(self.held, self.last, np.asarray(pending, dtype=np.float64),
                              self.entry, self.opened_pnl, self.equity)


@dataclass(frozen=True)
class Session:
    """Today's bars and each contract's terms: ``close``, ``roll`` (1.0 on a roll day),
    ``next_close`` (the contract rolled into), ``point_value``, ``commission`` and
    ``slippage`` (currency per contract)."""

    close: np.ndarray
    roll: np.ndarray
    next_close: np.ndarray
    point_value: np.ndarray
    commission: np.ndarray
    slippage: np.ndarray


@dataclass(frozen=True)
class Settled:
    """The book after the session, and the session's ``filled`` contracts, ``fill_price``,
    ``pnl``, ``commission`` and ``slippage`` (roll trades included) and the fills'
    ``shortfall`` against ``reference``."""

    positions: PaperPositions
    filled: np.ndarray
    fill_price: np.ndarray
    pnl: np.ndarray
    commission: np.ndarray
    slippage: np.ndarray
    shortfall: np.ndarray


def settle_session(book: PaperPositions, session: Session,
                   reference: np.ndarray) -> Settled:
    """Fill ``book.pending`` at today's close, mark and roll (module rules). ``reference`` is
    the price each pending order was decided at (its contract's close that day)."""
    bar = np.isfinite(session.close)
    filled = np.where(bar, book.pending, 0.0)
    close = np.where(bar, session.close, 0.0)
    last = np.where(np.isfinite(book.last), book.last, close)
    pnl = np.where(bar, book.held * (close - last) * session.point_value, 0.0)
    held = book.held + filled
    rolling = bar & (session.roll == 1.0) & (held != 0)
    traded = np.abs(filled) + 2.0 * np.where(rolling, np.abs(held), 0.0)
    commission, slippage = traded * session.commission, traded * session.slippage
    entry, opened_pnl = _opened(book, held, close * session.point_value, pnl,
                                commission + slippage)
    mark = np.where(bar & (session.roll == 1.0), session.next_close, np.where(bar, close,
                                                                             book.last))
    with np.errstate(invalid="ignore"):
        shortfall = np.where(filled != 0, filled * (close - reference) * session.point_value,
                             0.0)
    equity = book.equity + float((pnl - commission - slippage).sum())
    positions = PaperPositions(held, mark, np.where(bar, 0.0, book.pending), entry, opened_pnl,
                               equity)
    return Settled(positions, filled, np.where(filled != 0, close, np.nan), pnl, commission,
                   slippage, shortfall)


def _opened(book: PaperPositions, held: np.ndarray, contract_value: np.ndarray,
            pnl: np.ndarray, costs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each position's (entry notional, P&L since opened) after the session (module rules)."""
    entry, opened = np.zeros_like(held), np.zeros_like(held)
    for i, (before, after) in enumerate(zip(book.held, held, strict=True)):
        if after == 0:
            continue
        if before == 0 or np.sign(before) != np.sign(after):
            # today's mark belongs to the position that was closed
            entry[i], opened[i] = abs(after) * contract_value[i], -costs[i]
            continue
        entry[i], opened[i] = book.entry[i], book.opened_pnl[i] + pnl[i] - costs[i]
        if abs(after) > abs(before):
            entry[i] += (abs(after) - abs(before)) * contract_value[i]
        else:
            share = abs(after) / abs(before)
            entry[i], opened[i] = entry[i] * share, opened[i] * share
    return entry, opened
