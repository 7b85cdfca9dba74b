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

from trading_platform.cli.errors import CommandError
from trading_platform.cli.experiments import futures_spec, search, show
from trading_platform.cli.replay import load_promoted, resolve_spec
from trading_platform.config.user_strategies import UserStrategySpec
from trading_platform.defs.research.experiment_runs import user_book
from trading_platform.defs.research.futures_experiments import (
    FUTURES_CODE,
    base_params,
    futures_test_sharpe,
)
from trading_platform.defs.research.promotions import (
    SHOWN,
    Request,
    comparison,
    promote,
    window_figures,
)
from trading_platform.defs.universe import FUTURES_PARTITIONS
from trading_platform.resources.experiments import ExperimentStore
from trading_platform.resources.strategy_folder import StrategyFolder
from trading_platform.resources.warehouse import Warehouse
from trading_platform.settings import paths


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
    futures = None
    if row["book"][0] == "futures":
        parent_name, futures = row["strategy"][0], futures_spec(row["strategy"][0])
        parent = UserStrategySpec(code=FUTURES_CODE, version=futures.version,
                                  params=base_params(futures))
    else:
        parent_name, parent = resolve_spec(row["strategy"][0])
    request = Request(args.id, args.output_name, args.select_by, args.expected_impact or "",
                      args.override)
    try:
        outcome = promote(store, StrategyFolder(paths().data_dir / "strategies"),
                          str(paths().mlflow), request, parent_name, parent, futures)
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
    if outcome.comparison:
        print(outcome.comparison)
    return 0


def backtest_command(args: argparse.Namespace) -> int:
    promoted = load_promoted_or_none(args.strategy)
    if promoted is not None and promoted.code == FUTURES_CODE:
        return _backtest_futures(args, promoted)
    name, spec = resolve_spec(args.strategy)
    commodities = args.commodity or (promoted.commodities if promoted else
                                     FUTURES_PARTITIONS.get_partition_keys())
    book = user_book(Warehouse(database=str(paths().warehouse)), name, spec, commodities)
    start, end = _window(args, promoted, book.dates)
    figures = window_figures(book, start, end, full=True)
    print(f"{name} v{spec.version} [{spec.content_hash}] on {', '.join(commodities)}, "
          f"{start}..{end}, every bar replayed: " + _format(figures))
    if promoted is not None and (start, end) == _test_window(promoted):
        same = all(_equal(figures[m], promoted.metrics["test"].get(m)) for m in SHOWN)
        print(f"reproduces experiment {promoted.experiment}'s test figures: "
              + ("yes, every one" if same else "NO: " + _format(promoted.metrics["test"])))
        return 0 if same else 1
    return 0


def _backtest_futures(args: argparse.Namespace, promoted: Any) -> int:
    """A promoted futures run on the vectorised sweep's kernel, one combination."""
    commodities = args.commodity or promoted.commodities
    test_start, test_end = _test_window(promoted)
    start, end = args.start or test_start, args.end or test_end
    try:
        sharpe = futures_test_sharpe(Warehouse(database=str(paths().warehouse)),
                                     promoted.params, commodities, start, end)
    except ValueError as error:
        raise CommandError(f"backtest: {error}") from error
    print(f"{promoted.name} v{promoted.version} [{promoted.content_hash}] on "
          f"{', '.join(commodities)}, {start}..{end}, the vectorised sweep: Sharpe {sharpe:.6g}")
    if (start, end) == _test_window(promoted) and commodities == promoted.commodities:
        same = _equal(sharpe, promoted.metrics["test"].get("sharpe"))
        print(f"reproduces experiment {promoted.experiment}'s test Sharpe: "
              + ("yes" if same else f"NO ({promoted.metrics['test'].get('sharpe')})"))
        return 0 if same else 1
    return 0


def compare_command(args: argparse.Namespace) -> int:
    base_name, base = resolve_spec(args.baseline)
    cand_name, cand = resolve_spec(args.candidate)
    commodities = args.commodity or FUTURES_PARTITIONS.get_partition_keys()
    warehouse = Warehouse(database=str(paths().warehouse))
    try:
        dates = user_book(warehouse, base_name, base, commodities).dates
        start, end = args.start or dates[0], args.end or dates[-1]
        print(comparison(warehouse, (base_name, base), (cand_name, cand), commodities, start,
                         end, full=True))
    except ValueError as error:
        raise CommandError(f"experiments compare: {error}") from error
    return 0


def load_promoted_or_none(text: str) -> Any:
    path = Path(text)
    return load_promoted(path) if path.suffix in (".yaml", ".yml") and path.is_file() else None


def _window(args: argparse.Namespace, promoted: Any, dates: list[dt.date]
            ) -> tuple[dt.date, dt.date]:
    if args.start or args.end:
        return args.start or dates[0], args.end or dates[-1]
    return _test_window(promoted) if promoted is not None else (dates[0], dates[-1])


def _test_window(promoted: Any) -> tuple[dt.date, dt.date]:
    first, last = promoted.data_range["test"].split("..")
    return dt.date.fromisoformat(first), dt.date.fromisoformat(last)


def _format(figures: dict[str, Any]) -> str:
    def shown(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.6g}"
    return ", ".join(f"{m} {shown(figures.get(m))}" for m in SHOWN)


def _equal(one: float, two: float | None) -> bool:
    if two is None:
        return one != one  # a NaN figure is stored as null
    return abs(one - two) <= 1e-12 * max(1.0, abs(two))
