"""The classic moving-average sweep, for comparison with other engines: every (fast, slow) pair
with fast < slow on every series, long/flat, in one compiled pass per backtest.

Conventions (the comparison's, stated once): the signal at bar t is SMA_fast(t) > SMA_slow(t)
on closes up to t, False until the slow SMA exists; trades happen at the close of that same
bar, all in with fractional units ``units = cash / (close x (1 + fee))`` and all out at
``close x (1 - fee)``; start cash 10,000; the final equity is marked to market at the last
close; trades are entries; Sharpe = mean / std (ddof 1) of the daily equity returns x
sqrt(252), the first return taken against the start cash. ``sweep_ma_cross_reference`` is the
plain-Python twin.
"""

from __future__ import annotations

import math

import numpy as np

from trading_platform.domain.research.ma_sweep_kernels import (
    TRADING_DAYS,
    means_kernel,
    sweep_kernel,
)

START_CASH = 10_000.0


def sweep_ma_cross(prices: dict[str, np.ndarray], fast: list[int], slow: list[int],
                   fee: float) -> list[dict]:
    """One row per (series, fast, slow) with fast < slow: ``series, fast, slow, final_equity,
    total_return, n_trades, sharpe``, series in the given order, pairs fast-major."""
    names = list(prices)
    pairs = [(f, s) for f in fast for s in slow if f < s]
    if not names or not pairs:
        return []
    windows = np.array(sorted({w for pair in pairs for w in pair}), dtype=np.int64)
    if windows[0] < 1:
        raise ValueError(f"moving-average windows must be at least 1, got {windows[0]}")
    lengths = np.array([np.asarray(prices[n]).size for n in names], dtype=np.int64)
    closes = np.zeros((len(names), int(lengths.max())))
    for i, name in enumerate(names):
        closes[i, :lengths[i]] = np.asarray(prices[name], dtype=np.float64)
    slot = {int(w): k for k, w in enumerate(windows)}
    index = np.array([[slot[f], slot[s]] for f, s in pairs], dtype=np.int64)
    means = means_kernel(closes, lengths, windows)
    final, entries, sharpe = sweep_kernel(closes, lengths, means, windows, index, fee,
                                          START_CASH)
    return [{"series": name, "fast": f, "slow": s, "final_equity": float(final[i, j]),
             "total_return": float(final[i, j]) / START_CASH - 1.0,
             "n_trades": int(entries[i, j]), "sharpe": float(sharpe[i, j])}
            for i, name in enumerate(names) for j, (f, s) in enumerate(pairs)]


def sweep_ma_cross_reference(prices: dict[str, np.ndarray], fast: list[int], slow: list[int],
                             fee: float) -> list[dict]:
    """The plain-Python twin of ``sweep_ma_cross`` (same rows, same order)."""
    rows = []
    for name, values in prices.items():
        closes = [float(v) for v in values]
        for f in fast:
            for s in slow:
                if f < s:
                    rows.append({"series": name, "fast": f, "slow": s,
                                 **_reference_backtest(closes, f, s, fee)})
    return rows


def _reference_backtest(closes: list[float], fast: int, slow: int, fee: float) -> dict:
    cash, units, entries, equities = START_CASH, 0.0, 0, []
    sums = [0.0]
    for price in closes:
        sums.append(sums[-1] + price)
    for t, price in enumerate(closes):
        wanted = t >= slow - 1 and (sums[t + 1] - sums[t + 1 - fast]) / fast > \
            (sums[t + 1] - sums[t + 1 - slow]) / slow
        if wanted and units == 0.0:
            units, cash, entries = cash / (price * (1.0 + fee)), 0.0, entries + 1
        elif not wanted and units > 0.0:
            cash, units = units * price * (1.0 - fee), 0.0
        equities.append(cash + units * price)
    path = [START_CASH, *equities]
    returns = [path[i] / path[i - 1] - 1.0 for i in range(1, len(path))]
    sharpe = math.nan
    if len(returns) > 1:
        mean = sum(returns) / len(returns)
        var = sum((r - mean) ** 2 for r in returns) / (len(returns) - 1)
        sharpe = mean / math.sqrt(var) * math.sqrt(TRADING_DAYS) if var > 0 else math.nan
    final = path[-1]
    return {"final_equity": final, "total_return": final / START_CASH - 1.0,
            "n_trades": entries, "sharpe": sharpe}
