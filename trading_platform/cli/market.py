"""CLI commands for market data: vendor-file ingestion checks, the data directory's mode, its
source mix, the recorded replacement of synthetic rows, and the one-paragraph failure text.

They read and write the same warehouse and mode file as the assets; the ingest run itself goes
through Dagster (``cli.run_slice``) so the UI shows it like any other materialization.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import dagster as dg
import polars as pl

from trading_platform.cli.errors import CommandError
from trading_platform.cli.runs import print_summary, run_slice
from trading_platform.defs.market.guards import judge_against_store
from trading_platform.defs.partitions import PartitionSlice, extend_for_revisions, slice_covering
from trading_platform.defs.research.staleness import flag_commodity_research
from trading_platform.defs.universe import UNIVERSE
from trading_platform.domain.market.batch import refusal_quarantine
from trading_platform.domain.market.ingest import IngestError, IngestResult
from trading_platform.resources.market_sources import ingest_file
from trading_platform.resources.warehouse import Warehouse
from trading_platform.settings import paths


def warehouse() -> Warehouse:
    """The data directory's warehouse, its tables upgraded to the current columns."""
    store = Warehouse(database=str(paths().warehouse))
    if store.warehouse_exists:
        store.upgrade_tables()
    return store


def _judged(path: Path, commodity: str | None, as_of: dt.date, store: Warehouse,
            mix: pl.DataFrame) -> IngestResult:
    result = None
    try:
        result = ingest_file(path, UNIVERSE, today=as_of, commodity=commodity)
        judge_against_store(result, store, mix)
    except IngestError as error:
        store.replace_quarantine([error.file], refusal_quarantine(error, result))
        raise CommandError(f"refused: {error}. Recorded in market.quarantine "
                           f"({paths().warehouse}).") from error
    return result


def file_slice(files: Sequence[Path], as_of: dt.date, commodity: str | None) -> PartitionSlice:
    """The rectangle an ingest run covers: the accepted rows of ``files``, extended over the
    later stored days whose features their closes feed (so revisions flow downstream)."""
    store = warehouse()
    mix = store.source_mix()
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise CommandError(f"no such file: {', '.join(missing)}; nothing was ingested")
    results = [_judged(f, commodity, as_of, store, mix) for f in files]
    for result in results:
        print(result.summary())
    part = slice_covering([r.accepted for r in results])
    if part is None:
        raise CommandError(f"no accepted rows in {', '.join(map(str, files))}: nothing to "
                           "ingest (every row was quarantined; see the summary above and "
                           "market.quarantine)")
    return extend_for_revisions(part, store.latest_market_dates())


def refuse_demo_in_vendor_mode() -> None:
    """The demo generates synthetic prices: never in a vendor data directory."""
    store = warehouse()
    if store.data_mode() == "vendor":
        raise CommandError(
            f"refused: the demo generates synthetic prices, and {store.data_dir} is in vendor "
            "mode (real prices are never mixed with generated ones). Run the demo in another "
            "data directory: `make demo DATA_DIR=/path/to/demo-data`.")


def show_mode(mode: str | None, by: str) -> str:
    """Print or set the data directory's mode."""
    store = warehouse()
    if mode is None:
        current = store.data_mode()
        return (f"{store.data_dir}: {current or 'undeclared'} mode"
                + ("" if current else " (the first run that writes market data declares it)"))
    if mode == "synthetic":
        vendor = store.source_mix().filter(pl.col("origin") == "vendor")
        if vendor.height:
            names = ", ".join(vendor["commodity"].to_list())
            print(f"note: {names} hold vendor rows; the generator will refuse them")
    store.declare_mode(mode, by)
    return f"{store.data_dir}: {mode} mode (declared by {by})"


def sources_table() -> str:
    """Each commodity's source mix and date range, as stored."""
    mix = warehouse().source_mix()
    if mix.is_empty():
        return "no market rows stored yet"
    lines = [f"{'commodity':<12}{'origin':<11}{'rows':>8}  {'first':<11}{'last':<11}sources"]
    for row in mix.iter_rows(named=True):
        lines.append(f"{row['commodity']:<12}{row['origin']:<11}{row['rows']:>8,}  "
                     f"{row['first']!s:<11}{row['last']!s:<11}{row['sources']}")
    return "\n".join(lines)


def replace_synthetic(commodity: str, by: str, reason: str) -> str:
    """Delete a commodity's synthetic rows (and their features), recorded."""
    if commodity not in UNIVERSE.commodities:
        raise CommandError(f"unknown commodity {commodity!r}; the universe has "
                           f"{', '.join(UNIVERSE.commodity_keys)}")
    change = warehouse().delete_synthetic(commodity, by, reason)
    if not change["rows"]:
        return f"{commodity} holds no synthetic rows: nothing deleted"
    why = (f"the {change['rows']:,} synthetic {commodity} rows this partition was built on "
           f"({change['first']}..{change['last']}) were deleted by {by} ({reason}); rebuild it "
           "on the vendor prices")
    with dg.DagsterInstance.get() as instance:
        flagged = flag_commodity_research(instance, commodity, why, {
            "deleted_rows": change["rows"], "by": by, "reason": reason})
    return (f"deleted {change['rows']:,} synthetic {commodity} rows ({change['first']}.."
            f"{change['last']}) and their features; recorded in market.source_changes; "
            f"{flagged} forecasts and backtest partitions flagged stale. Now ingest the vendor "
            f"file(s): `python -m trading_platform.cli ingest FILE --commodity {commodity}`")


def ingest_command(args: argparse.Namespace) -> int:
    """One run of market_data and features over the files' commodity x date rectangle."""
    part = file_slice(args.files, args.as_of, args.commodity)
    files = [str(f.resolve()) for f in args.files]
    config = {"files": files, "as_of": args.as_of.isoformat(), "commodity": args.commodity}
    result = run_slice(part, config, "ingest", args.debug)
    print_summary(result)
    return 0 if result.success else 1


def market_command(args: argparse.Namespace) -> int:
    if args.market_command == "mode":
        print(show_mode(args.mode, args.by))
    elif args.market_command == "sources":
        print(sources_table())
    else:
        print(replace_synthetic(args.commodity, args.by, args.reason))
    return 0


def status_command(args: argparse.Namespace) -> int:
    """The mode, the source mix, the materialized partitions and where the data lives."""
    print(show_mode(None, "status"))
    print(sources_table())
    with dg.DagsterInstance.get() as instance:
        for key in ("market_data", "features", "forecasts", "backtest_results"):
            count = len(instance.get_materialized_partitions(dg.AssetKey(key)))
            print(f"{key}: {count} partitions materialized")
    where = paths()
    print(f"warehouse: {where.warehouse}\ndagster home: {where.dagster_home}")
    return 0
