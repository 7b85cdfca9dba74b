"""The model zoo config: the default zoo, and bad entries fail naming the field."""

from pathlib import Path

import pytest
import yaml

from trading_platform.config.models import default_model_zoo_path, load_model_zoo


def test_load_model_zoo_given_default_flags_synthetic_models_ineligible():
    zoo = load_model_zoo()
    assert {"naive_rw", "xgboost", "xgboost_tuned", "lightgbm", "random_forest",
            "ensemble"} <= set(zoo.eligible_for_champion())
    synthetic = [key for key in zoo.keys if zoo.models[key].synthetic]
    assert synthetic == ["synthetic_60", "synthetic_70", "synthetic_80", "synthetic_90"]
    assert not set(synthetic) & set(zoo.eligible_for_champion())


@pytest.mark.parametrize(("entry", "message"), [
    ({"kind": "synthetic", "params": {"accuracy": 0.7}}, "synthetic: true is required"),
    ({"kind": "xgboost", "synthetic": True}, "synthetic: true is required"),
    ({"kind": "synthetic", "synthetic": True, "params": {"accuracy": 1.2}}, "accuracy"),
    ({"kind": "prophet"}, "kind"),
    ({"kind": "ensemble", "params": {"members": ["synthetic_60"]}}, "not a real model"),
])
def test_load_model_zoo_given_bad_entry_names_file_and_problem(tmp_path: Path, entry, message):
    raw = yaml.safe_load(default_model_zoo_path().read_text())
    raw["models"]["bad"] = entry
    path = tmp_path / "zoo.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ValueError, match=message) as error:
        load_model_zoo(path)
    assert str(path) in str(error.value)
