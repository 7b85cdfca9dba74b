"""The daily schedule evaluated as Dagster would, and one daily run end to end."""

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg

from trading_platform.definitions import platform_definitions
from trading_platform.defs.ops.schedules import DAILY_TIMEZONE, daily_after_close

NEW_YORK = ZoneInfo(DAILY_TIMEZONE)


def _evaluate(local: dt.datetime):
    context = dg.build_schedule_context(
        scheduled_execution_time=local.replace(tzinfo=NEW_YORK),
        repository_def=platform_definitions().get_repository_def(),
    )
    return daily_after_close.evaluate_tick(context)


def test_daily_schedule_given_weekday_tick_requests_one_run_per_commodity():
    result = _evaluate(dt.datetime(2024, 11, 20, 18, 30))
    keys = [request.partition_key for request in result.run_requests]
    assert keys == [f"{c}|2024-11-20" for c in
                    ("cocoa", "coffee", "corn", "crude", "sugar", "wheat")]
    assert len({request.run_key for request in result.run_requests}) == 6


def test_daily_schedule_given_holiday_tick_skips_with_reason():
    result = _evaluate(dt.datetime(2024, 12, 25, 18, 30))
    assert not result.run_requests
    assert "2024-12-25 is not a trading day" in result.skip_message


def test_daily_schedule_given_cron_fires_on_weekdays_after_the_close_only():
    schedule = platform_definitions().resolve_schedule_def("daily_after_close")
    assert schedule.cron_schedule == "30 18 * * 1-5"
    assert schedule.execution_timezone == DAILY_TIMEZONE
    assert schedule.job_name == "daily_market"


def test_daily_job_given_one_partition_materializes_that_day(harness):
    result = harness.run_partition("corn|2024-11-20", as_of="2024-11-21")
    assert result.success
    assert harness.query("select commodity, date from market.market_data") == [
        ("corn", dt.date(2024, 11, 20))]
    assert harness.query("select count(*) from market.features")[0][0] == 1


def test_daily_cli_given_holiday_runs_nothing_and_succeeds(capsys):
    from trading_platform.cli.runs import run_daily

    assert run_daily(dt.date(2024, 12, 25), dt.date(2024, 12, 26))
    assert "not a trading day for any commodity" in capsys.readouterr().out
