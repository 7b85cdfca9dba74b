"""Command line: `demo`, `ingest` (vendor files), `forecasts`, `backtests`, `daily`, `status`.

    python -m trading_platform.cli demo [--years N] [--as-of YYYY-MM-DD] [--model M ...]
                                         [--trading-days N]
    python -m trading_platform.cli ingest FILE [FILE ...] [--commodity C] [--as-of YYYY-MM-DD]
    python -m trading_platform.cli market mode [synthetic|vendor] | sources
    python -m trading_platform.cli market replace-synthetic --commodity C [--by N] [--reason T]
    python -m trading_platform.cli forecasts [--commodity C ...] [--model M ...] [--demo]
    python -m trading_platform.cli backtests [--commodity C ...] [--model M ...]
    python -m trading_platform.cli selection [--commodity C ...]
    python -m trading_platform.cli daily [--date YYYY-MM-DD]
    python -m trading_platform.cli trade [--date YYYY-MM-DD]   (recommendations + report only)
    python -m trading_platform.cli fill|approve|reject --commodity C --date D [...]
    python -m trading_platform.cli reset-breaker|kill-switch --commodity C --by NAME --reason T
    python -m trading_platform.cli status

Every command takes ``--debug``: a failure then shows its stack trace; without it a failure is
one paragraph (what failed, the file, row and rule where there is one, what to do) and a
non-zero exit code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from trading_platform.cli_errors import CommandError, failure_paragraph
from trading_platform.defs.partitions import PartitionSlice
from trading_platform.defs.universe import UNIVERSE, ZOO
from trading_platform.domain.scheduling import daily_partition_keys
from trading_platform.settings import apply_dagster_event_defaults, paths

_QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
_WARNINGS_ONLY = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
# Step failures are logged with their stack trace; the CLI prints one paragraph instead.
_SILENT_LOGS = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
# The demo's walk-forward: quarterly refits over the last three years with 200 paths, so the
# whole zoo (6 commodities x 10 models) builds in about five minutes on 2 cores and stores about
# 0.5 GB. The research default (monthly refits, five years, 500 paths) is what the UI and
# `forecasts` without --demo run; see README "Forecasts".
DEMO_FORECASTS = {"refit_every": 63, "oos_years": 3.0, "n_paths": 200}
# One year of feature warm-up, two of training before the first refit, then forecast days.
MIN_FORECAST_YEARS = 4


# The demo paper-trades its last days, so the ledger, the breakers and parity have history.
DEMO_TRADING_DAYS = 5
DESK_COMMANDS = ("fill", "approve", "reject", "reset-breaker", "kill-switch")


def last_weekdays(end: dt.date, count: int) -> list[dt.date]:
    """The ``count`` weekdays up to and including ``end``, oldest first."""
    days: list[dt.date] = []
    day = end
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= dt.timedelta(days=1)
    return days[::-1]


def _desk_parsers(sub: argparse._SubParsersAction) -> None:
    today = dt.date.today()
    for name, text in (("fill", "record a manual-mode fill"),
                       ("approve", "execute a pending day as recommended, at its close"),
                       ("reject", "record that a pending day's sale was not executed"),
                       ("reset-breaker", "reset the halts of a commodity ('*': all)"),
                       ("kill-switch", "halt a commodity ('*': all) until a reset")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--commodity", required=True)
        cmd.add_argument("--date", type=dt.date.fromisoformat, default=today)
        cmd.add_argument("--by", default="desk", help="who records it (kept in the ledger)")
        if name == "fill":
            cmd.add_argument("--quantity", type=float, required=True)
            cmd.add_argument("--price", type=float, default=None)
        if name in ("reset-breaker", "kill-switch"):
            cmd.add_argument("--reason", required=True)


def desk_command(args: argparse.Namespace) -> int:
    from trading_platform import cli_trading as desk

    try:
        if args.command == "reset-breaker":
            print(desk.reset_breaker(args.commodity, args.date, args.by, args.reason))
        elif args.command == "kill-switch":
            print(desk.kill_switch(args.commodity, args.date, args.by, args.reason))
        else:
            quantity = {"fill": getattr(args, "quantity", None), "approve": None,
                        "reject": 0.0}[args.command]
            print(desk.record_fill(args.commodity, args.date, quantity,
                                   getattr(args, "price", None), args.by))
    except ValueError as error:
        print(f"refused: {error}", file=sys.stderr)
        return 2
    return 0


def demo_slice(as_of: dt.date, years: int) -> PartitionSlice:
    """Every commodity over the ``years`` of weekdays that closed before ``as_of``."""
    end = as_of - dt.timedelta(days=1)
    while end.weekday() > 4:
        end -= dt.timedelta(days=1)
    start = max(end.replace(year=end.year - years) + dt.timedelta(days=1), UNIVERSE.partition_start)
    while start.weekday() > 4:
        start += dt.timedelta(days=1)
    return PartitionSlice(tuple(UNIVERSE.commodity_keys), start, end)


def run_slice(part: PartitionSlice, market_config: dict, label: str,
              debug: bool = False) -> dg.ExecuteInProcessResult:
    from trading_platform.definitions import defs

    job = defs.resolve_job_def("market_history")
    run_config = {**(_QUIET_LOGS if debug else _SILENT_LOGS),
                  "ops": {"market_data": {"config": market_config}}}
    with dg.DagsterInstance.get() as instance:
        print(f"{label}: {len(part.commodities)} commodities x {part.start}..{part.end}")
        started = time.perf_counter()
        result = job.execute_in_process(
            instance=instance, tags=part.range_tags, run_config=run_config, raise_on_error=False
        )
        print(f"run {result.run_id} {'succeeded' if result.success else 'FAILED'} "
              f"in {time.perf_counter() - started:.1f} s")
    if not result.success:
        print(failure_paragraph(result, label), file=sys.stderr)
    return result


def run_daily(day: dt.date, as_of: dt.date) -> bool:
    """What the daily schedule's tick for ``day`` requests: one run per commodity that traded.

    False when a run fails or a check fails with ERROR severity (in a vendor directory, a day
    whose file has not arrived), so a scheduler running the command sees the failure."""
    from trading_platform.definitions import defs

    keys = daily_partition_keys(day, UNIVERSE)
    if not keys:
        print(f"{day} is not a trading day for any commodity: nothing to run")
        return True
    job = defs.resolve_job_def("daily_market")
    run_config = {**_QUIET_LOGS, "ops": {"market_data": {"config": {"as_of": as_of.isoformat()}}}}
    ok = True
    with dg.DagsterInstance.get() as instance:
        for key in keys:
            started = time.perf_counter()
            result = job.execute_in_process(instance=instance, partition_key=key,
                                            run_config=run_config, raise_on_error=False)
            failed = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed]
            print(f"{key}: {'succeeded' if result.success else 'FAILED'} in "
                  f"{time.perf_counter() - started:.1f} s"
                  + (f"; failed checks: {', '.join(failed)}" if failed else ""))
            # An ERROR-severity failure (a vendor file that has not arrived) fails the command.
            errors = [e for e in result.get_asset_check_evaluations()
                      if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
            ok = ok and result.success and not errors
    return ok


def run_partitions(job_name: str, keys: Sequence[str], run_config: dict, label: str) -> bool:
    """One run per ``commodity|model`` key, as a UI backfill of those partitions would."""
    from trading_platform.definitions import defs

    job = defs.resolve_job_def(job_name)
    failed: list[str] = []
    began = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        for number, key in enumerate(keys, start=1):
            started = time.perf_counter()
            result = job.execute_in_process(instance=instance, partition_key=key,
                                            run_config={**_WARNINGS_ONLY, **run_config},
                                            raise_on_error=False)
            bad = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed]
            state = "ok" if result.success and not bad else (
                "FAILED" if not result.success else "warn: " + ", ".join(bad))
            print(f"[{number}/{len(keys)}] {label} {key}: {state} "
                  f"({time.perf_counter() - started:.1f} s)", flush=True)
            if not result.success:
                failed.append(key)
    print(f"{label}: {len(keys) - len(failed)} of {len(keys)} partitions built in "
          f"{time.perf_counter() - began:.0f} s" + (f"; failed: {', '.join(failed)}" if failed
                                                    else ""))
    return not failed


def run_forecasts(commodities: Sequence[str], models: Sequence[str], config: dict) -> bool:
    keys = [f"{c}|{m}" for c in commodities for m in models]
    ok = run_partitions("research_forecasts", keys, {"ops": {"forecasts": {"config": config}}},
                        "forecasts")
    print(f"prediction matrices: {paths().forecasts}\nMLflow runs: `make mlflow-ui`, then "
          "http://localhost:5000 (experiment 'forecasts')")
    return ok


def run_backtests(commodities: Sequence[str], models: Sequence[str]) -> bool:
    """Backtest every strategy on each (commodity, model), then the cross-commodity comparison."""
    from trading_platform.definitions import defs

    keys = [f"{c}|{m}" for c in commodities for m in models]
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


def run_trading(days: Sequence[dt.date]) -> bool:
    """Recommendations for every harvested commodity on each day in order, then each day's
    report pack; prints the last day's recommendations."""
    from trading_platform.cli_trading import recommendations_table
    from trading_platform.domain.scheduling import trading_partition_keys

    ok = True
    for day in days:
        keys = trading_partition_keys(day, UNIVERSE)
        ok = run_partitions("daily_trading", keys, {}, f"recommendations {day}") and ok
        ok = run_partitions("daily_reporting", [day.isoformat()], {}, "report") and ok
    if days:
        print(f"\nrecommendations for {days[-1]}:\n{recommendations_table(days[-1])}")
        print(f"report: {paths().reports / days[-1].isoformat() / 'report.html'}")
    return ok


def print_summary(result: dg.ExecuteInProcessResult) -> None:
    checks = result.get_asset_check_evaluations()
    for evaluation in sorted(checks, key=lambda e: (e.asset_key.to_user_string(), e.check_name)):
        state = "passed" if evaluation.passed else f"FAILED ({evaluation.severity.value})"
        print(f"  check {evaluation.asset_key.to_user_string()}.{evaluation.check_name}: {state}")
    per_asset: dict[str, int] = {}
    for event in result.get_asset_materialization_events():
        key = event.asset_key.to_user_string()
        per_asset[key] = per_asset.get(key, 0) + 1
    for key, count in sorted(per_asset.items()):
        print(f"  {key}: {count} partitions materialized by this run")
    where = paths()
    print(f"warehouse: {where.warehouse}\ndagster home: {where.dagster_home}")


def _tune_gc_for_batch() -> None:
    """Keep Python's cyclic GC from rescanning a ten-year backfill's heap again and again.

    A demo run creates ~31,000 partition events; the default GC thresholds rescan every object
    (imports included) many times during the run and once more at exit (1.7 s measured there).
    Freezing moves what exists now out of the collector's view; the larger first threshold
    collects less often. Cycles are still collected.
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; a failure is one paragraph on stderr (a stack trace with --debug)."""
    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    try:
        return _run(argv)
    except CommandError as error:
        if debug:
            raise
        print(str(error), file=sys.stderr)
        return 2
    except Exception as error:  # the last resort: one paragraph, never a bare trace
        if debug:
            raise
        print(f"failed: {type(error).__name__}: {error}. Rerun with --debug for the stack "
              "trace.", file=sys.stderr)
        return 1


def _market_parsers(sub: argparse._SubParsersAction) -> None:
    market = sub.add_parser("market", help="the data directory's mode, sources and "
                                           "replacement of synthetic rows")
    verbs = market.add_subparsers(dest="market_command", required=True)
    mode = verbs.add_parser("mode", help="show or declare the mode (synthetic or vendor)")
    mode.add_argument("mode", nargs="?", choices=("synthetic", "vendor"))
    mode.add_argument("--by", default="desk", help="who declares it (kept in the file)")
    verbs.add_parser("sources", help="each commodity's source mix and date range")
    replace = verbs.add_parser("replace-synthetic",
                               help="delete a commodity's synthetic rows (recorded) so vendor "
                                    "files can replace them")
    replace.add_argument("--commodity", required=True, choices=UNIVERSE.commodity_keys)
    replace.add_argument("--by", default="desk", help="who records it")
    replace.add_argument("--reason", default="replaced by vendor data")
    for verb in verbs.choices.values():
        verb.add_argument("--debug", action="store_true", help="show the stack trace of a "
                          "failure")


def market_command(args: argparse.Namespace) -> int:
    from trading_platform import cli_market as market
    if args.market_command == "mode":
        print(market.show_mode(args.mode, args.by))
    elif args.market_command == "sources":
        print(market.sources_table())
    else:
        print(market.replace_synthetic(args.commodity, args.by, args.reason))
    return 0


def _run(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="trading_platform")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="materialize the synthetic default universe")
    demo.add_argument("--years", type=int, default=UNIVERSE.demo_years)
    demo.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date.today())
    demo.add_argument("--model", action="append", choices=ZOO.keys,
                      help="forecast, backtest and select from these models only "
                           "(default: the whole zoo)")
    demo.add_argument("--trading-days", type=int, default=DEMO_TRADING_DAYS,
                      help="paper-trade this many last weekdays (default %(default)s)")
    demo.add_argument("--market-only", action="store_true",
                      help="market data and features only (the backfill bench_demo measures)")
    ingest = sub.add_parser("ingest", help="ingest vendor CSV/Parquet files")
    ingest.add_argument("files", nargs="+", type=Path)
    ingest.add_argument("--commodity", choices=UNIVERSE.commodity_keys,
                        help="the commodity every file holds (default: from a commodity column "
                             "or the file name, matched by whole aliases)")
    ingest.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date.today())
    _market_parsers(sub)
    daily = sub.add_parser("daily", help="run the daily path for one day, as the schedule does")
    daily.add_argument("--date", type=dt.date.fromisoformat,
                       default=dt.date.today() - dt.timedelta(days=1))
    daily.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    daily.add_argument("--market-only", action="store_true",
                       help="market data and features only (no recommendations, no report)")
    fc = sub.add_parser("forecasts", help="build forecasts for commodity x model partitions")
    fc.add_argument("--commodity", action="append", choices=UNIVERSE.commodity_keys)
    fc.add_argument("--model", action="append", choices=ZOO.keys)
    fc.add_argument("--demo", action="store_true", help="the demo's lighter walk-forward")
    bt = sub.add_parser("backtests", help="backtest every strategy on stored forecasts")
    bt.add_argument("--commodity", action="append", choices=UNIVERSE.harvested_keys)
    bt.add_argument("--model", action="append", choices=ZOO.keys)
    sel = sub.add_parser("selection", help="score candidates and choose each champion")
    sel.add_argument("--commodity", action="append", choices=UNIVERSE.harvested_keys)
    trade = sub.add_parser("trade", help="recommendations and the report for one day")
    trade.add_argument("--date", type=dt.date.fromisoformat,
                       default=dt.date.today() - dt.timedelta(days=1))
    _desk_parsers(sub)
    sub.add_parser("status", help="print what is materialized and where")
    for command in sub.choices.values():
        command.add_argument("--debug", action="store_true",
                             help="show the stack trace of a failure")
    args = parser.parse_args(argv)
    # Dagster flags APIs chosen on purpose (single-run backfills, MultiPartitionMapping) as
    # beta/preview on every import; operators reading the CLI output do not need that notice.
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    apply_dagster_event_defaults()
    _tune_gc_for_batch()
    if args.command == "status":
        print_summary_only()
        return 0
    if args.command in DESK_COMMANDS:
        return desk_command(args)
    if args.command == "market":
        return market_command(args)
    if args.command == "selection":
        return 0 if run_selection(args.commodity or UNIVERSE.harvested_keys) else 1
    if args.command == "trade":
        return 0 if run_trading([args.date]) else 1
    if args.command == "forecasts":
        config = DEMO_FORECASTS if args.demo else {}
        ok = run_forecasts(args.commodity or UNIVERSE.commodity_keys, args.model or ZOO.keys,
                           config)
        return 0 if ok else 1
    if args.command == "backtests":
        ok = run_backtests(args.commodity or UNIVERSE.harvested_keys, args.model or ZOO.keys)
        return 0 if ok else 1
    if args.command == "daily":
        as_of = args.as_of or args.date + dt.timedelta(days=1)
        ok = run_daily(args.date, as_of)
        if args.market_only:
            return 0 if ok else 1
        return 0 if run_trading([args.date]) and ok else 1
    if args.command == "demo":
        from trading_platform.cli_market import refuse_demo_in_vendor_mode

        refuse_demo_in_vendor_mode()
        part = demo_slice(args.as_of, args.years)
        result = run_slice(part, {"as_of": args.as_of.isoformat()}, "demo", args.debug)
    else:
        from trading_platform.cli_market import file_slice

        part = file_slice(args.files, args.as_of, args.commodity)
        files = [str(f.resolve()) for f in args.files]
        config = {"files": files, "as_of": args.as_of.isoformat(), "commodity": args.commodity}
        result = run_slice(part, config, "ingest", args.debug)
    print_summary(result)
    if args.command == "demo" and args.market_only:
        return 0 if result.success else 1
    if args.command == "demo" and result.success and args.years < MIN_FORECAST_YEARS:
        print(f"forecasts skipped: they need >= {MIN_FORECAST_YEARS} years of history (1 year "
              "of feature warm-up, 2 years of training, then out-of-sample days); rerun with "
              f"--years {MIN_FORECAST_YEARS} or more")
    elif args.command == "demo" and result.success:
        models = args.model or ZOO.keys
        ok = run_forecasts(UNIVERSE.commodity_keys, models, DEMO_FORECASTS)
        ok = run_backtests(UNIVERSE.harvested_keys, models) and ok
        ok = run_selection(UNIVERSE.harvested_keys) and ok
        ok = run_trading(last_weekdays(part.end, args.trading_days)) and ok
        print("next: `make ui` and open http://localhost:3000 (Assets: market_data, features, "
              "forecasts, backtest_results, backtest_comparison, model_candidates, "
              "champion_model, trade_recommendations, daily_report)")
        return 0 if ok else 1
    return 0 if result.success else 1


def print_summary_only() -> None:
    from trading_platform import cli_market as market

    print(market.show_mode(None, "status"))
    print(market.sources_table())
    with dg.DagsterInstance.get() as instance:
        for key in ("market_data", "features", "forecasts", "backtest_results"):
            count = len(instance.get_materialized_partitions(dg.AssetKey(key)))
            print(f"{key}: {count} partitions materialized")
    where = paths()
    print(f"warehouse: {where.warehouse}\ndagster home: {where.dagster_home}")


if __name__ == "__main__":
    sys.exit(main())
