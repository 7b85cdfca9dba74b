"""Daily-path commands: `daily` (as the schedule runs it), `trade`, and the desk's records
(`fill`, `approve`, `reject`, `reset-breaker`, `kill-switch`), which write the same warehouse
tables the assets read, plus the recommendations table."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence

import polars as pl

from trading_platform.cli.runs import run_daily, run_partitions
from trading_platform.defs.desk.futures_inputs import BOOK_KEY
from trading_platform.defs.desk.inputs import write_halt
from trading_platform.defs.universe import FUTURES_PARTITIONS, UNIVERSE
from trading_platform.domain.desk.ledger import opening_from_ledger, settle
from trading_platform.domain.desk.live import Opening
from trading_platform.domain.desk.recording import ledger_frame
from trading_platform.domain.inventory.backtest import BookSetup
from trading_platform.domain.inventory.book import BookState
from trading_platform.domain.market.scheduling import trading_partition_keys
from trading_platform.domain.statuses import Action, HaltKind, LedgerState, RecommendationStatus
from trading_platform.resources.tables import (
    FUTURES_DESK,
    FUTURES_GO_NO_GO,
    FUTURES_POSITIONS,
    HALTS,
    LEDGER,
    RECOMMENDATIONS,
)
from trading_platform.resources.warehouse import Warehouse
from trading_platform.settings import paths


def warehouse() -> Warehouse:
    return Warehouse(database=str(paths().warehouse))


def record_fill(commodity: str, day: dt.date, quantity: float | None, price: float | None,
                by: str) -> str:
    """Settle a pending manual-mode day: ``quantity`` None approves the decided quantity at
    the close; 0 rejects. Returns what was recorded; ValueError when there is nothing to fill."""
    store = warehouse()
    rows = store.read_where(LEDGER, commodity=commodity, date=day)
    if rows.is_empty() or rows["state"][0] != LedgerState.PENDING:
        state = rows["state"][0] if rows.height else "no ledger row"
        raise ValueError(f"{commodity} {day} is not waiting for a fill ({state}): nothing to "
                         "record; fills apply to manual-mode days whose recommendation was "
                         "ACTIONABLE")
    row = rows.row(0, named=True)
    executed = row["decided_quantity"] if quantity is None else quantity
    fill_price = row["price"] if price is None else price
    setup = BookSetup.for_commodity(UNIVERSE.commodities[commodity],
                                   UNIVERSE.calendar_for(commodity))
    forced = row["action"] == Action.FORCED_SALE
    # an order for the next session leaves today's close as the day's price; a sale at
    # today's close (a forced sale, or fill lag 0) is settled at the recorded price
    at_close = forced or setup.fill_lag == 0
    opening = opening_from_ledger(store.read_where(LEDGER, commodity=commodity), day) or Opening(
        BookState(row["opening_inventory"], row["opening_since"],
                  row.get("opening_pending") or 0.0), row["opening_cash"])
    settled = settle(opening, row["intake"], fill_price if at_close else row["price"],
                     executed, forced, setup)
    state = LedgerState.REJECTED if executed == 0 and row["decided_quantity"] > 0 \
        else LedgerState.EXECUTED
    row |= {"state": str(state), "executed_quantity": executed, "executed_price": fill_price,
            "proceeds": settled.proceeds, "transaction_cost": settled.transaction_cost,
            "storage_cost": settled.storage_cost, "closing_inventory": settled.closing.inventory,
            "closing_cash": settled.closing_cash,
            "closing_since": settled.closing.days_since_sale,
            "closing_pending": settled.closing.pending, "filled_quantity": settled.filled,
            "fill_price": settled.fill_price, "value": settled.value,
            "source": f"manual:{by}"}
    store.replace_rows({"commodity": commodity, "date": day},
                       {LEDGER: ledger_frame([row]).drop("commodity", "date")})
    return (f"{commodity} {day}: {state} {executed:,.2f} at {fill_price:,.2f} by {by}; closing "
            f"stock {settled.closing.inventory:,.2f}")


def reset_breaker(commodity: str, day: dt.date, by: str, reason: str) -> str:
    """Record the manual reset of every halt in force for ``commodity`` (or "*")."""
    store = warehouse()
    halts = store.read_where(HALTS, commodity=commodity)
    active = halts.filter(pl.col("reset_on").is_null()) if halts.height else halts
    if active.is_empty():
        return f"{commodity}: no halt in force, nothing to reset"
    for row in active.iter_rows(named=True):
        write_halt(store, row | {"reset_on": day, "reset_by": by, "reset_reason": reason})
    return (f"{commodity}: {active.height} halt(s) reset on {day} by {by} ({reason}); trading "
            "resumes with the next run, breakers measured from this reset")


def reset_book(book: str, commodity: str | None, day: dt.date, by: str, reason: str) -> str:
    """`desk reset`: the futures book's halts (its own, and the kill switch on "*"), or one
    inventory commodity's; ValueError when the book and the commodity do not go together."""
    if book == "futures":
        if commodity is not None:
            raise ValueError("the futures book halts as a whole: reset it without --commodity")
        messages = [reset_breaker(BOOK_KEY, day, by, reason)]
        every = warehouse().read_where(HALTS, commodity="*")
        if every.height and every.filter(pl.col("reset_on").is_null()).height:
            messages.append("a kill switch on every commodity ('*') is still in force: reset "
                            "it with `reset-breaker --commodity '*'` (it halts both books)")
        return "\n".join(messages)
    if commodity is None:
        raise ValueError("the inventory book halts per commodity: name it with --commodity "
                         "(or '*')")
    return reset_breaker(commodity, day, by, reason)


def kill_switch(commodity: str, day: dt.date, by: str, reason: str) -> str:
    """Halt ``commodity`` ("*": every commodity) from ``day`` until a recorded reset."""
    write_halt(warehouse(), {"commodity": commodity, "tripped_on": day,
                             "kind": str(HaltKind.MANUAL),
                             "reason": f"kill switch by {by}: {reason}"})
    return (f"kill switch on for {'every commodity' if commodity == '*' else commodity} from "
            f"{day}: days are HALTED until `reset-breaker --commodity {commodity}`")


def recommendations_table(day: dt.date) -> str:
    """The day's recommendations as a fixed-width table for the terminal: what was traded and
    on which basis (a provisional champion never trades: see ``basis``)."""
    recs = warehouse().read_where(RECOMMENDATIONS, date=day)
    if recs.is_empty():
        return f"no recommendations stored for {day}"
    lines = [f"{'commodity':<10}{'status':<12}{'action':<13}{'fills on':<12}{'quantity':>12}"
             f"{'price':>11}{'net proceeds':>15}  traded (basis; selected champion)"]
    for r in recs.sort("commodity").iter_rows(named=True):
        action = r["action"] if r["status"] == RecommendationStatus.ACTIONABLE else "NONE"
        fills = str(r.get("fills_on") or "") if action in ("SELL", "FORCED_SALE") else ""
        selected = (f"{r.get('selected_model')} x {r.get('selected_strategy')} "
                    f"{r['champion_status']}" if r.get("selected_model") else r["champion_status"])
        lines.append(f"{r['commodity']:<10}{r['status']:<12}{action:<13}{fills:<12}"
                     f"{r['quantity']:>12,.1f}"
                     f"{r['reference_price']:>11,.2f}{r['net_proceeds']:>15,.0f}  "
                     f"{r['model']} x {r['strategy']} ({r.get('basis') or 'no basis'}; "
                     f"{selected})")
    return "\n".join(lines)


def futures_table(day: dt.date) -> str:
    """The futures desk's day for the terminal: status, basis, value, and the orders sent."""
    store = warehouse()
    desk = store.read_where(FUTURES_DESK, date=day)
    if desk.is_empty():
        return f"no futures desk day stored for {day}"
    row = desk.row(0, named=True)
    lines = [f"{row['status']} ({row['basis']} champion {row['signal_set']} x "
             f"{row['optimiser']}, {row['stage']} stage): value {row['equity']:,.0f}, P&L "
             f"{row['pnl']:,.0f}, costs {row['costs']:,.0f}; gross {row['gross']:.1%}, cash "
             f"{row['cash']:.1%}; {row['orders']} order(s), {row['dropped']} dropped, "
             f"{row['gaps']} data gap(s)"]
    if row["halted_reason"]:
        lines.append(f"HALTED: {row['halted_reason']}")
    orders = store.read_where(FUTURES_POSITIONS, date=day).filter(pl.col("order") != 0)
    for r in orders.sort("commodity").iter_rows(named=True):
        side = "BUY" if r["order"] > 0 else "SELL"
        lines.append(f"  {r['commodity']:<8}{r['contract']:<10}{side:<5}{abs(r['order']):>8,.0f}"
                     f" at {r['price']:>10,.2f}  weight {r['weight_before']:+.1%} -> "
                     f"{r['weight_after']:+.1%}")
    verdict = store.read_where(FUTURES_GO_NO_GO, date=day)
    if verdict.height:
        v = verdict.row(0, named=True)
        lines.append(f"go/no-go: {v['decision']} ({v['paper_days']} of {v['required_days']} "
                     f"paper days; stage {v['stage']} -> {v['next_stage']})"
                     + (f"; not met: {v['failed']}" if v["failed"] else "")
                     + f"; report {paths().reports / day.isoformat() / 'futures' / 'go_no_go.md'}")
    return "\n".join(lines)


def run_futures_desk(day: dt.date) -> bool:
    """The futures desk's day: contract prices through ``day``, then its orders."""
    keys = FUTURES_PARTITIONS.get_partition_keys()
    ok = run_partitions("daily_contracts", keys, {}, f"contract prices {day}",
                        hold_warehouse=True)
    return run_partitions("daily_futures", [day.isoformat()], {}, "futures desk",
                          hold_warehouse=True) and ok


def run_trading(days: Sequence[dt.date]) -> bool:
    """Recommendations for every harvested commodity on each day in order, then each day's
    report pack; prints the last day's recommendations."""
    ok = True
    for day in days:
        keys = trading_partition_keys(day, UNIVERSE)
        ok = run_partitions("daily_trading", keys, {}, f"recommendations {day}",
                             hold_warehouse=True) and ok
        ok = run_futures_desk(day) and ok
        ok = run_partitions("daily_reporting", [day.isoformat()], {}, "report",
                             hold_warehouse=True) and ok
    if days:
        print(f"\nrecommendations for {days[-1]}:\n{recommendations_table(days[-1])}")
        print(f"\nfutures book on {days[-1]}:\n{futures_table(days[-1])}")
        print(f"report: {paths().reports / days[-1].isoformat() / 'report.html'}")
    return ok


def desk_command(args: argparse.Namespace) -> int:
    try:
        if args.command == "desk":
            print(reset_book(args.book, args.commodity, args.date, args.by, args.reason))
        elif args.command == "reset-breaker":
            print(reset_breaker(args.commodity, args.date, args.by, args.reason))
        elif args.command == "kill-switch":
            print(kill_switch(args.commodity, args.date, args.by, args.reason))
        else:
            quantity = {"fill": getattr(args, "quantity", None), "approve": None,
                        "reject": 0.0}[args.command]
            print(record_fill(args.commodity, args.date, quantity, getattr(args, "price", None),
                              args.by))
    except ValueError as error:
        print(f"refused: {error}", file=sys.stderr)
        return 2
    return 0


def trade_command(args: argparse.Namespace) -> int:
    return 0 if run_trading([args.date]) else 1


def daily_command(args: argparse.Namespace) -> int:
    as_of = args.as_of or args.date + dt.timedelta(days=1)
    ok = run_daily(args.date, as_of)
    if args.market_only:
        return 0 if ok else 1
    return 0 if run_trading([args.date]) and ok else 1
