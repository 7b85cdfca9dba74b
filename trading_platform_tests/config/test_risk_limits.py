"""The live-trading risk limits config: defaults, validation, hash."""

import pytest

from trading_platform.config.risk_limits import (
    BreakerLimits,
    RiskLimits,
    default_risk_limits_path,
    load_risk_limits,
)


def test_load_risk_limits_given_bundled_file_equals_class_defaults():
    config = load_risk_limits()
    assert config == RiskLimits()  # the YAML states the code's defaults
    assert config.execution.mode == "dry_run"
    assert config.limits.max_daily_sale_share == 0.5 and config.limits.price_floors == {}
    assert config.limits.max_data_gap_weekdays == 3 and config.limits.champion_max_age_days == 30
    assert config.breakers == BreakerLimits(
        one_day_loss=0.03, one_week_loss=0.10, week_days=5, max_drawdown=0.15
    )
    assert config.parity.days == 20
    assert config.monitoring.model_dump() == {"horizon": 14, "ic_window": 60,
                                              "drift_ic_threshold": 0.0, "drift_window": 20,
                                              "drift_share": 0.6}


@pytest.mark.parametrize(
    ("yaml_text", "field"),
    [
        ("limits: {max_daily_sale_share: 1.5}\n", "max_daily_sale_share"),
        ("limits: {max_daily_sale_share: 0.0}\n", "max_daily_sale_share"),
        ("breakers: {one_day_loss: 1.0}\n", "one_day_loss"),
        ("breakers: {max_drawdown: 0.0}\n", "max_drawdown"),
        ("breakers: {week_days: 1}\n", "week_days"),
        ("monitoring: {horizon: 15}\n", "horizon"),
        ("monitoring: {ic_window: 9}\n", "ic_window"),
        ("monitoring: {drift_share: 0.0}\n", "drift_share"),
        ("parity: {days: 0}\n", "days"),
        ("limits: {max_daily_share: 0.5}\n", "max_daily_share"),
        ("execution: {mode: live}\n", "mode"),
        ("limits: {price_floors: {coffee: -1.0}}\n", "price_floors"),
    ],
)
def test_load_risk_limits_given_invalid_value_raises_naming_file_and_field(
    tmp_path, yaml_text, field
):
    source = tmp_path / "risk_limits.yaml"
    source.write_text(yaml_text)
    with pytest.raises(ValueError, match=rf"(?s)risk_limits config .*risk_limits\.yaml.*{field}"):
        load_risk_limits(source)


def test_breaker_limits_given_week_loss_below_day_loss_raises_saying_why():
    # 0.02 < 0.03: a week would be allowed to lose less than a single day.
    with pytest.raises(ValueError, match=r"one_week_loss 0\.02 is below one_day_loss 0\.03"):
        RiskLimits.model_validate({"breakers": {"one_week_loss": 0.02}})


def test_risk_limits_given_equal_week_and_day_loss_accepts():
    assert BreakerLimits(one_day_loss=0.05, one_week_loss=0.05).one_week_loss == 0.05


def test_risk_limits_given_changed_value_changes_hash():
    default = RiskLimits()
    floors = RiskLimits.model_validate({"limits": {"price_floors": {"coffee": 120.0}}})
    manual = RiskLimits.model_validate({"execution": {"mode": "manual"}})
    assert len(default.content_hash) == 16
    assert len({default.content_hash, floors.content_hash, manual.content_hash}) == 3
    assert default.content_hash == load_risk_limits(default_risk_limits_path()).content_hash
