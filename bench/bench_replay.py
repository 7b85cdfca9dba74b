"""Benchmark the focused replay against the full replay of the fusion example (``FusionUser``
with its default parameters), end to end on a whole book and on a threshold sweep.

(a) The book: the universe's first 6 commodities x 20 years of synthetic daily bars
(2004-01-05 .. 2023-12-29, ``universe_series``) plus one 50,000-bar synthetic hourly crude
series (``hourly_series``, about 8 years of Globex sessions). Per series: the full replay's
seconds, the focused replay's seconds with its screen included, the candidate fraction, the
trade count and parity (trade for trade); totals of both and their ratio, taken in the same run.
The focused replay runs twice against the same full one: with the default screen (the entry
threshold alone) and with the shipped spec's wider screen (``threshold_range`` 0.4 to 1.0,
``wide_*``), which marks more bars.
(b) The sweep: entry thresholds 0.4, 0.6, 0.8 and 1.0 on the 20 years of daily coffee: one
screen with ``threshold_range`` 0.4 to 1.0 (so every swept threshold acts only on its marks)
plus four focused replays over that one candidate set against four full replays, with parity
for each threshold; the candidate fraction of that wider screen too. Also the cost of a bar in
a full replay (``on_bar`` plus the loop around it): full seconds / bars.

Prints one JSON object; every figure is the median over ``BENCH_RUNS`` timed runs (default 3),
after one untimed screen that loads the compiled numba kernels. Exits non-zero naming the
series when a focused replay's trades differ from the full replay's. Target (issue 18): the
book >= 20x faster focused than full end to end, with candidates 2-10 % of bars.
``BENCH_SCALE`` (default 1) shortens every series to that fraction for a quick smoke run.
Run: ``.venv/bin/python bench/bench_replay.py`` (smoke: ``BENCH_RUNS=1 BENCH_SCALE=0.1``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import time

import polars as pl

from trading_platform.config.contracts import FuturesSpec
from trading_platform.config.universe import load_universe
from trading_platform.domain.futures.backtest import Costs
from trading_platform.domain.futures.synthetic_curves import universe_series
from trading_platform.domain.market.synthetic import generate_universe_market
from trading_platform.domain.replay.focused import focused_replay, replay_parity, screen_series
from trading_platform.domain.replay.fusion import FusionUser
from trading_platform.domain.replay.hourly import hourly_series
from trading_platform.domain.replay.replay import full_replay

FIRST_DAY, LAST_DAY, COMMODITIES = dt.date(2004, 1, 5), dt.date(2023, 12, 29), 6
HOURLY_BARS, HOURLY_START, HOURLY_COMMODITY = 50_000, dt.datetime(2015, 1, 4, 18), "crude"
THRESHOLDS, SWEPT = (0.4, 0.6, 0.8, 1.0), "coffee"
SWEEP_RANGE = (min(THRESHOLDS), max(THRESHOLDS))  # the screen covering every swept threshold
CAPITAL, COSTS = 1_000_000.0, Costs()

Book = dict[str, tuple[pl.DataFrame, FuturesSpec]]


def build_book(scale: float) -> Book:
    """The daily series of the first commodities and the hourly crude series, ``scale`` long."""
    universe = load_universe()
    names = list(universe.commodities)[:COMMODITIES]
    last = FIRST_DAY + (LAST_DAY - FIRST_DAY) * scale
    market = generate_universe_market(universe, FIRST_DAY, last, names)
    series, specs = universe_series(universe, market, names)
    book: Book = {name: (series[name], specs[name]) for name in names}
    crude = universe.commodities[HOURLY_COMMODITY]
    hourly = hourly_series(int(HOURLY_BARS * scale), HOURLY_START, crude.synthetic.base_price,
                           universe.seed, root=crude.futures.root, tick=crude.futures.tick_size)
    book[f"{HOURLY_COMMODITY}_hourly"] = (hourly, crude.futures)
    return book


def time_series(name: str, series: pl.DataFrame, spec: FuturesSpec,
                strategy: FusionUser, candidates: pl.DataFrame | None = None,
                wide: FusionUser | None = None) -> dict:
    """One full and one focused replay of ``series`` (screened inside the timing unless
    ``candidates`` is given), and with ``wide`` (the same ``on_bar``, a wider screen) one more
    focused replay against the same full one; exits naming the series if trades differ."""
    began = time.perf_counter()
    full = full_replay(strategy, series, spec, COSTS, CAPITAL)
    full_s = time.perf_counter() - began
    row = {"bars": series.height, "full_s": full_s, "trades": full.trades.height}
    for label, focusing, given in (("", strategy, candidates), ("wide_", wide, None)):
        if focusing is None:
            continue
        began = time.perf_counter()
        focused = focused_replay(focusing, series, spec, COSTS, CAPITAL, candidates=given)
        row[f"{label}focused_s"] = time.perf_counter() - began
        outcome = replay_parity(full, focused.replay)
        if not outcome.passed:
            raise SystemExit(f"bench_replay: parity failed on {name} (threshold "
                             f"{focusing.threshold}, range {focusing.threshold_range}): "
                             f"{outcome.description}")
        row[f"{label}candidate_fraction"] = focused.candidates.height / series.height
        row[f"{label}called_bars"] = focused.called_bars
    return row


def sweep_run(series: pl.DataFrame, spec: FuturesSpec) -> dict:
    """One screen and four focused replays over its candidates vs four full replays."""
    began = time.perf_counter()
    candidates = screen_series(FusionUser(threshold_range=SWEEP_RANGE), series)
    screen_s = time.perf_counter() - began
    runs = [time_series(f"{SWEPT} sweep", series, spec,
                        FusionUser(threshold=threshold, threshold_range=SWEEP_RANGE),
                        candidates) for threshold in THRESHOLDS]
    full_s = sum(run["full_s"] for run in runs)
    focused_s = screen_s + sum(run["focused_s"] for run in runs)
    return {"full_s": full_s, "focused_s": focused_s, "screen_s": screen_s,
            "speedup": full_s / focused_s, "trades": [run["trades"] for run in runs],
            "candidate_fraction": candidates.height / series.height}


def book_run(book: Book) -> dict:
    """Every series of the book once, and the totals of this run: the default screen (the
    entry threshold alone) and the shipped spec's wider one (``SWEEP_RANGE``)."""
    per_series = {name: time_series(name, series, spec, FusionUser(),
                                    wide=FusionUser(threshold_range=SWEEP_RANGE))
                  for name, (series, spec) in book.items()}
    totals = {key: sum(row[key] for row in per_series.values())
              for key in ("full_s", "focused_s", "wide_focused_s", "bars", "called_bars",
                          "wide_called_bars")}
    return {"series": per_series, "full_s": totals["full_s"],
            "focused_s": totals["focused_s"], "speedup": totals["full_s"] / totals["focused_s"],
            "candidate_fraction": totals["called_bars"] / totals["bars"],
            "wide_focused_s": totals["wide_focused_s"],
            "wide_speedup": totals["full_s"] / totals["wide_focused_s"],
            "wide_candidate_fraction": totals["wide_called_bars"] / totals["bars"],
            "on_bar_ms": totals["full_s"] / totals["bars"] * 1e3}


def medians(rows: list[dict], digits: int = 4) -> dict:
    """Per key, the median over runs of a number, or the first run's value of anything else
    (counts and fractions that do not change between runs)."""
    return {key: round(statistics.median(row[key] for row in rows), digits)
            if isinstance(value, float) else value for key, value in rows[0].items()}


def main() -> None:
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    book = build_book(scale)
    screen_series(FusionUser(), book[SWEPT][0])  # load (or compile) the numba kernels
    books = [book_run(book) for _ in range(runs)]
    sweeps = [sweep_run(*book[SWEPT]) for _ in range(runs)]
    print(json.dumps({
        "benchmark": "replay", "strategy": "FusionUser defaults", "runs": runs, "scale": scale,
        "target": "book speedup >= 20, candidate_fraction 0.02-0.10 (issue 18)",
        "series": {name: medians([run["series"][name] for run in books])
                   for name in book},
        "book": {**medians([{k: v for k, v in run.items() if k != "series"} for run in books]),
                 "bars": sum(series.height for series, _ in book.values()),
                 "speedups": [round(run["speedup"], 2) for run in books]},
        "sweep": {"commodity": SWEPT, "thresholds": list(THRESHOLDS),
                  **medians(sweeps)},
    }))


if __name__ == "__main__":
    main()
