"""User strategy specs: every configured spec builds, a sweep over a parameter outside the
screen shares one screen key, one inside it does not, and bad specs are clear errors."""

from __future__ import annotations

import pytest

from trading_platform.config.user_strategies import UserStrategySpec, load_user_strategies
from trading_platform.domain.replay.examples import MovingAverageCrossUser
from trading_platform.domain.replay.specs import build_strategy, strategy_class, sweep_variants


def test_load_user_strategies_given_the_shipped_file_builds_every_spec():
    config = load_user_strategies()
    for name, spec in config.strategies.items():
        strategy = build_strategy(name, spec)
        assert strategy.label == f"{name} v{spec.version} [{spec.content_hash}]"


def test_sweep_variants_given_thresholds_inside_the_range_share_one_screen_key():
    spec = UserStrategySpec(code="fusion", params={"threshold": 0.6,
                                                   "threshold_range": [0.4, 1.0]},
                            sweep={"threshold": [0.4, 0.6, 0.8, 1.0]})
    variants = sweep_variants("fusion", spec)
    assert [v.swept for v in variants] == [{}, {"threshold": 0.4}, {"threshold": 0.8},
                                          {"threshold": 1.0}]
    assert len({v.screen_key for v in variants}) == 1


def test_sweep_variants_given_a_screen_parameter_swept_gives_each_value_its_own_screen():
    spec = UserStrategySpec(code="fusion", sweep={"fast": [20, 30], "size": [1, 2]})
    keys = {(v.swept.get("fast", 50), v.screen_key) for v in sweep_variants("fusion", spec)}
    by_fast = {}
    for fast, key in keys:
        by_fast.setdefault(fast, set()).add(key)
    assert all(len(k) == 1 for k in by_fast.values())  # size does not change the screen
    assert len(set().union(*by_fast.values())) == 3      # fast 50 (the spec's), 20 and 30


def test_strategy_class_given_a_module_path_loads_a_desk_class():
    cls = strategy_class("trading_platform.domain.replay.examples:MovingAverageCrossUser")
    assert cls.__name__ == "MovingAverageCrossUser"


@pytest.mark.parametrize(("code", "params", "message"), [
    ("nope", {}, r"'nope': not a registered example"),
    ("no.such.module:Thing", {}, r"cannot load it"),
    ("fusion", {"fast": 300}, r"strategy s v1: parameters \{'fast': 300\}: fast \(300\) must"),
    ("fusion", {"speed": 3}, r"unexpected keyword argument 'speed'"),
    ("fusion", {"threshold": 0.8, "threshold_range": [0.4, 0.6]},
     r"threshold 0.8 must lie in threshold_range \[0.4, 0.6\]"),
])
def test_build_strategy_given_a_bad_spec_names_it(code, params, message):
    with pytest.raises(ValueError, match=message):
        build_strategy("s", UserStrategySpec(code=code, params=params))


def test_user_strategy_spec_given_an_empty_sweep_refuses():
    with pytest.raises(ValueError, match=r"sweep \['threshold'\] lists no values"):
        UserStrategySpec(code="fusion", sweep={"threshold": []})


class Unsaid(MovingAverageCrossUser):
    """A class that does not list its screen parameters."""

    screen_parameters = None


def test_screen_key_given_a_class_without_screen_parameters_changes_with_any_parameter():
    spec = UserStrategySpec(code=f"{__name__}:Unsaid", params={"fast": 10, "slow": 50},
                            sweep={"size": [1, 2]})
    keys = [v.screen_key for v in sweep_variants("unsaid", spec)]
    assert len(set(keys)) == 3  # the spec's own and each size: every change may move the screen
