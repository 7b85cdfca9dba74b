"""Jobs, by name: sensors and schedules target these names, so they never import definitions."""

import dagster as dg

MARKET_HISTORY_JOB = "market_history"

market_history_job = dg.define_asset_job(
    MARKET_HISTORY_JOB,
    selection=dg.AssetSelection.assets("market_data", "features"),
    description="Market data and features for a commodity x date range (backfills, file drops).",
)

DAILY_JOB = "daily_market"

daily_market_job = dg.define_asset_job(
    DAILY_JOB,
    selection=dg.AssetSelection.assets("market_data", "features"),
    description="Market data and features of one commodity's trading day: the daily chain's "
    "root. The daily schedule requests one run per commodity; automation runs the rest.",
)

FORECASTS_JOB = "research_forecasts"

forecasts_job = dg.define_asset_job(
    FORECASTS_JOB,
    selection=dg.AssetSelection.assets("forecasts"),
    description="Walk-forward forecasts for one commodity x model partition (the research build).",
)

BACKTESTS_JOB = "research_backtests"

backtests_job = dg.define_asset_job(
    BACKTESTS_JOB,
    selection=dg.AssetSelection.assets("backtest_results"),
    description="Every inventory strategy backtested on one commodity x model's forecasts.",
)

COMPARISON_JOB = "research_comparison"

comparison_job = dg.define_asset_job(
    COMPARISON_JOB,
    selection=dg.AssetSelection.assets("backtest_comparison"),
    description="The cross-commodity comparison of every stored backtest (CSVs and charts).",
)

SELECTION_JOB = "research_selection"

selection_job = dg.define_asset_job(
    SELECTION_JOB,
    selection=dg.AssetSelection.assets("model_candidates", "champion_model"),
    description="Score every (model, strategy) of a commodity and choose, register and explain "
    "its champion.",
)

TRADING_JOB = "daily_trading"

trading_job = dg.define_asset_job(
    TRADING_JOB,
    selection=dg.AssetSelection.assets("champion_forecast", "trade_recommendations"),
    description="One commodity's trading day: the champion's forecast, then the recommendation "
    "behind the validators.",
)

REPORT_JOB = "daily_reporting"

report_job = dg.define_asset_job(
    REPORT_JOB,
    selection=dg.AssetSelection.assets("daily_report"),
    description="The day's report pack for every commodity (data/reports/<date>/).",
)

FUTURES_JOB = "research_futures"

futures_job = dg.define_asset_job(
    FUTURES_JOB,
    selection=dg.AssetSelection.assets("contract_prices", "futures_series", "futures_backtests",
                                       "candidate_sets"),
    description="One commodity's futures research: contract prices, the continuous series, "
    "every futures strategy backtested on it and the user strategies' candidate sets.",
)

PORTFOLIO_JOB = "research_portfolio"

portfolio_job = dg.define_asset_job(
    PORTFOLIO_JOB,
    selection=dg.AssetSelection.assets("portfolio_backtests", "trading_book_champion"),
    description="The futures book's model x optimiser matrix and the trading-book champion.",
)

CONTRACTS_JOB = "daily_contracts"

contracts_job = dg.define_asset_job(
    CONTRACTS_JOB,
    selection=dg.AssetSelection.assets("contract_prices"),
    description="One commodity's contract prices through the latest close: what the futures "
    "desk reads (it builds each day's continuous series from them, as known that day).",
)

FUTURES_DESK_JOB = "daily_futures"

futures_desk_job = dg.define_asset_job(
    FUTURES_DESK_JOB,
    selection=dg.AssetSelection.assets("futures_orders", "futures_go_no_go"),
    description="The futures desk's trading day: paper fills, P&L, breakers and today's "
    "orders toward the trading-book champion's target, behind the validators; then the "
    "go/no-go decision on its paper period.",
)
