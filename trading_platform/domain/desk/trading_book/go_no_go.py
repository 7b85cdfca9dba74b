"""The futures desk's go/no-go decision on its paper period, and the capital stages it moves
through.

The period is the champion's most recent ``paper_days`` desk days at its current stage (fewer
while it is young: the decision is then PENDING, every criterion still judged on the days
there are). Returns are simple daily returns of the book's value at each close, the first
against the value before the period. The Sharpe ratio is annualised with sqrt(252) on those
returns (no risk-free rate: a futures book's margin earns it). The drawdown is the largest fall
from the running peak of the value, the value before the period included.

The equal-weight portfolio holds every commodity of the book long at the same notional,
rebalanced every day: its return on a day is the mean over the commodities with a bar that day
of ``(adjusted close - previous adjusted close) / previous close``, the held contract's price
change over its price (the back-adjusted series has no roll jump).

GO needs every criterion: a confirmed champion, enough days, a return above the equal-weight
portfolio's, the Sharpe and drawdown limits, no breaker trip or halted day, no data gap on a day
the exchange traded, every fill's slippage within ``max_slippage_multiple`` of the estimate sent
with its order, every blocking check passed, and a rerun of the decision day that gives the same
orders. GO moves the champion one stage up the ladder (``stages``: shares of capital, 0 =
shadow, paper only); NO_GO and PENDING keep it where it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from trading_platform.config.risk_limits import GoNoGo
from trading_platform.domain.evidence import ERROR, CheckOutcome
from trading_platform.domain.statuses import GoNoGoDecision, RecommendationStatus

YEAR = 252


def stage_name(share: float) -> str:
    """``shadow`` for paper only, else the share of capital (``10 %``)."""
    return "shadow" if share == 0 else f"{share:.0%}".replace("%", " %")


def next_stage(stages: tuple[float, ...], share: float) -> float:
    """The stage after ``share`` on the ladder (the last stays the last)."""
    later = [s for s in stages if s > share]
    return later[0] if later else stages[-1]


@dataclass(frozen=True)
class PaperPeriod:
    """What the decision reads, ascending by date: the desk's ``days`` (date, equity, status),
    the value before the first (``start_value``), the ``equal_weight`` return of each day, the
    ``halts`` tripped in the period (reasons), the ``gaps`` (date, commodity) on days the
    exchange traded, the ``fills`` (date, commodity, realised slippage, estimate), the blocking
    checks that failed (``failed_checks``: "date check"), and the ``rerun`` verdict."""

    days: pl.DataFrame
    start_value: float
    equal_weight: np.ndarray
    halts: list[str]
    gaps: list[str]
    fills: pl.DataFrame
    failed_checks: list[str]
    rerun: CheckOutcome


@dataclass(frozen=True)
class GoNoGoReport:
    """The decision on ``day`` for the champion at ``stage`` (share of capital), the stage it
    trades at from the next day, each criterion, and the figures behind them."""

    day: dt.date
    champion: str
    decision: GoNoGoDecision
    stage: float
    next_stage: float
    criteria: list[CheckOutcome]
    figures: dict[str, float | int | None]
    curve: pl.DataFrame  # date, book, equal_weight: growth of 1 over the period

    def summary(self) -> dict[str, object]:
        failed = [c.name for c in self.criteria if not c.passed]
        return {"date": self.day, "champion": self.champion, "decision": str(self.decision),
                "stage": stage_name(self.stage), "next_stage": stage_name(self.next_stage),
                "capital_share": self.next_stage, "failed": ", ".join(failed)} | self.figures


def slippage_fills(positions: pl.DataFrame) -> pl.DataFrame:
    """Each fill of an order sent the day before, beside that order's slippage estimate; a fill
    on a roll (the contract changed) is left out, its slippage includes the roll's trades."""
    ordered = positions.sort("commodity", "date").with_columns(
        pl.col("slippage_estimate").shift(1).over("commodity").alias("estimate"),
        pl.col("order").shift(1).over("commodity").alias("ordered"),
        pl.col("contract").shift(1).over("commodity").alias("previous_contract"))
    return ordered.filter((pl.col("filled") != 0) & (pl.col("ordered") != 0)
                          & (pl.col("contract") == pl.col("previous_contract"))).select(
        "date", "commodity", pl.col("slippage").alias("realised"), "estimate")


def equal_weight_returns(series: dict[str, pl.DataFrame], dates: list[dt.date]) -> np.ndarray:
    """The equal-weight portfolio's return on each of ``dates`` (module docstring); NaN on a
    day no commodity traded."""
    frames = []
    for frame in series.values():
        frames.append(frame.sort("date").select(
            "date", ((pl.col("adjusted_close") - pl.col("adjusted_close").shift(1))
                     / pl.col("close").shift(1)).alias("r")))
    joined = pl.concat(frames).filter(pl.col("r").is_not_null() & pl.col("r").is_not_nan())
    mean = dict(joined.group_by("date").agg(pl.col("r").mean()).iter_rows())
    return np.array([mean.get(d, np.nan) for d in dates], dtype=np.float64)


def orders_rerun(recorded: dict[str, float], rerun: dict[str, float]) -> CheckOutcome:
    """The decision day's orders computed again from the same stored inputs must equal the
    recorded ones exactly."""
    differ = {c: {"recorded": recorded.get(c), "rerun": rerun.get(c)}
              for c in sorted(set(recorded) | set(rerun)) if recorded.get(c) != rerun.get(c)}
    return CheckOutcome("rerun_gives_same_orders", not differ, ERROR,
                        "a rerun of the day gives the recorded orders, contract for contract"
                        if not differ else f"a rerun of the day gives other orders: {differ}",
                        {"observed": differ, "threshold": {}})


def decide_go_no_go(day: dt.date, champion: str, period: PaperPeriod, stage: float,
                    settings: GoNoGo, *, confirmed: bool) -> GoNoGoReport:
    """The decision on the paper period (module rules); a champion that is not ``confirmed``
    (provisional: paper only) never gets a GO."""
    values = period.days["equity"].to_numpy().astype(np.float64)
    path = np.concatenate([[period.start_value], values])
    returns = path[1:] / path[:-1] - 1.0
    book_return = float(path[-1] / path[0] - 1.0) if len(values) else 0.0
    ew = np.nan_to_num(period.equal_weight, nan=0.0)
    ew_return = float(np.prod(1.0 + ew) - 1.0)
    sharpe = _sharpe(returns)
    drawdown = float(np.max(1.0 - path / np.maximum.accumulate(path)))
    criteria = [CheckOutcome(
        "champion_confirmed", confirmed, ERROR,
        "the champion is confirmed" if confirmed else
        "the champion is provisional: it trades on paper only, in the shadow stage",
        {"observed": confirmed, "threshold": True}),
        *_criteria(period, settings, book_return, ew_return, sharpe, drawdown)]
    enough = len(values) >= settings.paper_days
    if not enough:
        decision = GoNoGoDecision.PENDING
    elif all(c.passed for c in criteria):
        decision = GoNoGoDecision.GO
    else:
        decision = GoNoGoDecision.NO_GO
    after = next_stage(settings.stages, stage) if decision == GoNoGoDecision.GO else stage
    curve = pl.DataFrame({"date": period.days["date"], "book": path[1:] / path[0],
                          "equal_weight": np.cumprod(1.0 + ew)})
    figures = {"paper_days": len(values), "required_days": settings.paper_days,
               "book_return": book_return, "equal_weight_return": ew_return,
               "sharpe": sharpe, "max_drawdown": drawdown}
    return GoNoGoReport(day, champion, decision, stage, after, criteria, figures, curve)


def _sharpe(returns: np.ndarray) -> float | None:
    """Annualised Sharpe of daily returns; None when it cannot be measured (fewer than two
    days, or a value that never moved)."""
    if len(returns) < 2 or float(np.std(returns, ddof=1)) == 0.0:
        return None
    return float(np.mean(returns) / np.std(returns, ddof=1) * np.sqrt(YEAR))


def _criteria(period: PaperPeriod, settings: GoNoGo, book_return: float, ew_return: float,
              sharpe: float | None, drawdown: float) -> list[CheckOutcome]:
    n = period.days.height
    halted = period.days.filter(pl.col("status") == str(RecommendationStatus.HALTED))
    fills = period.fills.filter(pl.col("realised") > settings.max_slippage_multiple
                                * pl.col("estimate") + 1e-9)
    trips = period.halts + [f"{d} HALTED" for d in halted["date"].to_list()]
    slipped = [f"{r['date']} {r['commodity']}: {r['realised']:.2f} vs {r['estimate']:.2f}"
               for r in fills.iter_rows(named=True)]

    def outcome(name: str, passed: bool, said: str, observed: object,
                threshold: object) -> CheckOutcome:
        return CheckOutcome(name, passed, ERROR, said, {"observed": observed,
                                                         "threshold": threshold})
    return [
        outcome("enough_paper_days", n >= settings.paper_days,
                f"{n} of {settings.paper_days} paper days at this stage", n, settings.paper_days),
        outcome("beats_equal_weight", book_return > ew_return,
                f"book {book_return:+.2%} vs equal weight {ew_return:+.2%}", book_return,
                ew_return),
        outcome("sharpe_above_minimum", sharpe is not None and sharpe > settings.min_sharpe,
                "the book's value never moved: no Sharpe to judge" if sharpe is None else
                f"annualised Sharpe {sharpe:.2f} vs > {settings.min_sharpe}", sharpe,
                settings.min_sharpe),
        outcome("drawdown_below_limit", drawdown < settings.max_drawdown,
                f"maximum drawdown {drawdown:.2%} vs < {settings.max_drawdown:.0%}", drawdown,
                settings.max_drawdown),
        outcome("no_breaker_trips", not trips,
                "no breaker or kill switch tripped" if not trips else "; ".join(trips),
                trips, []),
        outcome("no_data_gaps", not period.gaps,
                "every commodity had a bar on every day its exchange traded" if not period.gaps
                else "no bar on a trading day: " + ", ".join(period.gaps), period.gaps, []),
        outcome("slippage_within_limit", not slipped,
                f"{period.fills.height} fill(s) within {settings.max_slippage_multiple}x the "
                "estimate" if not slipped else "slippage beyond its limit: " + "; ".join(slipped),
                slipped, settings.max_slippage_multiple),
        outcome("every_check_passed", not period.failed_checks,
                "every blocking check passed every day" if not period.failed_checks else
                "failed: " + ", ".join(period.failed_checks), period.failed_checks, []),
        period.rerun,
    ]
