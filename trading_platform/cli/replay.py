"""User-strategy commands: `screen` (the candidate bars) and `replay` (every bar, or with
``--candidates`` only the candidate bars) on the stored continuous series, outside Dagster runs.

``--strategy`` is a name from ``config/user_strategies.yaml`` or a YAML file holding one spec
(``code``, ``version``, ``params``); ``--param K=V`` overrides a parameter. Trade logs and
candidate sets are written under ``reports/replays/<commodity>/`` (``cli-`` prefixed, so the
asset's files are never overwritten).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from trading_platform.cli.errors import CommandError
from trading_platform.config.loading import load_yaml_config
from trading_platform.config.user_strategies import PromotedStrategy, UserStrategySpec
from trading_platform.defs.research.experiment_runs import (
    stored_series as stored_continuous_series,
)
from trading_platform.defs.research.futures_backtests import book_costs
from trading_platform.defs.universe import (
    FUTURES_BOOK,
    FUTURES_PARTITIONS,
    UNIVERSE,
    USER_STRATEGIES,
)
from trading_platform.domain.futures.backtest import equity_metrics
from trading_platform.domain.replay.focused import focused_replay, screen_series
from trading_platform.domain.replay.replay import ReplayResult, full_replay
from trading_platform.domain.replay.specs import build_strategy
from trading_platform.resources.reports import ReportFolder
from trading_platform.resources.warehouse import Warehouse
from trading_platform.settings import paths


def resolve_spec(text: str) -> tuple[str, UserStrategySpec]:
    """A configured strategy's name, a YAML file of one spec (named after the file), or a
    promoted version's file (``experiments promote``: named after its strategy)."""
    if text in USER_STRATEGIES.strategies:
        return text, USER_STRATEGIES.strategies[text]
    path = Path(text)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        try:
            promoted = load_promoted(path)
            if promoted is not None:
                return promoted.name, promoted.spec
            return path.stem, load_yaml_config(UserStrategySpec, path, "user strategy")
        except ValueError as error:
            raise CommandError(str(error)) from error
    raise CommandError(f"--strategy {text!r}: not a configured user strategy "
                       f"({', '.join(USER_STRATEGIES.strategies)}) nor a YAML spec file")


def load_promoted(path: Path) -> PromotedStrategy | None:
    """The promoted version in ``path``, or None when the file is a plain spec."""
    try:
        body = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ValueError(f"user strategy file {path}: {error}") from error
    if isinstance(body, dict) and "experiment" in body:
        return load_yaml_config(PromotedStrategy, path, "promoted strategy")
    return None


def parse_params(pairs: list[str]) -> dict[str, Any]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CommandError(f"--param {pair!r}: write it as NAME=VALUE (e.g. threshold=0.8)")
        params[key] = yaml.safe_load(value)
    return params


def _strategy(args: argparse.Namespace) -> tuple[str, Any]:
    name, spec = resolve_spec(args.strategy)
    try:
        return name, build_strategy(name, spec, parse_params(args.param))
    except ValueError as error:
        raise CommandError(str(error)) from error


def stored_series(warehouse: Warehouse, commodity: str) -> pl.DataFrame:
    try:
        return stored_continuous_series(warehouse, commodity)
    except ValueError as error:
        raise CommandError(str(error)) from error


def screen_command(args: argparse.Namespace) -> int:
    name, strategy = _strategy(args)
    warehouse, reports = Warehouse(database=str(paths().warehouse)), \
        ReportFolder(root=str(paths().reports))
    for commodity in args.commodity or FUTURES_PARTITIONS.get_partition_keys():
        series = stored_series(warehouse, commodity)
        started = time.perf_counter()
        candidates = screen_series(strategy, series)
        spent = time.perf_counter() - started
        reasons = ", ".join(f"{r} {n}" for r, n in candidates.group_by("reason").len()
                            .sort("reason").rows())
        out = reports.write(f"replays/{commodity}/cli-{name}-candidates.csv",
                            candidates.with_columns(
                                series["date"].gather(candidates["bar"]).alias("date"))
                            .write_csv())
        print(f"{commodity}: {strategy.label}: {candidates.height} of {series.height} bars "
              f"({100 * candidates.height / max(series.height, 1):.1f} %) could act "
              f"({reasons or 'none'}); screened in {spent:.3f} s; {out}")
    return 0


def replay_command(args: argparse.Namespace) -> int:
    name, strategy = _strategy(args)
    warehouse, reports = Warehouse(database=str(paths().warehouse)), \
        ReportFolder(root=str(paths().reports))
    mode = "focused" if args.candidates else "full"
    for commodity in args.commodity or FUTURES_PARTITIONS.get_partition_keys():
        series = stored_series(warehouse, commodity)
        spec, costs = UNIVERSE.commodities[commodity].futures, book_costs()
        capital = FUTURES_BOOK.engine.capital
        started = time.perf_counter()
        if args.candidates:
            focused = focused_replay(strategy, series, spec, costs, capital)
            replay, called = focused.replay, focused.called_bars
        else:
            replay, called = full_replay(strategy, series, spec, costs, capital), series.height
        spent = time.perf_counter() - started
        out = reports.write(f"replays/{commodity}/cli-{name}-{mode}.jsonl",
                            replay.trades.write_ndjson())
        print(f"{commodity}: {strategy.label} {mode}: on_bar on {called} of {series.height} "
              f"bars, {replay.trades.height} trades, {_summary(replay, capital)}, "
              f"{spent:.2f} s; trade log {out}")
    return 0


def _summary(replay: ReplayResult, capital: float) -> str:
    figures = equity_metrics(replay.equity, capital)
    return (f"final equity {replay.final_equity:,.2f}, Sharpe {figures['sharpe']:.2f}, "
            f"max drawdown {100 * figures['max_drawdown']:.1f} %")
