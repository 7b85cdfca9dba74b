"""The nine strategies: kernel plan == plain-Python decide, day by day; specs refuse bad params."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from trading_platform.domain.inventory.engine import run_book
from trading_platform.domain.inventory.forecast_stats import ForecastStats
from trading_platform.domain.inventory.reference import run_book_reference
from trading_platform.domain.inventory.strategies import default_strategies
from trading_platform.domain.inventory.strategies_baseline import EqualBatch, PriceThreshold
from trading_platform.domain.inventory.strategies_forecast import Consensus, RiskAdjusted

STORAGE, TX = 0.00005, 0.0001
DAILY = ("intake", "inventory", "sold", "forced", "proceeds", "transaction_cost",
         "storage_cost", "cash", "value")


def _market(seed: int, n: int = 300, n_paths: int = 64):
    rng = np.random.default_rng(seed)
    price = 100 * np.exp(np.cumsum(rng.normal(0, 0.015, n)))
    intake = np.where((np.arange(n) % 120) < 20, 50.0, 0.0)  # a 20-day harvest every 120 days
    liquidate = (np.arange(n) % 120) == 119
    drift = rng.normal(0, 0.03, (n, 1, 1))  # some days bullish, some bearish
    steps = rng.normal(0, 0.01, (n, n_paths, 14))
    paths = price[:, None, None] * np.exp(drift * np.arange(1, 15) / 14 + steps.cumsum(axis=2))
    paths[rng.integers(0, n, 4)] = np.nan  # days without a forecast
    return price, intake, liquidate, paths.astype(np.float32)


@pytest.mark.parametrize("kind", list(default_strategies()))
@pytest.mark.parametrize("seed", [0, 2])
def test_strategy_given_random_market_kernel_equals_reference_day_by_day(kind, seed):
    price, intake, liquidate, paths = _market(seed)
    spec = default_strategies()[kind]
    stats = ForecastStats.from_paths(paths, price)
    plan = spec.plan(price, stats, storage_rate=STORAGE)
    result = run_book(price, intake, liquidate, plan.share, plan.cadence, STORAGE, TX,
                      hold_gain=plan.hold_gain, hold_threshold=plan.hold_threshold)
    matrices = np.where(np.isfinite(paths).all(axis=(1, 2))[:, None, None], paths, np.nan)
    days, sales = run_book_reference(price, intake, liquidate, spec.decide, plan.cadence,
                                     STORAGE, TX, forecasts=matrices)
    assert [int(s[0]) for s in result.sales] == [s[0] for s in sales]
    for i, name in enumerate(DAILY):
        np.testing.assert_allclose(result.daily[:, i], [d[name] for d in days], rtol=1e-12,
                                   atol=1e-9, err_msg=name)
    assert sum(s[3] == "strategy" for s in sales) >= 2  # the rule itself sells, not only forced


def test_strategies_given_defaults_have_distinct_stable_hashes():
    specs = default_strategies()
    hashes = {spec.content_hash for spec in specs.values()}
    assert len(hashes) == 9
    assert PriceThreshold().content_hash == PriceThreshold(threshold_pct=0.05).content_hash
    assert PriceThreshold().content_hash != PriceThreshold(threshold_pct=0.06).content_hash


@pytest.mark.parametrize("build", [
    lambda: EqualBatch(batch_size=1.5),
    lambda: PriceThreshold(threshold_pct=-0.05),
    lambda: Consensus(evaluation_day=15),
    lambda: RiskAdjusted(consensus_threshold=0),
    lambda: EqualBatch(frequency=3),  # a misspelt parameter is refused, not ignored
])
def test_strategy_spec_given_out_of_range_parameter_refuses_naming_it(build):
    with pytest.raises(ValidationError):
        build()


def test_consensus_given_no_forecast_day_sells_its_batch():
    price = np.full(3, 100.0)
    paths = np.full((3, 10, 14), np.nan, dtype=np.float32)
    plan = Consensus().plan(price, ForecastStats.from_paths(paths, price))
    np.testing.assert_allclose(plan.share, 0.25)


def test_risk_adjusted_given_confident_rise_is_high_tier_and_holds():
    # Every path ends 5 % up with a 2 % spread: median 0.05 >= 0.03, width small, all above.
    price = np.full(1, 100.0)
    paths = (100 * (1.05 + np.linspace(-0.01, 0.01, 50)))[None, :, None] * np.ones((1, 1, 14))
    plan = RiskAdjusted().plan(price, ForecastStats.from_paths(paths, price))
    assert plan.tier.tolist() == [2] and plan.share.tolist() == [0.0]
