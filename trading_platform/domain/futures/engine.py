"""The futures position engine: validate, call the kernel (``engine_kernels``), wrap the result.

``run_positions`` is the fast path; ``run_positions_reference`` is its plain-Python twin,
written from the rules in the kernel module's docstring; the two must agree exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from trading_platform.domain.futures.engine_kernels import run_positions_kernel

_MATRICES = ("close", "open_", "roll", "next_close", "target", "risk", "atr")
_VECTORS = ("point_value", "commission", "slippage", "margin")


@dataclass(frozen=True)
class EngineConfig:
    """Sizing and risk rules: starting capital (currency), the annualised volatility target of
    each position as a share of equity, the stop distance in ATRs (0: no stops), the largest
    initial margin as a share of equity, whether orders fill at the next open, and the no-trade
    band (a share of the held contracts; 0: trade every change)."""

    capital: float = 1_000_000.0
    vol_target: float = 0.10
    stop_atr: float = 3.0
    max_margin: float = 0.5
    use_open: bool = True
    band: float = 0.0

    def __post_init__(self) -> None:
        if self.capital <= 0 or not 0 < self.vol_target <= 1 or self.stop_atr < 0 \
                or not 0 < self.max_margin <= 1 or not 0 <= self.band < 1:
            raise ValueError(f"invalid engine config: {self} (capital > 0, 0 < vol_target <= 1, "
                             "stop_atr >= 0, 0 < max_margin <= 1, 0 <= band < 1)")


@dataclass(frozen=True)
class EngineInputs:
    """The kernel's arrays (see ``engine_kernels``): ``(n, m)`` matrices and ``(m,)`` vectors."""

    close: np.ndarray
    open_: np.ndarray
    roll: np.ndarray
    next_close: np.ndarray
    target: np.ndarray
    risk: np.ndarray
    atr: np.ndarray
    point_value: np.ndarray
    commission: np.ndarray
    slippage: np.ndarray
    margin: np.ndarray

    def __post_init__(self) -> None:
        shape = self.close.shape
        if len(shape) != 2:
            raise ValueError(f"engine inputs: close must be (days, assets), got shape {shape}")
        for name in _MATRICES:
            if getattr(self, name).shape != shape:
                raise ValueError(f"engine inputs: {name} has shape "
                                 f"{getattr(self, name).shape}, close has {shape}")
        for name in _VECTORS:
            if getattr(self, name).shape != (shape[1],):
                raise ValueError(f"engine inputs: {name} must have one value per asset "
                                 f"({shape[1]}), got shape {getattr(self, name).shape}")
        rolling = (self.roll == 1.0) & np.isfinite(self.close)
        if np.isnan(self.next_close[rolling]).any():
            day, asset = np.argwhere(rolling & np.isnan(self.next_close))[0]
            raise ValueError(f"engine inputs: roll on day {day} of asset {asset} has no close "
                             "for the contract rolled into")


@dataclass(frozen=True)
class EngineResult:
    """Daily equity ``(n,)``, contracts held ``(n, m)``, P&L and costs ``(n, m)``, the orders
    decided but not yet filled after the last day ``(m,)`` and the trade rows ``(k, 7)`` in
    ``engine_kernels.TRADE_COLUMNS`` order."""

    equity: np.ndarray
    positions: np.ndarray
    pnl: np.ndarray
    costs: np.ndarray
    pending: np.ndarray
    trades: np.ndarray

    @property
    def target(self) -> np.ndarray:
        """The contracts the engine wants after the last day's close: held plus pending."""
        return self.positions[-1] + self.pending


def _outputs(inputs: EngineInputs) -> tuple[np.ndarray, ...]:
    n, m = inputs.close.shape
    return (np.zeros(n), np.zeros((n, m)), np.zeros((n, m)), np.zeros((n, m)),
            np.zeros((3 * n * m + 1, 7)))


def run_positions(inputs: EngineInputs, config: EngineConfig) -> EngineResult:
    """Run the engine's kernel over every day and asset."""
    equity, positions, pnl, costs, trades = _outputs(inputs)
    pending = np.zeros(inputs.close.shape[1])
    arrays = [np.ascontiguousarray(getattr(inputs, name), dtype=np.float64)
              for name in (*_MATRICES, *_VECTORS)]
    count = run_positions_kernel(*arrays, config.capital, config.vol_target, config.stop_atr,
                                 config.max_margin, config.use_open, config.band, equity,
                                 positions, pnl, costs, pending, trades)
    return EngineResult(equity, positions, pnl, costs, pending, trades[:count].copy())


def run_positions_reference(inputs: EngineInputs, config: EngineConfig) -> EngineResult:
    """The plain-Python twin of ``run_positions``: one asset's state in a dict, rules 1-7."""
    n, m = inputs.close.shape
    equity, positions, pnl, costs, _ = _outputs(inputs)
    books = [{"held": 0.0, "last": math.nan, "order": 0.0, "why": 0.0, "order_atr": math.nan,
              "stop": math.nan, "stopped": 0.0} for _ in range(m)]
    trades: list[tuple[float, ...]] = []
    value = config.capital
    for t in range(n):
        for a, book in enumerate(books):
            if not math.isnan(inputs.close[t, a]):
                _settle(inputs, config, t, a, book, pnl, costs, trades)
        for a in range(m):
            value = value + (pnl[t, a] - costs[t, a])
        equity[t] = value
        wanted = {a: want for a, book in enumerate(books)
                  if not math.isnan(inputs.close[t, a])
                  and (want := _decide(inputs, config, t, a, book, value)) is not None}
        exposure = 0.0
        for a, contracts in wanted.items():
            exposure += abs(contracts) * inputs.margin[a]
        scale = 1.0
        if value > 0 and exposure > config.max_margin * value:
            scale = config.max_margin * value / exposure
        for a, contracts in wanted.items():
            chosen = float(np.trunc(contracts * scale)) if scale < 1.0 else _banded(
                contracts, books[a]["held"], config.band)
            books[a].update(order=chosen - books[a]["held"], why=0.0,
                            order_atr=inputs.atr[t, a])
        positions[t] = [book["held"] for book in books]
    return EngineResult(equity, positions, pnl, costs,
                        np.array([book["order"] for book in books], dtype=np.float64),
                        np.array(trades, dtype=np.float64).reshape(-1, 7))


def _settle(inputs: EngineInputs, config: EngineConfig, t: int, a: int, book: dict,
            pnl: np.ndarray, costs: np.ndarray, trades: list) -> None:
    """Rules 1-3 and 7 for one asset on a day with a bar."""
    close, value_of = inputs.close[t, a], inputs.point_value[a]
    per_contract = inputs.commission[a] + inputs.slippage[a]
    if book["order"] != 0.0:
        opening = inputs.open_[t, a]
        fill = opening if config.use_open and not math.isnan(opening) else close
        if book["held"] != 0.0:
            pnl[t, a] += book["held"] * (fill - book["last"]) * value_of
        trades.append(_trade(inputs, t, a, book["order"], fill, book["why"]))
        costs[t, a] += per_contract * abs(book["order"])
        book["held"] += book["order"]
        book["last"] = fill
        if book["held"] == 0.0:
            book["stop"] = math.nan
        elif config.stop_atr > 0.0 and not math.isnan(book["order_atr"]):
            direction = 1.0 if book["held"] > 0 else -1.0
            book["stop"] = fill - direction * config.stop_atr * book["order_atr"]
        book["order"] = 0.0
    if book["held"] != 0.0:
        pnl[t, a] += book["held"] * (close - book["last"]) * value_of
    book["last"] = close
    if inputs.roll[t, a] == 1.0:
        rolled_into = inputs.next_close[t, a]
        if book["held"] != 0.0:
            trades.append(_trade(inputs, t, a, -book["held"], close, 2.0))
            trades.append(_trade(inputs, t, a, book["held"], rolled_into, 3.0))
            costs[t, a] += 2.0 * per_contract * abs(book["held"])
            book["stop"] = book["stop"] + (rolled_into - close)
        book["last"] = rolled_into


def _decide(inputs: EngineInputs, config: EngineConfig, t: int, a: int, book: dict,
            value: float) -> float | None:
    """Rules 5-6 for one asset: None after ordering a stop exit, else the wanted contracts."""
    close, held = inputs.close[t, a], book["held"]
    if inputs.roll[t, a] == 1.0:
        close = inputs.next_close[t, a]  # held in the new contract now, like its stop
    if (held > 0 and close <= book["stop"]) or (held < 0 and close >= book["stop"]):
        book.update(stopped=1.0 if held > 0 else -1.0, order=-held, why=1.0,
                    order_atr=math.nan)
        return None
    desired = 0.0 if math.isnan(inputs.target[t, a]) else inputs.target[t, a]
    if book["stopped"] != 0.0 and desired * book["stopped"] > 0:
        desired = 0.0
    elif book["stopped"] != 0.0:
        book["stopped"] = 0.0
    risk = inputs.risk[t, a]
    if value <= 0 or math.isnan(risk) or risk <= 0:
        return 0.0
    wanted = desired * value * config.vol_target / risk
    return math.floor(abs(wanted) + 0.5) * (1.0 if wanted >= 0 else -1.0)


def _banded(wanted: float, held: float, band: float) -> float:
    """Rule 6's no-trade band: keep ``held`` when ``wanted`` is on its side and within
    ``band`` x |held| of it."""
    return held if held * wanted > 0 and abs(wanted - held) <= band * abs(held) else wanted


def _trade(inputs: EngineInputs, t: int, a: int, contracts: float, price: float,
           reason: float) -> tuple[float, ...]:
    return (float(t), float(a), contracts, price, inputs.commission[a] * abs(contracts),
            inputs.slippage[a] * abs(contracts), reason)
