"""The futures position engine's numba kernel: targets -> whole contracts -> fills -> equity.

Array contract (stated once). Days ``t = 0..n-1`` share one calendar across ``m`` assets; every
``(n, m)`` float64 array is NaN where an asset has no bar that day.

- ``close``: the held contract's raw close; ``open_``: its open (NaN when the data has none);
  ``roll``: 1.0 on a roll day (the book leaves the held contract at this close), else 0.0;
  ``next_close``: on a roll day, the close of the contract rolled into.
- ``target``: the signed share of equity at risk decided at the close of t (signal x weight);
  ``risk``: the annualised volatility, in currency, of one contract's daily price change
  (``std(daily change) x sqrt(252) x point value``), known at t; ``atr``: the average true
  range in price units, known at t.
- ``(m,)`` per asset: ``point_value`` (currency per unit of price per contract), ``commission``
  and ``slippage`` (currency per contract traded; slippage is ticks x tick value), ``margin``
  (initial margin per contract).

Rules, in order, for each day and asset with a bar:
1. An order decided at an earlier close fills at this session: at the open when ``use_open``
   and the bar has one, else at the close. The held position is marked from the last price to
   the fill price first.
2. The position is marked to the close: P&L = contracts x price change x point value.
3. On a roll day a held position is sold at the close and bought in the next contract at its
   close (two trades, both charged); the stop moves by the same gap.
4. Equity = previous equity + the day's P&L - costs (summed over assets in order).
5. A held position whose close reached its stop (long: close <= stop; short: close >= stop; on
   a roll day the close of the contract rolled into, the one the stop now refers to) is
   ordered flat for the next session, and the same side is not re-entered until the target
   leaves it (goes flat or reverses).
6. Otherwise the wanted position is ``target x equity x vol_target / risk`` rounded half away
   from zero to whole contracts (flat without a finite positive risk or with equity <= 0).
   When the wanted positions' margin exceeds ``max_margin x equity`` every wanted position is
   scaled down by the same factor and truncated toward zero. Otherwise (no margin scaling) a
   wanted position on the held side within ``band`` x |held| of it keeps the held position (a
   no-trade band: volatility targeting moves the count with every price). The order is
   wanted - held.
7. A fill that leaves a position sets its stop at the fill price -/+ ``stop_atr`` x the ATR of
   the deciding close (no stop when ``stop_atr`` is 0).

Outputs: ``equity`` (n,), ``positions`` (n, m) contracts held after the day's roll, ``pnl`` and
``costs`` (n, m), ``pending`` (m,) the orders still to fill after the last day (decided at its
close: today's order when the last day is today), and ``trades`` rows ``(day, asset,
contracts, price, commission, slippage, reason)`` with reason 0 signal, 1 stop, 2 roll out,
3 roll in; the kernel returns the row count.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

REASONS = ("signal", "stop", "roll_out", "roll_in")
TRADE_COLUMNS = ("day", "asset", "contracts", "price", "commission", "slippage", "reason")


@njit(cache=True)
def whole_contracts(value: float) -> float:
    """Round half away from zero (2.5 -> 3, -2.5 -> -3)."""
    return math.floor(abs(value) + 0.5) * (1.0 if value >= 0 else -1.0)


@njit(cache=True)
def _record(trades, count, day, asset, contracts, price, commission, slippage, reason):
    trades[count, 0] = day
    trades[count, 1] = asset
    trades[count, 2] = contracts
    trades[count, 3] = price
    trades[count, 4] = commission * abs(contracts)
    trades[count, 5] = slippage * abs(contracts)
    trades[count, 6] = reason
    return count + 1


@njit(cache=True)
def run_positions_kernel(close, open_, roll, next_close, target, risk, atr, point_value,
                         commission, slippage, margin, capital, vol_target, stop_atr,
                         max_margin, use_open, band, equity, positions, pnl, costs, pending_out,
                         trades):
    n, m = close.shape
    held = np.zeros(m)
    last = np.full(m, np.nan)
    pending = np.zeros(m)
    pending_reason = np.zeros(m)
    pending_atr = np.full(m, np.nan)
    stop = np.full(m, np.nan)
    stopped_side = np.zeros(m)
    wanted = np.zeros(m)
    deciding = np.zeros(m, dtype=np.bool_)
    count = 0
    value = capital
    for t in range(n):
        for a in range(m):
            price = close[t, a]
            if math.isnan(price):
                continue
            if pending[a] != 0.0:
                fill = open_[t, a] if use_open and not math.isnan(open_[t, a]) else price
                if held[a] != 0.0:
                    pnl[t, a] += held[a] * (fill - last[a]) * point_value[a]
                count = _record(trades, count, t, a, pending[a], fill, commission[a],
                                slippage[a], pending_reason[a])
                costs[t, a] += (commission[a] + slippage[a]) * abs(pending[a])
                held[a] += pending[a]
                last[a] = fill
                if held[a] != 0.0 and stop_atr > 0.0 and not math.isnan(pending_atr[a]):
                    side = 1.0 if held[a] > 0 else -1.0
                    stop[a] = fill - side * stop_atr * pending_atr[a]
                elif held[a] == 0.0:
                    stop[a] = np.nan
                pending[a] = 0.0
            if held[a] != 0.0:
                pnl[t, a] += held[a] * (price - last[a]) * point_value[a]
            last[a] = price
            if roll[t, a] == 1.0:
                if held[a] != 0.0:
                    count = _record(trades, count, t, a, -held[a], price, commission[a],
                                    slippage[a], 2.0)
                    count = _record(trades, count, t, a, held[a], next_close[t, a],
                                    commission[a], slippage[a], 3.0)
                    costs[t, a] += 2.0 * (commission[a] + slippage[a]) * abs(held[a])
                    stop[a] = stop[a] + (next_close[t, a] - price)
                last[a] = next_close[t, a]
        for a in range(m):
            value = value + (pnl[t, a] - costs[t, a])
        equity[t] = value
        exposure = 0.0
        for a in range(m):
            deciding[a] = False
            wanted[a] = held[a]
            price = close[t, a]
            if math.isnan(price):
                continue
            if roll[t, a] == 1.0:
                price = next_close[t, a]  # held in the new contract now, like its stop
            long_hit = held[a] > 0 and price <= stop[a]
            short_hit = held[a] < 0 and price >= stop[a]
            if long_hit or short_hit:
                stopped_side[a] = 1.0 if held[a] > 0 else -1.0
                pending[a] = -held[a]
                pending_reason[a] = 1.0
                pending_atr[a] = np.nan
                continue
            desired = target[t, a] if not math.isnan(target[t, a]) else 0.0
            if stopped_side[a] != 0.0:
                if desired * stopped_side[a] > 0:
                    desired = 0.0
                else:
                    stopped_side[a] = 0.0
            contracts = 0.0
            if value > 0 and risk[t, a] > 0 and not math.isnan(risk[t, a]):
                contracts = whole_contracts(desired * value * vol_target / risk[t, a])
            wanted[a] = contracts
            deciding[a] = True
            exposure += abs(contracts) * margin[a]
        scale = 1.0
        if value > 0 and exposure > max_margin * value:
            scale = max_margin * value / exposure
        for a in range(m):
            if not deciding[a]:
                continue
            contracts = wanted[a]
            if scale < 1.0:
                contracts = np.trunc(contracts * scale)
            elif held[a] * contracts > 0 and abs(contracts - held[a]) <= band * abs(held[a]):
                contracts = held[a]
            pending[a] = contracts - held[a]
            pending_reason[a] = 0.0
            pending_atr[a] = atr[t, a]
        for a in range(m):
            positions[t, a] = held[a]
    for a in range(m):
        pending_out[a] = pending[a]
    return count
