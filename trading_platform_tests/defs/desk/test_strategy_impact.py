"""The daily report's step that fills a promoted inventory version's actual-impact line in
STRATEGY_LOG.md once the desk has traded it for 30 trading days, once."""

from __future__ import annotations

import datetime as dt

from trading_platform.config.user_strategies import UserStrategySpec
from trading_platform.defs.desk.daily_report import fill_impacts
from trading_platform.domain.desk.recording import ledger_frame
from trading_platform.domain.research.promotion import (
    ACTUAL_IMPACT_PENDING,
    log_entry,
    promoted_strategy,
)
from trading_platform.resources.strategy_folder import StrategyFolder
from trading_platform.resources.tables import LEDGER
from trading_platform.resources.warehouse import Warehouse

PARENT = UserStrategySpec(code="inventory:price_threshold", version=1,
                          params={"threshold_pct": 0.05})
LINEAGE = {"experiment": "pt", "commodities": ["coffee"], "data_range": {},
           "data_version": "d", "code_version": "c", "metrics": {}, "gate": [],
           "gate_passed": True, "override_reason": None, "expected_impact": ""}


def test_fill_impacts_given_30_traded_days_fills_the_line_once(tmp_path):
    version = promoted_strategy("price_threshold", 2, "price_threshold", PARENT,
                                {"threshold_pct": 0.09}, LINEAGE, dt.date(2026, 1, 5))
    folder = StrategyFolder(tmp_path / "strategies")
    folder.write(version, log_entry(version, PARENT.params))
    warehouse = Warehouse(database=str(tmp_path / "warehouse.duckdb"))
    days = [dt.date(2026, 1, 5) + dt.timedelta(i) for i in range(60)]
    days = [d for d in days if d.weekday() < 5]
    rows = [{"commodity": "coffee", "date": d, "strategy_hash": version.content_hash,
             "price": 100.0, "executed_quantity": 0.0, "proceeds": 0.0,
             "transaction_cost": 0.0, "storage_cost": 1.0} for d in days]
    warehouse.replace_rows({"commodity": "coffee"},
                           {LEDGER: ledger_frame(rows[:29]).drop("commodity")})
    assert fill_impacts(folder, warehouse) == []  # 29 days: still pending
    warehouse.replace_rows({"commodity": "coffee"},
                           {LEDGER: ledger_frame(rows).drop("commodity")})
    written = fill_impacts(folder, warehouse)
    assert len(written) == 1 and written[0].startswith("price_threshold v2: actual impact (30 ")
    log = (folder.root / "STRATEGY_LOG.md").read_text()
    assert ACTUAL_IMPACT_PENDING not in log and "storage costs 30.00" in log
    assert fill_impacts(folder, warehouse) == []  # filled once, never rewritten
