"""`experiments` on the producer's inventory book: a grid search of a strategy kind on one
model's stored forecasts, its promotion to the kind's next version, `backtest` reproducing the
test figures through the ordinary backtester, and `compare` with the configured version."""

from __future__ import annotations

import pytest
import yaml

from trading_platform.cli.main import main
from trading_platform.domain.inventory.strategies_baseline import PriceThreshold
from trading_platform.resources.warehouse import Warehouse
from trading_platform_tests.inventory_data import store_coffee_forecasts

SPACE = ("book: inventory\nmodel: naive_rw\nspace:\n  threshold_pct: [0.02, 0.05, 0.08]\n"
         "  batch_size: [0.25, 0.5]\n")


@pytest.fixture(scope="module")
def stored(universe, tmp_path_factory):
    """Coffee's synthetic market rows and a random-walk forecast store over its days."""
    data = tmp_path_factory.mktemp("inventory_experiments")
    store_coffee_forecasts(universe, data)
    (data / "space.yaml").write_text(SPACE)
    return data


def test_inventory_search_promote_backtest_and_compare_given_a_grid(data, capsys):
    assert main(["experiments", "grid-search", "--name", "pt_grid", "--strategy",
                 "price_threshold", "--space", str(data / "space.yaml"), "--commodity",
                 "coffee"]) == 0
    out = capsys.readouterr().out
    assert "experiment pt_grid: 6 trials (0 failed, 0 pruned)" in out
    assert "chosen run on the engine's plain-Python reference: coffee: kernel == reference" \
        in out
    warehouse = Warehouse(database=str(data / "warehouse.duckdb"))
    row = warehouse.read_where("research.experiments", experiment="pt_grid")
    assert (row["book"][0], row["model"][0], row["strategy"][0]) == (
        "inventory", "naive_rw", "price_threshold")

    # six trials on one noisy synthetic series: the gate refuses, so an override is needed
    code = main(["experiments", "promote", "pt_grid", "--output-name", "price_threshold"])
    if code != 0:
        assert "overfitting gate refused it" in capsys.readouterr().err
        assert main(["experiments", "promote", "pt_grid", "--output-name", "price_threshold",
                     "--override", "test of the inventory path"]) == 0
    out = capsys.readouterr().out
    version = data / "strategies" / "price_threshold_v2.yaml"
    body = yaml.safe_load(version.read_text())
    assert body["code"] == "inventory:price_threshold" and body["model"] == "naive_rw"
    traded = PriceThreshold(**body["params"], version=2)
    assert body["content_hash"] == traded.content_hash  # the hash the desk records
    assert "the inventory engine" in out and (data / "strategies" /
                                              "price_threshold_v2_vs_parent.md").exists()

    assert main(["backtest", "--strategy", str(version)]) == 0
    out = capsys.readouterr().out
    assert "the inventory backtester" in out
    assert "reproduces experiment pt_grid's test figures: yes, every one" in out

    assert main(["experiments", "compare", "--baseline", "price_threshold", "--candidate",
                 str(version)]) == 0
    out = capsys.readouterr().out
    assert "price_threshold v1" in out and "price_threshold v2" in out and "sharpe" in out


def test_inventory_search_given_no_model_or_an_unknown_kind_exits_2_naming_it(data, capsys):
    (data / "nomodel.yaml").write_text("book: inventory\nspace:\n  threshold_pct: [0.05]\n")
    assert main(["experiments", "grid-search", "--name", "x", "--strategy", "price_threshold",
                 "--space", str(data / "nomodel.yaml")]) == 2
    assert "name the model" in capsys.readouterr().err
    assert main(["experiments", "grid-search", "--name", "x", "--strategy", "nope", "--space",
                 str(data / "space.yaml"), "--commodity", "coffee"]) == 2
    assert "no inventory strategy 'nope'" in capsys.readouterr().err
