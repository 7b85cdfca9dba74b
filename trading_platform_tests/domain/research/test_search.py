"""Searches over a user strategy: trials replay focused on shared candidate sets, the equal-
weight book of two commodities (also built in stages), TPE asks a seeded study, a resumed study
carries on, and a study with a pruner prunes trials below the median."""

from __future__ import annotations

import datetime as dt

import numpy as np
import optuna
import pytest

from trading_platform.config.searches import Distribution, Stepped
from trading_platform.config.user_strategies import UserStrategySpec
from trading_platform.domain.futures.backtest import Costs
from trading_platform.domain.futures.synthetic_curves import universe_series
from trading_platform.domain.market.synthetic import generate_universe_market
from trading_platform.domain.replay.focused import focused_replay
from trading_platform.domain.replay.specs import build_strategy
from trading_platform.domain.research.folds import ratio_split
from trading_platform.domain.research.runners import UserStrategyBook
from trading_platform.domain.research.search import run_points, run_tpe

SPEC = UserStrategySpec(code="fusion", params={"threshold": 0.6, "threshold_range": [0.4, 1.0],
                                               "regime_window": 60, "atr_window": 20})


@pytest.fixture(scope="module")
def two(universe):
    market = generate_universe_market(universe, dt.date(2018, 1, 2), dt.date(2022, 12, 30),
                                      ["coffee", "corn"])
    series, specs = universe_series(universe, market, ["coffee", "corn"])
    return series, specs


def _book(two, names):
    series, specs = two
    return UserStrategyBook("fusion", SPEC, {n: series[n] for n in names},
                            {n: specs[n] for n in names}, Costs(), 1e6)


def test_user_strategy_book_given_one_commodity_is_its_focused_replay(two):
    book = _book(two, ["coffee"])
    strategy = build_strategy("fusion", SPEC, {"threshold": 0.8})
    expected = focused_replay(strategy, two[0]["coffee"], two[1]["coffee"], Costs(), 1e6)
    np.testing.assert_allclose(book.equity({"threshold": 0.8}), expected.replay.equity,
                               rtol=1e-12)
    assert all(o.passed for o in book.confirm_with_full_replay({"threshold": 0.8}))


def test_run_points_given_thresholds_reuses_one_screen_per_commodity(two):
    book = _book(two, ["coffee", "corn"])
    split = ratio_split(len(book.dates))
    trials = run_points([{"threshold": t} for t in (0.4, 0.6, 0.8, 1.0)], book.equity, 1e6,
                        split, "sharpe")
    assert [t.status for t in trials] == ["done"] * 4
    assert len(book.screens) == 2  # one candidate set per commodity, shared by the 4 trials
    assert len({round(t.objective, 12) for t in trials}) > 1
    assert trials[0].returns.size == len(book.dates)
    run_points([{"threshold": 0.6, "fast": 30}], book.equity, 1e6, split, "sharpe")
    assert len(book.screens) == 4  # fast is a screen parameter: a new screen per commodity


def test_run_tpe_given_a_seeded_study_repeats_and_resumes(two):
    book = _book(two, ["coffee"])
    split = ratio_split(len(book.dates))
    space = {"threshold": [0.4, 0.6, 0.8, 1.0],
             "trail_atr": Distribution(low=1.0, high=5.0, distribution="uniform"),
             "size": Stepped(low=1, high=3, step=1)}

    def study():
        return optuna.create_study(direction="maximize",
                                   sampler=optuna.samplers.TPESampler(seed=5))

    first = study()
    trials = run_tpe(first, space, 6, book.stages, 1e6, split, "sharpe")
    again = run_tpe(study(), space, 6, book.stages, 1e6, split, "sharpe")
    assert [t.params for t in trials] == [t.params for t in again]
    more = run_tpe(first, space, 9, book.stages, 1e6, split, "sharpe")
    assert [t.number for t in more] == [6, 7, 8] and len(first.trials) == 9


def test_parallel_book_given_two_workers_equals_the_serial_book_bit_for_bit(two):
    from trading_platform.domain.research.parallel_book import ParallelBook

    serial = _book(two, ["coffee", "corn"])
    with ParallelBook(_book(two, ["coffee", "corn"]), workers=2) as parallel:
        assert [len(g) for g in parallel.groups] == [1, 1]
        for params in ({"threshold": 0.8}, {"threshold": 0.4, "trail_atr": 2.0}):
            np.testing.assert_array_equal(parallel.equity(params), serial.equity(params))
            *_, (last, final) = parallel.stages(params)
            assert final
            np.testing.assert_array_equal(last, serial.equity(params))


def test_user_strategy_book_stages_given_two_commodities_add_one_at_a_time(two):
    book = _book(two, ["coffee", "corn"])
    alone = _book(two, ["coffee"])
    stages = list(book.stages({"threshold": 0.8}))
    assert [final for _, final in stages] == [False, True]
    # the first stage is coffee's book alone (both series share their dates here)
    assert alone.dates == book.dates
    np.testing.assert_array_equal(stages[0][0], alone.equity({"threshold": 0.8}))
    np.testing.assert_array_equal(stages[1][0], book.equity({"threshold": 0.8}))


def test_run_tpe_given_a_median_pruner_prunes_trials_below_the_earlier_median(two):
    book = _book(two, ["coffee", "corn"])
    split = ratio_split(len(book.dates))
    space = {"threshold": [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
             "trail_atr": Distribution(low=0.5, high=6.0, distribution="uniform")}
    study = optuna.create_study(direction="maximize",
                                sampler=optuna.samplers.TPESampler(seed=11),
                                pruner=optuna.pruners.MedianPruner(n_startup_trials=2))
    trials = run_tpe(study, space, 12, book.stages, 1e6, split, "sharpe")
    pruned = [t for t in trials if t.status == "pruned"]
    assert pruned and len(trials) == 12
    states = {t.number: t.state for t in study.trials}
    for trial in pruned:
        assert states[trial.number] == optuna.trial.TrialState.PRUNED
        assert trial.error.startswith("pruned after stage 1") and trial.returns.size == 0
        value = study.trials[trial.number].intermediate_values[0]
        earlier = [t.intermediate_values[0] for t in study.trials[:trial.number]
                   if t.state == optuna.trial.TrialState.COMPLETE]
        assert len(earlier) >= 2 and value < np.median(earlier)
