"""Every status the platform records, as enums: one spelling each, checked by the type checker.

Members are ``StrEnum``s, so they compare equal to the text stored in the warehouse and shown in
reports. Rows store their plain text (``str(member)``): polars would otherwise infer an Enum
dtype from a column whose first value is a member.
"""

from __future__ import annotations

from enum import StrEnum


class RecommendationStatus(StrEnum):
    """What a day's recommendation may be acted on: ACTIONABLE, or not (and why)."""

    ACTIONABLE = "ACTIONABLE"
    BLOCKED = "BLOCKED"  # a validator failed
    HALTED = "HALTED"  # a breaker tripped, or a halt is in force


class Action(StrEnum):
    """What the strategy does with the stock on a day."""

    SELL = "SELL"
    HOLD = "HOLD"
    FORCED_SALE = "FORCED_SALE"


class LedgerState(StrEnum):
    """Where a ledger day stands: decided, then pending (manual mode) or settled."""

    DECIDED = "decided"
    PENDING = "pending"
    EXECUTED = "executed"
    REJECTED = "rejected"
    HALTED = "halted"
    BLOCKED = "blocked"


class ChampionStatus(StrEnum):
    """What the evidence says of a champion: confirmed (eligible on the selection window, its
    Deflated Sharpe Ratio, holdout Sharpe and holdout lead over the baselines all pass), or
    provisional (it stands in and says why; it never trades as a forecast champion)."""

    CONFIRMED = "confirmed"
    PROVISIONAL = "provisional"


class TradingBasis(StrEnum):
    """What a commodity's desk trades with, given its champion's status."""

    CONFIRMED_CHAMPION = "confirmed_champion"
    LAST_CONFIRMED = "last_confirmed_champion"  # the champion is provisional: the last confirmed
    BEST_BASELINE = "best_baseline"  # provisional and none confirmed before: no forecast


class HaltKind(StrEnum):
    """Why trading is halted: a breaker's reading, or the manual kill switch."""

    BREAKER = "breaker"
    MANUAL = "manual"


class GoNoGoDecision(StrEnum):
    """The futures desk's verdict on its paper period: GO moves the champion one capital stage
    up; NO_GO keeps it where it is; PENDING until the period holds enough paper days."""

    GO = "GO"
    NO_GO = "NO_GO"
    PENDING = "PENDING"
