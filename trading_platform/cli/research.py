"""Research commands: `forecasts`, `backtests` and `selection`, one run per partition."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import dagster as dg

from trading_platform.cli.errors import CommandError
from trading_platform.cli.runs import _WARNINGS_ONLY, run_partitions
from trading_platform.defs.universe import UNIVERSE, ZOO
from trading_platform.domain.partition_keys import commodity_model_key
from trading_platform.settings import paths

# The demo's walk-forward: quarterly refits over the last three years with 200 paths, so the
# whole zoo (6 commodities x 10 models) builds in about four minutes on 2 cores and stores about
# 0.65 GB (matrices and kept fits). The research default (monthly refits, five years, 500
# paths) is what the UI and `forecasts` without --demo run; see docs/forecasts.md.
# It re-derives one stored day per partition from truncated history (two in research).
DEMO_FORECASTS = {"refit_every": 63, "oos_years": 3.0, "n_paths": 200, "recompute_days": 1}

def run_forecasts(commodities: Sequence[str], models: Sequence[str], config: dict) -> bool:
    """One run per (commodity, model); a commodity's ensembles come after their members, whose
    kept fits they reuse instead of fitting the members again."""
    ordered = sorted(models, key=lambda m: bool(ZOO.models[m].params.get("members")))
    keys = [commodity_model_key(c, m) for c in commodities for m in ordered]
    ok = run_partitions("research_forecasts", keys, {"ops": {"forecasts": {"config": config}}},
                        "forecasts")
    print(f"prediction matrices: {paths().forecasts}\nMLflow runs: `make mlflow-ui`, then "
          "http://localhost:5000 (experiment 'forecasts')")
    return ok


def run_backtests(commodities: Sequence[str], models: Sequence[str]) -> bool:
    """Backtest every strategy on each (commodity, model), then the cross-commodity comparison."""
    from trading_platform.definitions import platform_definitions

    defs = platform_definitions()
    keys = [commodity_model_key(c, m) for c in commodities for m in models]
    ok = run_partitions("research_backtests", keys, {}, "backtests")
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def("research_comparison").execute_in_process(
            instance=instance, run_config=_WARNINGS_ONLY, raise_on_error=False)
    folder = paths().reports / "backtests"
    print(f"backtest comparison: {'written' if result.success else 'FAILED'}; charts and CSVs "
          f"in {folder} (comparison_summary.csv, value_of_accuracy.png, ...), per pair in "
          f"{folder}/<commodity>/<model>/")
    return ok and result.success


def run_selection(commodities: Sequence[str]) -> bool:
    """Score the candidates and choose, register and explain each commodity's champion."""
    ok = run_partitions("research_selection", list(commodities), {}, "selection")
    print(f"selection reports: {paths().reports / 'selection'}/<commodity>/selection_report.md")
    return ok


def run_futures(commodities: Sequence[str], contract_files: Sequence[str] = ()) -> bool:
    """The futures book: per commodity its contract prices, continuous series and strategy
    backtests; then the model x optimiser matrix and the trading-book champion."""
    from trading_platform.definitions import platform_definitions

    config = {"ops": {"contract_prices": {"config": {"files": list(contract_files)}}}} \
        if contract_files else {}
    ok = run_partitions("research_futures", list(commodities), config, "futures")
    with dg.DagsterInstance.get() as instance:
        result = platform_definitions().resolve_job_def("research_portfolio").execute_in_process(
            instance=instance, run_config=_WARNINGS_ONLY, raise_on_error=False)
    bad = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed]
    print(f"futures matrix and trading-book champion: "
          f"{'built' if result.success else 'FAILED'}"
          + (f" (failed checks: {', '.join(bad)})" if bad else "")
          + f"; charts in {paths().reports / 'futures'} (matrix/sharpe_heatmap.png, ...), "
          "champion in MLflow as trading_book_champion")
    return ok and result.success


def forecasts_command(args: argparse.Namespace) -> int:
    config = DEMO_FORECASTS if args.demo else {}
    ok = run_forecasts(args.commodity or UNIVERSE.commodity_keys, args.model or ZOO.keys, config)
    return 0 if ok else 1


def backtests_command(args: argparse.Namespace) -> int:
    ok = run_backtests(args.commodity or UNIVERSE.harvested_keys, args.model or ZOO.keys)
    return 0 if ok else 1


def futures_command(args: argparse.Namespace) -> int:
    commodities = args.commodity or UNIVERSE.commodity_keys
    if args.contracts and len(commodities) != 1:
        raise CommandError("--contracts needs exactly one --commodity (the commodity the files "
                           "hold); nothing was run")
    return 0 if run_futures(commodities, args.contracts) else 1


def selection_command(args: argparse.Namespace) -> int:
    return 0 if run_selection(args.commodity or UNIVERSE.harvested_keys) else 1
