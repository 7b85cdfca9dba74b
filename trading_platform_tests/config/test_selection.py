"""The champion-selection config: defaults, validation, hash."""

import pytest

from trading_platform.config.selection import SelectionConfig, load_selection


def test_load_selection_given_bundled_file_has_issue_defaults():
    config = load_selection()
    assert config.weights.model_dump() == {"sharpe": 0.30, "max_drawdown": 0.25, "calmar": 0.20,
                                           "turnover": 0.15, "regime_consistency": 0.10}
    assert config.thresholds.min_sharpe == 1.0 and config.thresholds.max_turnover == 0.40
    assert config == SelectionConfig()  # the YAML states the code's defaults


def test_selection_config_given_weights_not_summing_to_one_refuses(tmp_path):
    source = tmp_path / "selection.yaml"
    source.write_text("weights: {sharpe: 0.5, max_drawdown: 0.25, calmar: 0.20, turnover: 0.15,"
                      " regime_consistency: 0.10}\n")
    expected = r"(?s)selection\.yaml.*weights.*sum to 1, they sum to 1\.2"
    with pytest.raises(ValueError, match=expected):
        load_selection(source)


def test_selection_config_given_unknown_or_negative_field_refuses():
    with pytest.raises(ValueError, match="extra"):
        SelectionConfig.model_validate({"thresholds": {"min_sharp": 1.0}})
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        SelectionConfig.model_validate({"weights": {"sharpe": -0.1, "max_drawdown": 0.45}})


def test_selection_config_given_changed_threshold_changes_hash():
    changed = SelectionConfig.model_validate({"thresholds": {"min_sharpe": 0.8}})
    assert changed.content_hash != SelectionConfig().content_hash
    assert SelectionConfig().content_hash == load_selection().content_hash
