"""Today's decision in plain words: what the rule did and which forecast figures drove it."""

from __future__ import annotations

import math

from trading_platform.domain.inventory.book import BookState
from trading_platform.domain.inventory.strategy_base import Plan, StrategySpec
from trading_platform.domain.statuses import Action


def _pct(value: float) -> str:
    return f"{value:+.1%}" if math.isfinite(value) else "n/a"


def forecast_sentence(figures: dict[str, float]) -> str:
    """The forecast's median, band and share of paths above the strategy's hurdle."""
    if not math.isfinite(figures.get("median_return", math.nan)):
        return "No usable forecast today: the rule falls back to its no-forecast behaviour."
    h = int(figures["evaluation_day"])
    text = (f"The forecast puts the median close {h} trading days out at "
            f"{_pct(figures['median_return'])} against today (80 % band "
            f"{_pct(figures['q10_return'])} .. {_pct(figures['q90_return'])}, mean "
            f"{_pct(figures['mean_return'])}); {figures['share_up']:.0%} of the paths end higher")
    if figures.get("min_return", 0.0) > 0:
        text += (f" and {figures['share_above']:.0%} end at least "
                 f"{figures['min_return']:.0%} higher")
    return text + "."


def _why_no_sale(plan: Plan, book: BookState, available: float, price: float) -> str:
    share = float(plan.share[-1])
    if available <= 0:
        return "there is no stock to sell"
    if share <= 0:
        return "its rule does not call for a sale today"
    if price <= 0:
        return "the price is not positive"
    if book.days_since_sale + 1 < plan.cadence:
        return (f"a sale of {share:.0%} was due, but the last sale was "
                f"{book.days_since_sale + 1} trading days ago (minimum {plan.cadence})")
    return (f"waiting is expected to gain more than {plan.hold_threshold:,.0f} "
            "(the expected-value hurdle)")


def explain_decision(spec: StrategySpec, action: str, plan: Plan, book: BookState,
                     available: float, figures: dict[str, float], price: float,
                     fill_lag: int = 1) -> str:
    """One paragraph: the action, the rule's reason, and the forecast figures behind it."""
    if action == Action.FORCED_SALE:
        head = ("Forced liquidation: the season ends (or the stock reached its maximum holding "
                "age), so everything left is sold at today's close.")
    elif action == Action.SELL:
        when = ("at the next session (priced at its close; today's close is "
                f"{price:,.2f})" if fill_lag else f"at today's close {price:,.2f}")
        head = (f"{spec.name} sells {float(plan.share[-1]):.0%} of the "
                f"{available:,.0f} units available, {when}.")
    else:
        head = f"{spec.name} holds: {_why_no_sale(plan, book, available, price)}."
    return f"{head} {forecast_sentence(figures)}"
