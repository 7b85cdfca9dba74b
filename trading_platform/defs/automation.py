"""The chains run in dependency order, declared on the assets (no schedule waits on another).

Daily chain: the ``daily_after_close`` schedule starts the root (market_data and features of
the day that just closed, one run per commodity that traded). Downstream, each step runs when
its own inputs for a recent day were updated and none is still running: champion_forecast,
then trade_recommendations, then daily_report. A new champion never re-forecasts or re-trades a
day already traded (the champion dependency is ignored by the trigger).

Weekly research chain, on one weekly tick (Saturday 02:00 New York): forecasts at the tick;
backtest_results when its forecasts were rebuilt since the tick; backtest_comparison and
model_candidates when every backtest they read was rebuilt since the tick; champion_model when
its candidates were. A step whose inputs failed waits, so a partial week never picks a
champion. Daily market updates do not trigger research (they are ignored by the trigger).

The ``automation`` sensor evaluates these conditions; it starts RUNNING with the daemon.
"""

import datetime as dt

import dagster as dg

TIMEZONE = "America/New_York"
WEEKLY_CRON = "0 2 * * 6"
MARKET_ASSETS = dg.AssetSelection.assets("market_data", "features")
CHAMPION = dg.AssetSelection.assets("champion_model")

_TICK = dg.AutomationCondition.cron_tick_passed(WEEKLY_CRON, TIMEZONE)
_REBUILT_SINCE_TICK = (dg.AutomationCondition.newly_updated()
                       | dg.AutomationCondition.will_be_requested()).since(_TICK)
# Like on_cron(), but "every input rebuilt since the tick" means every input PARTITION (on_cron
# counts an upstream asset as updated when any one of its partitions was): model_candidates
# waits for all ten of its commodity's backtests, backtest_comparison for all fifty.
WEEKLY_STEP = (
    _TICK.since_last_handled()
    & ~dg.AutomationCondition.any_deps_match(~_REBUILT_SINCE_TICK).ignore(MARKET_ASSETS)
    & ~dg.AutomationCondition.in_progress()
)
# The days a daily step may still start: today's partition opens at 00:00 UTC, which is 19:00
# or 20:00 in New York, so the day that just closed must stay eligible past that boundary (and
# over a weekend); a missed day never starts later than this by itself (backfill it).
DAILY_LOOKBACK = dt.timedelta(days=4)
_RECENT = dg.AutomationCondition.in_latest_time_window(lookback_delta=DAILY_LOOKBACK)
_SETTLED = ~dg.AutomationCondition.any_deps_in_progress() & ~dg.AutomationCondition.in_progress()
# Like eager(), over the recent days; a new champion never re-forecasts or re-trades a day
# already traded (its update is not a trigger).
DAILY_STEP = (
    _RECENT
    & (dg.AutomationCondition.newly_missing()
       | dg.AutomationCondition.any_deps_updated().ignore(CHAMPION)).since_last_handled()
    & ~dg.AutomationCondition.any_deps_missing()
    & _SETTLED
)
# The report of a day waits for no "all commodities": a commodity whose exchange is closed that
# day never has a partition. It is rebuilt after each recommendation of the day lands, and after
# the futures desk's day and its go/no-go (futures_go_no_go) are recorded.
DAILY_REPORT_STEP = (
    _RECENT & dg.AutomationCondition.any_deps_updated().since_last_handled() & _SETTLED
)
# Market data of weekday D is due by 20:00 New York on D (the schedule runs at 18:30).
MARKET_FRESHNESS = dg.FreshnessPolicy.cron(deadline_cron="0 20 * * 1-5",
                                           lower_bound_delta=dt.timedelta(hours=2),
                                           timezone=TIMEZONE)

automation = dg.AutomationConditionSensorDefinition(
    "automation", target=dg.AssetSelection.all(), default_status=dg.DefaultSensorStatus.RUNNING,
    description="Runs the daily and weekly chains in dependency order (defs/automation.py).")
