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

RECOMMENDATIONS = Table("trading", "recommendations", "the day's action per commodity")
VALIDATIONS = Table("trading", "validations", "every validator verdict per commodity and day")
LEDGER = Table("trading", "ledger", "the paper book, day by day")
HALTS = Table("trading", "halts", "breaker trips, kill switches and their resets")

BACKTEST_TABLES = {"summary": BACKTEST_SUMMARY, "metrics": BACKTEST_METRICS,
                   "seasons": BACKTEST_SEASONS, "forced": BACKTEST_FORCED,
                   "sales": BACKTEST_SALES, "daily": BACKTEST_DAILY}
ALL_TABLES = (MARKET_DATA, FEATURES, QUARANTINE, REVISIONS, SOURCE_CHANGES,
              *BACKTEST_TABLES.values(), MODEL_CANDIDATES, CANDIDATE_REGIMES, CHAMPIONS,
              CHAMPION_HISTORY, RECOMMENDATIONS, VALIDATIONS, LEDGER, HALTS)
