"""The daily schedule: after the close on weekdays, one run per commodity that traded today."""

import dagster as dg

from trading_platform.defs.jobs import (
    BACKTESTS_JOB,
    DAILY_JOB,
    FORECASTS_JOB,
    REPORT_JOB,
    SELECTION_JOB,
    TRADING_JOB,
)
from trading_platform.defs.universe import UNIVERSE, ZOO
from trading_platform.domain.scheduling import (
    daily_partition_keys,
    research_keys,
    trading_partition_keys,
)

# 18:30 New York: after the ICE softs, CBOT grains and NYMEX crude settlements.
DAILY_CRON = "30 18 * * 1-5"
DAILY_TIMEZONE = "America/New_York"


@dg.schedule(
    cron_schedule=DAILY_CRON,
    execution_timezone=DAILY_TIMEZONE,
    job_name=DAILY_JOB,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Loads the day that just closed for every commodity that traded, after the close.",
)
def daily_after_close(context: dg.ScheduleEvaluationContext):
    day = context.scheduled_execution_time.date()
    keys = daily_partition_keys(day, UNIVERSE)
    if not keys:
        return dg.SkipReason(f"{day} is not a trading day for any commodity")
    return [dg.RunRequest(run_key=f"daily:{key}", partition_key=key) for key in keys]


# After the market runs of the close: 19:00 the recommendations, 19:30 the report. A late
# market run shows up as a blocked day (market_data_fresh), never as a trade on stale data.
@dg.schedule(
    cron_schedule="0 19 * * 1-5",
    execution_timezone=DAILY_TIMEZONE,
    job_name=TRADING_JOB,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Today's recommendation for every harvested commodity that traded today.",
)
def trading_after_close(context: dg.ScheduleEvaluationContext):
    day = context.scheduled_execution_time.date()
    keys = trading_partition_keys(day, UNIVERSE)
    if not keys:
        return dg.SkipReason(f"{day} is not a trading day for any harvested commodity")
    return [dg.RunRequest(run_key=f"trading:{key}", partition_key=key) for key in keys]


@dg.schedule(
    cron_schedule="30 19 * * 1-5",
    execution_timezone=DAILY_TIMEZONE,
    job_name=REPORT_JOB,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="The day's report pack, after the recommendations.",
)
def report_after_close(context: dg.ScheduleEvaluationContext):
    day = context.scheduled_execution_time.date()
    if not trading_partition_keys(day, UNIVERSE):
        return dg.SkipReason(f"{day} is not a trading day for any harvested commodity")
    return dg.RunRequest(run_key=f"report:{day}", partition_key=day.isoformat())


# The weekly research cycle, sequenced by time: forecasts Saturday (one run per commodity x
# model; the model_training pool runs them one at a time), backtests Sunday 02:00, selection
# Sunday 06:00, so Monday trades with a fresh champion. Each step reads what is stored.
def _research_requests(job_prefix: str, keys: list[str], context) -> list[dg.RunRequest]:
    week = context.scheduled_execution_time.strftime("%G-W%V")
    return [dg.RunRequest(run_key=f"{job_prefix}:{week}:{key}", partition_key=key)
            for key in keys]


@dg.schedule(cron_schedule="0 2 * * 6", execution_timezone=DAILY_TIMEZONE, job_name=FORECASTS_JOB,
             description="Weekly: refit every model's walk-forward forecasts.")
def weekly_forecasts(context: dg.ScheduleEvaluationContext):
    return _research_requests("forecasts", research_keys(UNIVERSE.commodity_keys, ZOO.keys),
                              context)


@dg.schedule(cron_schedule="0 2 * * 0", execution_timezone=DAILY_TIMEZONE, job_name=BACKTESTS_JOB,
             description="Weekly: backtest every strategy on the refreshed forecasts.")
def weekly_backtests(context: dg.ScheduleEvaluationContext):
    return _research_requests("backtests", research_keys(UNIVERSE.harvested_keys, ZOO.keys),
                              context)


@dg.schedule(cron_schedule="0 6 * * 0", execution_timezone=DAILY_TIMEZONE, job_name=SELECTION_JOB,
             description="Weekly: score the candidates and choose each commodity's champion.")
def weekly_selection(context: dg.ScheduleEvaluationContext):
    return _research_requests("selection", list(UNIVERSE.harvested_keys), context)
