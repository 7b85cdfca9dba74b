"""The futures desk's asset over paper days after a futures research cut: fills, P&L and orders
behind every blocking check, an idempotent rerun, a stored price revised after a day traded
caught by the parity replay, and a halt that stops new orders until its recorded reset."""

import datetime as dt
import itertools
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from trading_platform.cli.desk import kill_switch, reset_book
from trading_platform.cli.parsers import build_parser
from trading_platform.defs.desk.futures_day import CHAMPION_COLUMNS, champion_key
from trading_platform.defs.desk.futures_go_no_go import _store as store_go_no_go
from trading_platform.defs.desk.futures_go_no_go import futures_go_no_go
from trading_platform.defs.desk.futures_inputs import BOOK_KEY
from trading_platform.defs.desk.futures_orders import CHECKS, futures_orders
from trading_platform.defs.market.futures_prices import contract_prices, futures_series
from trading_platform.defs.partitions import PartitionSlice
from trading_platform.defs.research.futures_backtests import futures_backtests
from trading_platform.defs.research.portfolio import portfolio_backtests, trading_book_champion
from trading_platform.domain.desk.trading_book.go_no_go import GoNoGoReport
from trading_platform.domain.statuses import GoNoGoDecision
from trading_platform.resources.forecast_files import record_checks, write_matrices
from trading_platform_tests.defs.conftest import Harness, production_like_instance
from trading_platform_tests.defs.research.test_futures_assets import (
    COMMODITIES,
    PASSED,
    FuturesHarness,
)

CUT = dt.date(2023, 12, 8)
DAYS = [dt.date(2023, 12, d) for d in (11, 12, 13, 14, 15)]


def _write_store(harness: FuturesHarness, commodity: str, model: str) -> None:
    """Forecasts up to the research cut only: later days belong to the desk."""
    rows = harness.query(f"select date, close from market.market_data where commodity = "
                         f"'{commodity}' and date <= '{CUT}' order by date")
    dates = np.array([d for d, _ in rows], dtype="datetime64[D]")[300:]
    close = np.array([c for _, c in rows])[300:]
    rng = np.random.default_rng(len(commodity))
    paths = close[:, None, None] + np.cumsum(rng.normal(0.0, 1.0, (dates.size, 30, 14)), axis=2)
    folder = harness.resources["forecast_store"].folder(commodity, model)
    write_matrices(folder, dates, paths.astype(np.float32), dates[0], dates - 1,
                   {"model": model, "data_range": f"{dates[0]}..{dates[-1]}"})
    record_checks(folder, PASSED)


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    root = tmp_path_factory.mktemp("futures_desk")
    with production_like_instance(root / "dagster_home") as instance:
        market = Harness(root / "warehouse.duckdb", instance)
        assert market.run(PartitionSlice(COMMODITIES, dt.date(2021, 1, 4), DAYS[-1])).success
        harness = FuturesHarness(root, instance, market)
        for commodity in COMMODITIES:
            _write_store(harness, commodity, "synthetic_80")
        for commodity in COMMODITIES:
            assert harness.materialize([contract_prices, futures_series, futures_backtests],
                                       commodity).success
        assert harness.materialize([portfolio_backtests, trading_book_champion]).success
        yield harness


def _day(desk, day: dt.date):
    result = desk.materialize([futures_orders], day.isoformat())
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    return result, checks


def _rows(desk, sql: str) -> list[tuple]:
    return desk.query(sql)


def test_futures_orders_given_paper_days_fill_mark_and_pass_every_check(desk):
    for day in DAYS[:4]:
        result, checks = _day(desk, day)
        assert result.success, day
        assert set(checks) == set(CHECKS)
        assert all(c.passed for c in checks.values()), [
            c.description for c in checks.values() if not c.passed]
    rows = _rows(desk, "select date, status, basis, stage, equity, pnl, costs, signal_set "
                 "from trading.futures_desk order by date")
    assert [r[0] for r in rows] == DAYS[:4]
    assert {r[1] for r in rows} <= {"ACTIONABLE"} and {r[3] for r in rows} == {"shadow"}
    # the book's value moves by its P&L net of costs, day by day
    for before, after in itertools.pairwise(rows):
        assert after[4] == pytest.approx(before[4] + after[5] - after[6])
    # each day's orders are the next day's fills
    traded = 0
    for day, following in itertools.pairwise(DAYS[:4]):
        orders = dict(_rows(desk, f"select commodity, \"order\" from trading.futures_positions "
                                  f"where date = '{day}'"))
        fills = dict(_rows(desk, f"select commodity, filled from trading.futures_positions "
                                 f"where date = '{following}'"))
        assert orders == fills
        traded += sum(1 for v in orders.values() if v)
        trades = pl.read_csv(Path(desk.resources["reports"].root) / str(day) / "futures"
                             / "trades.csv")
        assert sorted(trades["commodity"].to_list()) == sorted(c for c, v in orders.items()
                                                               if v)
        assert set(trades["side"]) <= {"BUY", "SELL"}
    assert traded, "the paper days must trade something to test fills"
    weights = pl.read_csv(Path(desk.resources["reports"].root) / str(DAYS[3]) / "futures"
                          / "portfolio_weights.csv")
    assert weights["commodity"].to_list() == [*sorted(COMMODITIES), "cash"]
    assert weights["weight_before"].abs().sum() == pytest.approx(1.0)


def test_futures_orders_given_a_rerun_replaces_the_day_identically(desk):
    before = _rows(desk, f"select * exclude (date) from trading.futures_positions where date = "
                         f"'{DAYS[3]}' order by commodity")
    result, _ = _day(desk, DAYS[3])
    assert result.success
    after = _rows(desk, f"select * exclude (date) from trading.futures_positions where date = "
                        f"'{DAYS[3]}' order by commodity")
    assert str(after) == str(before)  # NaN fill prices on days without a fill
    assert _rows(desk, "select count(*) from trading.futures_desk")[0][0] == 4


def test_futures_orders_given_a_price_revised_after_a_day_traded_fails_parity(desk):
    database = desk.resources["warehouse"].database
    with duckdb.connect(database) as connection:
        connection.execute(f"update market.contract_prices set close = close * 1.2 where "
                           f"date <= '{DAYS[1]}' and date >= '{DAYS[1] - dt.timedelta(days=40)}'")
    try:
        result, checks = _day(desk, DAYS[4])
        parity = checks["futures_backtest_live_parity"]
        assert not parity.passed and not result.success
        assert str(DAYS[0]) in parity.description or str(DAYS[1]) in parity.description
    finally:
        with duckdb.connect(database) as connection:
            connection.execute(f"update market.contract_prices set close = close / 1.2 where "
                               f"date <= '{DAYS[1]}' and date >= "
                               f"'{DAYS[1] - dt.timedelta(days=40)}'")


def test_futures_orders_given_a_kill_switch_halts_until_a_recorded_reset(desk, monkeypatch):
    monkeypatch.setattr("trading_platform.cli.desk.warehouse", lambda: desk.resources["warehouse"])
    kill_switch(BOOK_KEY, DAYS[4], "tester", "planted halt")
    _day(desk, DAYS[4])
    status, orders = _rows(desk, f"select status, orders from trading.futures_desk where date = "
                                 f"'{DAYS[4]}'")[0]
    assert status == "HALTED" and orders == 0
    args = build_parser().parse_args(["desk", "reset", "--book", "futures", "--reason",
                                      "checked the planted halt", "--by", "tester",
                                      "--date", DAYS[4].isoformat()])
    message = reset_book(args.book, args.commodity, args.date, args.by, args.reason)
    assert "1 halt(s) reset" in message and "checked the planted halt" in message
    _day(desk, DAYS[4])
    assert _rows(desk, f"select status from trading.futures_desk where date = "
                       f"'{DAYS[4]}'")[0][0] == "ACTIONABLE"


def test_reset_book_given_a_book_and_commodity_that_do_not_go_together_refuses():
    with pytest.raises(ValueError, match="halts as a whole"):
        reset_book("futures", "coffee", DAYS[0], "tester", "x")
    with pytest.raises(ValueError, match="name it with --commodity"):
        reset_book("inventory", None, DAYS[0], "tester", "x")


def _go_no_go(desk, day: dt.date, limits: Path | None = None):
    config = {"ops": {"futures_go_no_go": {"config": {"risk_limits": str(limits)}}}} \
        if limits else None
    result = desk.materialize([futures_go_no_go], day.isoformat(), config)
    row = dict(zip(("decision", "paper_days", "stage", "next_stage", "failed"), _rows(
        desk, f"select decision, paper_days, stage, next_stage, failed from "
              f"trading.futures_go_no_go where date = '{day}'")[0], strict=True))
    return result, row


def test_futures_go_no_go_given_fewer_paper_days_than_required_is_pending(desk):
    result, row = _go_no_go(desk, DAYS[3])
    assert result.success
    assert row["decision"] == "PENDING" and row["paper_days"] == 4
    assert row["stage"] == row["next_stage"] == "shadow"
    folder = Path(desk.resources["reports"].root) / str(DAYS[3]) / "futures"
    report = (folder / "go_no_go.md").read_text()
    assert "**PENDING**" in report and "4 of 20" in report and "rerun_gives_same_orders" in report
    assert (folder / "go_no_go.png").stat().st_size > 1000


def test_futures_go_no_go_given_a_planted_kill_switch_in_the_period_is_no_go(desk, tmp_path):
    # the kill switch test above recorded a halt on DAYS[4]: with five paper days required,
    # the period is complete and the trip alone must keep the champion out of capital
    limits = tmp_path / "risk_limits.yaml"
    limits.write_text("futures:\n  go_no_go:\n    paper_days: 5\n    min_sharpe: -100\n")
    result, row = _go_no_go(desk, DAYS[4], limits)
    assert result.success
    assert row["decision"] == "NO_GO" and row["paper_days"] == 5
    assert "no_breaker_trips" in row["failed"]
    assert "rerun_gives_same_orders" not in row["failed"]
    assert row["next_stage"] == row["stage"] == "shadow"
    assert not _tables(desk, "futures_stages")  # no GO, no stage on record


def test_futures_orders_given_a_go_stage_on_record_trades_at_that_stage(desk):
    # the paper day with the most orders, run again after a GO recorded the day before it
    day = max(DAYS[1:], key=lambda d: _rows(desk, f"select orders from trading.futures_desk "
                                                  f"where date = '{d}'")[0][0])
    champion = _rows(desk, f"select signal_set, optimiser, strategy_hash, book_config_hash, "
                           f"basis from trading.futures_desk where date = '{day}'")[0]
    key = champion_key(dict(zip(CHAMPION_COLUMNS, champion[:4], strict=True)))
    store_go_no_go(desk.resources["warehouse"], GoNoGoReport(
        day - dt.timedelta(days=1), key, GoNoGoDecision.GO, 0.0, 0.1, [], {"paper_days": 20},
        pl.DataFrame()))
    assert _rows(desk, "select champion, stage_name from trading.futures_stages") == [
        (key, "10 %")]
    _day(desk, day)
    stage, share = _rows(desk, f"select stage, capital_share from trading.futures_desk where "
                               f"date = '{day}'")[0]
    if champion[4] == "provisional":  # a provisional champion never leaves the shadow stage
        assert (stage, share) == ("shadow", 0.0)
    else:
        assert (stage, share) == ("10 %", 0.1)
    trades = pl.read_csv(Path(desk.resources["reports"].root) / str(day) / "futures"
                         / "trades.csv")
    assert trades.height
    expected = (trades["contracts"].cast(pl.Float64) * share + 1e-9).floor()
    assert trades["live_contracts"].cast(pl.Float64).to_list() == expected.to_list()
    assert trades["reason"].str.contains(f"{stage} stage").all()


def _tables(desk, name: str) -> bool:
    return bool(_rows(desk, f"select count(*) from information_schema.tables where "
                            f"table_name = '{name}'")[0][0])
