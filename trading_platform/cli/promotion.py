"""`experiments promote`, `experiments compare` and `backtest`: a search's run becomes a new
strategy version only through the overfitting gate (or a recorded override), and the ordinary
backtester reproduces its figures (docs/research.md).

    experiments promote ID --output-name NAME [--select-by sharpe|cagr|sortino]
        [--expected-impact TEXT] [--override REASON]
    experiments compare --baseline SPEC --candidate SPEC [--start D --end D] [--commodity C ...]
    backtest --strategy SPEC [--start D --end D] [--commodity C ...]
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl

from trading_platform.cli.errors import CommandError
from trading_platform.cli.experiments import search, show
from trading_platform.cli.replay import load_promoted, resolve_spec, stored_series
from trading_platform.config.user_strategies import UserStrategySpec
from trading_platform.defs.research.futures_backtests import book_costs
from trading_platform.defs.research.promotions import Request, promote
from trading_platform.defs.universe import FUTURES_BOOK, FUTURES_PARTITIONS, UNIVERSE
from trading_platform.domain.research.runners import UserStrategyBook
from trading_platform.domain.research.trials import window_metrics
from trading_platform.resources.experiments import ExperimentStore
from trading_platform.resources.strategy_folder import StrategyFolder
from trading_platform.resources.warehouse import Warehouse
from trading_platform.settings import paths

SHOWN = ("sharpe", "sortino", "cagr", "max_drawdown", "calmar", "volatility")


def experiments_command(args: argparse.Namespace) -> int:
    """Dispatch ``experiments <verb>``."""
    verb = args.experiments_command
    if verb == "promote":
        return promote_command(args)
    if verb == "compare":
        return compare_command(args)
    store = ExperimentStore(Warehouse(database=str(paths().warehouse)),
                            paths().data_dir / "experiments")
    return show(store, args.id, args.export) if verb == "show" else search(store, args)


def promote_command(args: argparse.Namespace) -> int:
    store = ExperimentStore(Warehouse(database=str(paths().warehouse)),
                            paths().data_dir / "experiments")
    row = store.load(args.id)[0]
    if row.is_empty():
        raise CommandError(f"no experiment {args.id!r} (stored: "
                           f"{', '.join(store.names()) or 'none'})")
    parent_name, parent = resolve_spec(row["strategy"][0])
    request = Request(args.id, args.output_name, args.select_by, args.expected_impact or "",
                      args.override)
    try:
        outcome = promote(store, StrategyFolder(paths().data_dir / "strategies"),
                          str(paths().mlflow), request, parent_name, parent)
    except ValueError as error:
        raise CommandError(f"experiments promote {args.id}: {error}") from error
    chosen, gate = outcome.chosen, outcome.assessment.gate
    if outcome.path is None:
        raise CommandError(
            f"experiment {args.id} run #{chosen.number} {chosen.params} is not promoted: the "
            f"overfitting gate refused it ({gate.describe()}). Promote it anyway only "
            "with --override REASON, which is recorded in the spec, the log and MLflow")
    verb = "promoted" if outcome.new else "already promoted (nothing written)"
    print(f"{verb} run #{chosen.number} of {args.id} as {outcome.path.name} "
          f"({'gate passed' if gate.passed else 'OVERRIDE: ' + str(args.override)}); "
          f"log {outcome.path.parent / 'STRATEGY_LOG.md'}; MLflow model "
          f"strategy_{args.output_name}, alias challenger")
    start, end = outcome.test_window
    print(_comparison(parent_name, parent, *resolve_spec(str(outcome.path)),
                      outcome.info["commodities"].split(","), start, end))
    return 0


def backtest_command(args: argparse.Namespace) -> int:
    name, spec = resolve_spec(args.strategy)
    promoted = load_promoted_or_none(args.strategy)
    commodities = args.commodity or (promoted.commodities if promoted else
                                     FUTURES_PARTITIONS.get_partition_keys())
    book = _book(name, spec, commodities)
    start, end = _window(args, promoted, book.dates)
    figures = _figures(book, {}, start, end, full=True)
    print(f"{name} v{spec.version} [{spec.content_hash}] on {', '.join(commodities)}, "
          f"{start}..{end}, every bar replayed: " + _format(figures))
    if promoted is not None and (start, end) == _test_window(promoted):
        same = all(_equal(figures[m], promoted.metrics["test"].get(m)) for m in SHOWN)
        print(f"reproduces experiment {promoted.experiment}'s test figures: "
              + ("yes, every one" if same else "NO: " + _format(promoted.metrics["test"])))
        return 0 if same else 1
    return 0


def compare_command(args: argparse.Namespace) -> int:
    base_name, base = resolve_spec(args.baseline)
    cand_name, cand = resolve_spec(args.candidate)
    commodities = args.commodity or FUTURES_PARTITIONS.get_partition_keys()
    dates = _book(base_name, base, commodities).dates
    start, end = args.start or dates[0], args.end or dates[-1]
    print(_comparison(base_name, base, cand_name, cand, commodities, start, end))
    return 0


def load_promoted_or_none(text: str) -> Any:
    path = Path(text)
    return load_promoted(path) if path.suffix in (".yaml", ".yml") and path.is_file() else None


def _book(name: str, spec: UserStrategySpec, commodities: list[str]) -> UserStrategyBook:
    warehouse = Warehouse(database=str(paths().warehouse))
    return UserStrategyBook(name, spec, {c: stored_series(warehouse, c) for c in commodities},
                            {c: UNIVERSE.commodities[c].futures for c in commodities},
                            book_costs(), FUTURES_BOOK.engine.capital)


def _window(args: argparse.Namespace, promoted: Any, dates: list[dt.date]
            ) -> tuple[dt.date, dt.date]:
    if args.start or args.end:
        return args.start or dates[0], args.end or dates[-1]
    return _test_window(promoted) if promoted is not None else (dates[0], dates[-1])


def _test_window(promoted: Any) -> tuple[dt.date, dt.date]:
    first, last = promoted.data_range["test"].split("..")
    return dt.date.fromisoformat(first), dt.date.fromisoformat(last)


def _figures(book: UserStrategyBook, params: dict, start: dt.date, end: dt.date,
             full: bool) -> dict[str, float]:
    equity = book.equity_full(params) if full else book.equity(params)
    index = pl.Series(book.dates)
    first = int(index.search_sorted(start))
    last = int(index.search_sorted(end, side="right"))
    return window_metrics(equity, book.capital, first, last)


def _comparison(base_name: str, base: UserStrategySpec, cand_name: str, cand: UserStrategySpec,
                commodities: list[str], start: dt.date, end: dt.date) -> str:
    one = _figures(_book(base_name, base, commodities), {}, start, end, full=True)
    two = _figures(_book(cand_name, cand, commodities), {}, start, end, full=True)
    lines = [f"on {', '.join(commodities)}, {start}..{end}, every bar replayed:",
             f"  {'metric':<14}{base_name + ' v' + str(base.version):>20}"
             f"{cand_name + ' v' + str(cand.version):>20}{'difference':>14}"]
    lines += [f"  {m:<14}{one[m]:>20.4f}{two[m]:>20.4f}{two[m] - one[m]:>14.4f}" for m in SHOWN]
    return "\n".join(lines)


def _format(figures: dict[str, Any]) -> str:
    def shown(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.6g}"
    return ", ".join(f"{m} {shown(figures.get(m))}" for m in SHOWN)


def _equal(one: float, two: float | None) -> bool:
    if two is None:
        return one != one  # a NaN figure is stored as null
    return abs(one - two) <= 1e-12 * max(1.0, abs(two))
