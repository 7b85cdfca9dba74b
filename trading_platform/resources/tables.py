"""The typed catalogue of warehouse tables: every table the platform writes, named once.

A ``Table`` is its qualified name ``schema.table`` (a ``str``, so it goes straight into SQL and
the warehouse methods) and carries its schema, its name and what it holds. Schemas match the
asset groups: ``market``, ``research``, ``trading``. Tables written by the IO manager are named
after their asset (``market.market_data``, ``market.features``); the others are written by the
assets through the ``Warehouse`` resource. test_architecture.py fails on a table name written as
a string literal anywhere else.
"""

from __future__ import annotations


class Table(str):
    """``schema.table``, with ``schema``, ``name`` and ``what`` (one line on its rows)."""

    schema: str
    name: str
    what: str

    def __new__(cls, schema: str, name: str, what: str) -> Table:
        table = super().__new__(cls, f"{schema}.{name}")
        table.schema, table.name, table.what = schema, name, what
        return table


MARKET_DATA = Table("market", "market_data", "validated daily OHLCV per commodity, with provenance")
FEATURES = Table("market", "features", "point-in-time features per commodity and day")
QUARANTINE = Table("market", "quarantine", "every refused file and row: file, row, rule, value")
REVISIONS = Table("market", "revisions", "stored closes that a later file changed")
SOURCE_CHANGES = Table("market", "source_changes", "recorded replacements of synthetic rows")
CONTRACT_PRICES = Table("market", "contract_prices", "closes per commodity, date and contract")
FUTURES_SERIES = Table("market", "futures_series",
                       "held contract, raw and back-adjusted close, rolls, per commodity and day")

BACKTEST_SUMMARY = Table("research", "backtest_summary", "best strategies per commodity x model")
BACKTEST_METRICS = Table("research", "backtest_metrics", "every strategy's metrics per pair")
BACKTEST_SEASONS = Table("research", "backtest_seasons", "every strategy's metrics per season")
BACKTEST_FORCED = Table("research", "backtest_forced", "forced-liquidation analysis")
BACKTEST_SALES = Table("research", "backtest_sales", "every simulated sale")
BACKTEST_DAILY = Table("research", "backtest_daily", "every strategy's book, day by day")
MODEL_CANDIDATES = Table("research", "model_candidates", "every (model, strategy) scored")
CANDIDATE_REGIMES = Table("research", "candidate_regimes", "candidate P&L by market regime")
CHAMPIONS = Table("research", "champions", "the chosen champion per commodity and lineage")
CHAMPION_HISTORY = Table("research", "champion_history",
                         "every selection's champion per commodity and selection cut")
FUTURES_METRICS = Table("research", "futures_metrics",
                        "every futures strategy's metrics per commodity and model")
FUTURES_DAILY = Table("research", "futures_daily", "every futures strategy's book, day by day")
FUTURES_TRADES = Table("research", "futures_trades", "every futures strategy's trades")
PORTFOLIO_METRICS = Table("research", "portfolio_metrics",
                          "the model x optimiser matrix: metrics per cell")
PORTFOLIO_EQUITY = Table("research", "portfolio_equity", "every cell's equity and drawdown")
PORTFOLIO_WEIGHTS = Table("research", "portfolio_weights", "every optimiser's weights by day")
PORTFOLIO_CONTRIBUTION = Table("research", "portfolio_contribution",
                               "every cell's net P&L per commodity")
PORTFOLIO_REGIMES = Table("research", "portfolio_regimes", "every cell's returns by regime")
REPLAY_CANDIDATES = Table("research", "replay_candidates",
                          "every user strategy's candidate bars per commodity and screen")
REPLAY_RUNS = Table("research", "replay_runs",
                    "every user strategy replay (full, focused, sweep) with its metrics")
REPLAY_TRADES = Table("research", "replay_trades", "every user strategy replay's trade log")
EXPERIMENTS = Table("research", "experiments", "every parameter search: what ran, on what data")
TRIALS = Table("research", "trials", "every trial of every search: parameters, status, metrics")
TRIAL_RETURNS = Table("research", "trial_returns", "every finished trial's daily returns")
EXPERIMENT_GATE = Table("research", "experiment_gate",
                        "the overfitting gate's criteria for each search's chosen trial")
BOOK_CANDIDATES = Table("research", "book_candidates",
                        "every matrix cell scored on the selection window and the holdout")
BOOK_CHAMPIONS = Table("research", "book_champions", "every trading-book champion chosen")

RECOMMENDATIONS = Table("trading", "recommendations", "the day's action per commodity")
VALIDATIONS = Table("trading", "validations", "every validator verdict per commodity and day")
LEDGER = Table("trading", "ledger", "the paper book, day by day")
HALTS = Table("trading", "halts", "breaker trips, kill switches and their resets")
FUTURES_DESK = Table("trading", "futures_desk",
                     "the futures desk's day: status, paper value, champion, risk figures")
FUTURES_POSITIONS = Table("trading", "futures_positions",
                          "the futures paper book per commodity and day: fills, P&L, orders")
FUTURES_GO_NO_GO = Table("trading", "futures_go_no_go",
                         "the futures desk's go/no-go decision each day, with its figures")
FUTURES_STAGES = Table("trading", "futures_stages",
                       "each futures champion's capital stage and the GO that moved it there")

BACKTEST_TABLES = {"summary": BACKTEST_SUMMARY, "metrics": BACKTEST_METRICS,
                   "seasons": BACKTEST_SEASONS, "forced": BACKTEST_FORCED,
                   "sales": BACKTEST_SALES, "daily": BACKTEST_DAILY}
PORTFOLIO_TABLES = {"metrics": PORTFOLIO_METRICS, "equity": PORTFOLIO_EQUITY,
                    "weights": PORTFOLIO_WEIGHTS, "contribution": PORTFOLIO_CONTRIBUTION,
                    "regimes": PORTFOLIO_REGIMES}
ALL_TABLES = (MARKET_DATA, FEATURES, QUARANTINE, REVISIONS, SOURCE_CHANGES, CONTRACT_PRICES,
              FUTURES_SERIES, *BACKTEST_TABLES.values(), MODEL_CANDIDATES, CANDIDATE_REGIMES,
              CHAMPIONS, CHAMPION_HISTORY, FUTURES_METRICS, FUTURES_DAILY, FUTURES_TRADES,
              REPLAY_CANDIDATES, REPLAY_RUNS, REPLAY_TRADES, EXPERIMENTS, TRIALS,
              TRIAL_RETURNS, EXPERIMENT_GATE,
              *PORTFOLIO_TABLES.values(), BOOK_CANDIDATES, BOOK_CHAMPIONS, RECOMMENDATIONS,
              VALIDATIONS, LEDGER, HALTS, FUTURES_DESK, FUTURES_POSITIONS, FUTURES_GO_NO_GO,
              FUTURES_STAGES)
