"""The futures desk's safety validators of one day's orders, each returning ERROR evidence.

Every limit is a share of the book (``book.ProposedBook`` states the conventions) read from the
``futures.limits`` section of ``risk_limits.yaml``. A failure blocks the day's orders: none is
sent. Each description names the rule, the figure, the limit and, on failure, the commodity
that broke it; ``metadata`` carries ``observed`` and ``threshold``.

Missing volume (``volume`` NaN or <= 0): the rule ``missing_volume`` decides: ``refuse`` fails
the volume check for any order in that contract (nothing is known about its liquidity);
``allow`` passes it and lists the contract as unchecked.
"""

from __future__ import annotations

import math

import numpy as np

from trading_platform.config.risk_limits import FuturesLimits
from trading_platform.domain.desk.trading_book.book import ProposedBook
from trading_platform.domain.evidence import ERROR, CheckOutcome

# Float slack: a position built exactly at a limit, after arithmetic, still passes.
_SLACK = 1e-9


def _outcome(name: str, passed: bool, what: str, observed: float, threshold: float,
             worst: str = "", **extra: object) -> CheckOutcome:
    verdict = "within" if passed else "BREAKS"
    at = f" ({worst})" if worst and not passed else ""
    description = (f"{name}: {what} {observed:.4f}{at} {verdict} the limit {threshold:.4f}"
                   + ("" if passed else "; no order is sent today: fix the target or the "
                      "limit, then rerun the day"))
    value = observed if math.isfinite(observed) else str(observed)
    return CheckOutcome(name, passed, ERROR, description,
                        {"observed": value, "threshold": threshold, **extra})


def _worst(book: ProposedBook, values: np.ndarray) -> tuple[float, str]:
    if values.size == 0 or not np.isfinite(values).any():
        return 0.0, ""
    i = int(np.nanargmax(values))
    return float(values[i]), book.commodities[i]


def weights_sum_to_one(book: ProposedBook, limits: FuturesLimits) -> CheckOutcome:
    gap = abs(float(np.abs(book.plan_weights).sum()) + book.plan_cash - 1.0)
    return _outcome("weights_sum_to_one", gap <= limits.weight_tolerance + _SLACK,
                    "|sum |plan weights| + plan cash - 1|", gap, limits.weight_tolerance)


def position_within_max(book: ProposedBook, limits: FuturesLimits) -> CheckOutcome:
    largest, name = _worst(book, np.abs(book.after))
    return _outcome("position_within_max", largest <= limits.max_position + _SLACK,
                    "largest position", largest, limits.max_position, name)


def held_position_above_min(book: ProposedBook, limits: FuturesLimits) -> CheckOutcome:
    held = np.abs(book.after)
    sizes = np.where(held > 0, held, np.inf)  # flat commodities hold nothing to judge
    i = int(np.argmin(sizes))
    smallest, name = (float(sizes[i]), book.commodities[i]) if np.isfinite(sizes[i]) \
        else (0.0, "")
    passed = not name or smallest >= limits.min_position - _SLACK
    return _outcome("held_position_above_min", passed, "smallest held position", smallest,
                    limits.min_position, name)


def turnover_within_limit(book: ProposedBook, limits: FuturesLimits) -> CheckOutcome:
    return _outcome("turnover_within_limit", book.turnover <= limits.max_turnover + _SLACK,
                    "turnover", book.turnover, limits.max_turnover)


def order_within_limit(book: ProposedBook, limits: FuturesLimits) -> CheckOutcome:
    largest, name = _worst(book, np.abs(book.order_weights))
    return _outcome("order_within_limit", largest <= limits.max_order + _SLACK,
                    "largest order", largest, limits.max_order, name)


def costs_within_limit(book: ProposedBook, limits: FuturesLimits) -> CheckOutcome:
    return _outcome("costs_within_limit", book.costs <= limits.max_costs + _SLACK,
                    "estimated costs", book.costs, limits.max_costs)


def order_within_volume(book: ProposedBook, limits: FuturesLimits) -> CheckOutcome:
    trading = book.orders != 0
    known = np.isfinite(book.volume) & (book.volume > 0)
    unknown = [book.commodities[i] for i in np.flatnonzero(trading & ~known)]
    share = np.where(trading & known, np.abs(book.orders) / np.where(known, book.volume, 1.0),
                     0.0)
    largest, name = _worst(book, share)
    passed = largest <= limits.max_volume_share + _SLACK
    if unknown and limits.missing_volume == "refuse":
        passed, name = False, f"no volume for {', '.join(unknown)} (rule missing_volume: refuse)"
    return _outcome("order_within_volume", passed, "largest order over average daily volume",
                    largest, limits.max_volume_share, name, unchecked=unknown)


def cash_above_min(book: ProposedBook, limits: FuturesLimits) -> CheckOutcome:
    return _outcome("cash_above_min", book.cash >= limits.min_cash - _SLACK, "cash", book.cash,
                    limits.min_cash)


def no_leverage(book: ProposedBook, limits: FuturesLimits) -> CheckOutcome:
    gross_ok = book.gross <= limits.max_gross + _SLACK
    margin_ok = book.margin_share <= limits.max_margin + _SLACK
    worst = "" if gross_ok else "gross notional above equity"
    if not margin_ok:
        worst = (worst + "; " if worst else "") + \
            f"margin {book.margin_share:.4f} above {limits.max_margin:.4f}"
    return _outcome("no_leverage", gross_ok and margin_ok, "gross notional", book.gross,
                    limits.max_gross, worst, margin=book.margin_share,
                    max_margin=limits.max_margin)


VALIDATORS = (weights_sum_to_one, position_within_max, held_position_above_min,
              turnover_within_limit, order_within_limit, costs_within_limit,
              order_within_volume, cash_above_min, no_leverage)


def validate_orders(book: ProposedBook, limits: FuturesLimits) -> list[CheckOutcome]:
    """Every validator's verdict on ``book``, in a fixed order."""
    return [validator(book, limits) for validator in VALIDATORS]
