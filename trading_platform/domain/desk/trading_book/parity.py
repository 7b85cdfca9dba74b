"""Backtest-live parity of the futures desk: the research path, replayed on each recorded day's
data, wants the weights the desk recorded that day.

For each of the most recent recorded days (``ParitySettings.days``) traded by today's champion,
the caller reruns the champion's cell (``targets.champion_target``: the portfolio matrix's own
signals, optimiser and engine) on the series as known that day and passes its weights here;
they must equal the recorded ``plan_weight`` of every commodity (1e-9: the same code on the
same numbers). A difference means the live day did not run the backtest's path, or a stored
price was changed after it traded; the description names the day, the commodity and both
weights. The day's own run is also checked against the engine's plain twin (``kernel``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from trading_platform.domain.evidence import ERROR, CheckOutcome

NAME = "futures_backtest_live_parity"
TOLERANCE = 1e-9


def targets_parity(commodities: list[str], recorded: dict[dt.date, np.ndarray],
                   replayed: dict[dt.date, np.ndarray], kernel_gap: float) -> CheckOutcome:
    """Compare recorded and replayed weights day by day (NaN equals NaN: a data gap)."""
    differences = []
    for day in sorted(recorded):
        live, again = recorded[day], replayed[day]
        same = np.isclose(live, again, rtol=0.0, atol=TOLERANCE, equal_nan=True)
        differences += [f"{day} {commodities[i]}: recorded {live[i]:.6f}, backtest "
                        f"{again[i]:.6f}" for i in np.flatnonzero(~same)]
    passed = not differences and kernel_gap <= 1e-6
    if passed:
        description = (f"{NAME}: the research path replayed on {len(recorded)} recorded day(s) "
                       "wants exactly the recorded weights; the engine equals its twin today")
    elif differences:
        description = (f"{NAME}: the backtest replayed on the day's data disagrees with what "
                       f"the desk recorded on {len(differences)} commodity-day(s): "
                       + "; ".join(differences[:5])
                       + ". A stored price changed after the day traded, or the live path "
                       "left the backtest's code; find which before trading again")
    else:
        description = (f"{NAME}: the position engine's kernel and its twin differ by "
                       f"{kernel_gap:g} on today's run; the kernel is wrong until shown "
                       "otherwise")
    return CheckOutcome(NAME, passed, ERROR, description,
                        {"observed": len(differences), "threshold": 0,
                         "days": len(recorded), "kernel_gap": kernel_gap})
