"""Command line: `demo`, `ingest`, `market`, `forecasts`, `backtests`, `selection`, `futures`,
`screen`, `replay`, `daily`, `trade`, the desk's records and `status`
(``python -m trading_platform.cli`` or the ``trading-platform`` script).

    trading-platform demo [--years N] [--as-of YYYY-MM-DD] [--model M ...] [--trading-days N]
    trading-platform ingest FILE [FILE ...] [--commodity C] [--as-of YYYY-MM-DD]
    trading-platform market mode [synthetic|vendor] | sources
    trading-platform market replace-synthetic --commodity C [--by N] [--reason T]
    trading-platform forecasts [--commodity C ...] [--model M ...] [--demo]
    trading-platform backtests [--commodity C ...] [--model M ...]
    trading-platform selection [--commodity C ...]
    trading-platform futures [--commodity C ...] [--contracts FILE ...]
    trading-platform screen --strategy SPEC [--commodity C ...] [--param NAME=VALUE ...]
    trading-platform replay --strategy SPEC [--candidates] [--commodity C ...] [--param ...]
    trading-platform experiments grid-search|random-search|tpe --name N --strategy SPEC [...]
    trading-platform experiments show ID
    trading-platform experiments promote ID --output-name NAME [--select-by M] [--override R]
    trading-platform experiments compare --baseline SPEC --candidate SPEC [--start --end]
    trading-platform backtest --strategy SPEC [--start D --end D] [--commodity C ...]
    trading-platform daily [--date YYYY-MM-DD]
    trading-platform trade [--date YYYY-MM-DD]   (recommendations + report only)
    trading-platform fill|approve|reject --commodity C --date D [...]
    trading-platform reset-breaker|kill-switch --commodity C --by NAME --reason T
    trading-platform status

Every command takes ``--debug``: a failure then shows its stack trace; without it a failure is
one paragraph (what failed, the file, row and rule where there is one, what to do) and a
non-zero exit code. The parsers live in ``parsers``; each command group's handlers in its own
module, imported only when its command runs (after the GC is tuned for large runs).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Callable, Sequence

import dagster as dg

from trading_platform.cli.errors import CommandError
from trading_platform.cli.parsers import DESK_COMMANDS, build_parser
from trading_platform.settings import apply_dagster_event_defaults

# command -> "module:handler" in trading_platform.cli
HANDLERS = {
    "demo": "demo:demo_command",
    "ingest": "market:ingest_command",
    "market": "market:market_command",
    "status": "market:status_command",
    "forecasts": "research:forecasts_command",
    "backtests": "research:backtests_command",
    "selection": "research:selection_command",
    "futures": "research:futures_command",
    "screen": "replay:screen_command",
    "replay": "replay:replay_command",
    "experiments": "promotion:experiments_command",
    "backtest": "promotion:backtest_command",
    "daily": "desk:daily_command",
    "trade": "desk:trade_command",
    **{command: "desk:desk_command" for command in DESK_COMMANDS},
}


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


def handler(command: str) -> Callable[[argparse.Namespace], int]:
    module, name = HANDLERS[command].split(":")
    return getattr(importlib.import_module(f"trading_platform.cli.{module}"), name)


def _run(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Dagster flags APIs chosen on purpose (single-run backfills, MultiPartitionMapping) as
    # beta/preview on every import; operators reading the CLI output do not need that notice.
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    apply_dagster_event_defaults()
    from trading_platform.cli.runs import tune_gc_for_batch

    tune_gc_for_batch()
    return handler(args.command)(args)
