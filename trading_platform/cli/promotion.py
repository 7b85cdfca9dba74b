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
from trading_platform.cli.experiments import search, show, sources
from trading_platform.cli.replay import load_promoted, resolve_spec
from trading_platform.defs.research.configured_searches import search_parent
from trading_platform.defs.research.experiment_runs import user_book
from trading_platform.defs.research.futures_experiments import (
    FUTURES_CODE,
    futures_test_sharpe,
)
from trading_platform.defs.research.inventory_experiments import (
    inventory_book,
    inventory_comparison,
    inventory_figures,
    inventory_spec,
)
from trading_platform.defs.research.promotions import (
    SHOWN,
    Request,
    comparison,
    promote,
    window_figures,
)
from trading_platform.defs.universe import FUTURES_PARTITIONS
from trading_platform.domain.inventory.strategies import default_strategies
from trading_platform.domain.research.inventory_book import CODE_PREFIX, version_spec
from trading_platform.resources.experiments import ExperimentStore
from trading_platform.resources.forecast_store import ForecastStore
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
    book, strategy = row["book"][0], row["strategy"][0]
    request = Request(args.id, args.output_name, args.select_by, args.expected_impact or "",
                      args.override)
    try:
        parent = search_parent(book, strategy, row["model"][0], store, sources())
        outcome = promote(store, StrategyFolder(paths().data_dir / "strategies"),
                          str(paths().mlflow), request, parent)
    except (ValueError, FileNotFoundError) as error:
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
    if promoted is not None and promoted.code.startswith(CODE_PREFIX):
        return _backtest_inventory(args, promoted)
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


def _backtest_inventory(args: argparse.Namespace, promoted: Any) -> int:
    """A promoted inventory version through ``run_backtest`` on its experiment's commodities
    and model: its test figures must come out exactly as the search measured them."""
    commodities = args.commodity or promoted.commodities
    try:
        spec = version_spec(promoted, default_strategies())
        book = inventory_book(Warehouse(database=str(paths().warehouse)), _forecasts(), spec,
                              commodities, promoted.model)
        start, end = _window(args, promoted, book.dates)
        figures = inventory_figures(book, {}, start, end, full=True)
    except (ValueError, FileNotFoundError) as error:
        raise CommandError(f"backtest: {error}") from error
    print(f"{promoted.name} v{promoted.version} [{spec.content_hash}] on "
          f"{', '.join(commodities)} with {promoted.model}'s forecasts, {start}..{end}, the "
          "inventory backtester: " + _format(figures))
    if (start, end) == _test_window(promoted) and commodities == promoted.commodities:
        same = all(_equal(figures[m], promoted.metrics["test"].get(m)) for m in SHOWN)
        print(f"reproduces experiment {promoted.experiment}'s test figures: "
              + ("yes, every one" if same else "NO: " + _format(promoted.metrics["test"])))
        return 0 if same else 1
    return 0


def _forecasts() -> ForecastStore:
    return ForecastStore(root=str(paths().forecasts))


def compare_command(args: argparse.Namespace) -> int:
    candidate = load_promoted_or_none(args.candidate)
    if candidate is not None and candidate.code.startswith(CODE_PREFIX):
        return _compare_inventory(args, candidate)
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


def _compare_inventory(args: argparse.Namespace, candidate: Any) -> int:
    """A promoted inventory version against its kind's configured version (``--baseline``
    names the kind) on the same commodities, model and days, through ``run_backtest``."""
    try:
        base = inventory_spec(args.baseline)
        spec = version_spec(candidate, default_strategies())
        if spec.kind != base.kind:  # type: ignore[attr-defined]
            raise ValueError(f"--candidate is a version of {spec.kind}, --baseline is "  # type: ignore[attr-defined]
                             f"{base.kind}: compare versions of one strategy")  # type: ignore[attr-defined]
        book = inventory_book(Warehouse(database=str(paths().warehouse)), _forecasts(), base,
                              args.commodity or candidate.commodities,
                              args.model or candidate.model)
        start, end = args.start or book.dates[0], args.end or book.dates[-1]
        print(inventory_comparison(book, candidate.params,
                                   f"{candidate.name} v{candidate.version}", start, end,
                                   full=True))
    except (ValueError, FileNotFoundError) as error:
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
