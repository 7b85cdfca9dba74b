"""The daily schedule: after the close on weekdays, one run per commodity that traded today.

It starts the daily chain's root (market_data and features); everything downstream, and the
weekly research chain, runs by automation conditions on the assets (``defs/automation.py``),
in dependency order, never staggered on the clock.
"""

import dagster as dg

from trading_platform.defs.automation import TIMEZONE
from trading_platform.defs.ops.jobs import DAILY_JOB
from trading_platform.defs.universe import UNIVERSE
from trading_platform.domain.market.scheduling import daily_partition_keys

# 18:30 New York: after the ICE softs, CBOT grains and NYMEX crude settlements.
DAILY_CRON = "30 18 * * 1-5"
DAILY_TIMEZONE = TIMEZONE


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
