"""The command line's surface: every command, its options and their help, in one place."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from trading_platform.defs.universe import UNIVERSE, ZOO

# The demo paper-trades its last days, so the ledger, the breakers and parity have history.
DEMO_TRADING_DAYS = 5
DESK_COMMANDS = ("fill", "approve", "reject", "reset-breaker", "kill-switch", "desk")


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
    desk = sub.add_parser("desk", help="a book's halts: reset (futures: the whole book)")
    verbs = desk.add_subparsers(dest="desk_command", required=True)
    reset = verbs.add_parser("reset", help="record the manual reset of a book's halts; "
                                           "trading resumes with the next run")
    reset.add_argument("--book", choices=("futures", "inventory"), required=True)
    reset.add_argument("--commodity", default=None,
                       help="the inventory book's commodity ('*': all); not for futures")
    reset.add_argument("--reason", required=True)
    reset.add_argument("--by", default="desk", help="who resets (kept with the halt)")
    reset.add_argument("--date", type=dt.date.fromisoformat, default=today)


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


def _replay_parsers(sub: argparse._SubParsersAction) -> None:
    futures = [k for k in UNIVERSE.commodity_keys if UNIVERSE.commodities[k].futures]
    for name, text in (("screen", "a user strategy's candidate bars on the stored series"),
                       ("replay", "a user strategy replayed on the stored series (every bar, "
                                  "or the candidate bars with --candidates)")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--strategy", required=True, metavar="SPEC",
                         help="a name from config/user_strategies.yaml or a YAML spec file")
        cmd.add_argument("--commodity", action="append", choices=futures)
        cmd.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                         help="override a parameter of the spec")
        if name == "replay":
            cmd.add_argument("--candidates", action="store_true",
                             help="call the strategy on its candidate bars only (focused)")


def _window_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--start", type=dt.date.fromisoformat)
    cmd.add_argument("--end", type=dt.date.fromisoformat)
    cmd.add_argument("--commodity", action="append")


def _experiment_parsers(sub: argparse._SubParsersAction) -> None:
    experiments = sub.add_parser("experiments", help="parameter searches of a user strategy, "
                                 "the overfitting gate, and reading a search back")
    verbs = experiments.add_subparsers(dest="experiments_command", required=True)
    for name, text in (("grid-search", "every combination of the space"),
                       ("random-search", "--trials seeded draws from the space"),
                       ("tpe", "--trials Bayesian (TPE) trials; resumes a killed search")):
        verb = verbs.add_parser(name, help=text)
        verb.add_argument("--name", required=True, help="the experiment's id")
        verb.add_argument("--strategy", required=True, metavar="SPEC")
        verb.add_argument("--space", metavar="FILE", help="a YAML search definition or space")
        verb.add_argument("--commodity", action="append")
        for edge in ("train-start", "train-end", "test-start", "test-end"):
            verb.add_argument(f"--{edge}", type=dt.date.fromisoformat)
        verb.add_argument("--trials", type=int,
                          help="random and TPE: trials to run (default: the file's, else 50)")
        verb.add_argument("--objective", choices=("sharpe", "sortino", "cagr", "calmar"))
        verb.add_argument("--seed", type=int)
        verb.add_argument("--book", choices=("user", "futures", "inventory"),
                          help="whose strategy (default: the file's, else user)")
        verb.add_argument("--model", help="inventory: the model whose forecasts it reads")
        if name == "tpe":
            verb.add_argument("--prune", action="store_true",
                              help="stop trials whose first commodities fall below the median")
    show = verbs.add_parser("show", help="a stored search: top runs and the gate")
    show.add_argument("id")
    show.add_argument("--export", choices=("html",), help="also write the HTML report")
    promote = verbs.add_parser("promote", help="a search's best run as a new strategy "
                               "version, through the overfitting gate")
    promote.add_argument("id")
    promote.add_argument("--output-name", required=True)
    promote.add_argument("--select-by", choices=("sharpe", "cagr", "sortino"),
                         default="sharpe")
    promote.add_argument("--expected-impact", metavar="TEXT")
    promote.add_argument("--override", metavar="REASON",
                         help="promote a run the gate refuses (recorded as an override)")
    compare = verbs.add_parser("compare", help="two specs on identical data")
    compare.add_argument("--baseline", required=True, metavar="SPEC")
    compare.add_argument("--candidate", required=True, metavar="SPEC")
    compare.add_argument("--model", help="inventory versions: whose forecasts (default: the "
                         "candidate's)")
    _window_options(compare)
    for verb in verbs.choices.values():
        verb.add_argument("--debug", action="store_true", help="show the stack trace of a "
                          "failure")


def build_parser() -> argparse.ArgumentParser:
    """Every command; each takes ``--debug``."""
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
    fut = sub.add_parser("futures", help="the futures book: contract prices, series, every "
                         "strategy, the model x optimiser matrix and the trading-book champion")
    fut.add_argument("--commodity", action="append", choices=UNIVERSE.commodity_keys)
    fut.add_argument("--contracts", action="append", default=[], metavar="FILE",
                     help="per-contract price file (date, contract, close) of the one "
                     "--commodity given (vendor data directory)")
    _replay_parsers(sub)
    _experiment_parsers(sub)
    backtest = sub.add_parser("backtest", help="a user strategy (or a promoted version) on "
                              "every bar of the stored series, with its metrics")
    backtest.add_argument("--strategy", required=True, metavar="SPEC")
    _window_options(backtest)
    trade = sub.add_parser("trade", help="recommendations and the report for one day")
    trade.add_argument("--date", type=dt.date.fromisoformat,
                       default=dt.date.today() - dt.timedelta(days=1))
    _desk_parsers(sub)
    sub.add_parser("status", help="print what is materialized and where")
    for command in sub.choices.values():
        command.add_argument("--debug", action="store_true",
                             help="show the stack trace of a failure")
    return parser
