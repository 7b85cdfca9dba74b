"""`experiments` as a desk runs it: a grid search stored with its gate verdict, read back by
`show`, a TPE search that resumes, and one-paragraph mistakes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from trading_platform.cli.main import main
from trading_platform.resources.warehouse import Warehouse
from trading_platform_tests.cli.conftest import store_futures_series

SPACE = "strategy: fusion\nspace:\n  threshold: [0.4, 0.6, 0.8, 1.0]\n  size: [3, 5]\n"


@pytest.fixture(scope="module")
def stored(universe, tmp_path_factory):
    data = store_futures_series(tmp_path_factory.mktemp("experiments"), universe, ["coffee"],
                                dt.date(2018, 1, 2), dt.date(2023, 12, 29))
    (data / "space.yaml").write_text(SPACE)
    return data


def test_grid_search_given_a_space_file_stores_every_trial_and_the_gate(data, capsys):
    assert main(["experiments", "grid-search", "--name", "fusion_grid", "--strategy", "fusion",
                 "--space", str(data / "space.yaml"), "--commodity", "coffee"]) == 0
    out = capsys.readouterr().out
    assert "[8/8]" in out and "experiment fusion_grid: 8 trials (0 failed, 0 pruned)" in out
    assert "chosen #" in out and "the gate" in out
    warehouse = Warehouse(database=str(data / "warehouse.duckdb"))
    trials = warehouse.read_where("research.trials", experiment="fusion_grid")
    assert trials.height == 8 and set(trials["status"]) == {"done"}
    returns = warehouse.read_where("research.trial_returns", experiment="fusion_grid")
    assert returns.height == 8 * warehouse.read_where("market.futures_series").height
    gate = warehouse.read_where("research.experiment_gate", experiment="fusion_grid")
    assert gate["criterion"].to_list() == ["train_test_gap", "deflated_sharpe", "pbo",
                                           "stability", "focused_equals_full"]
    assert gate.filter(pl.col("criterion") == "focused_equals_full")["passed"].to_list() == [
        True]
    assert "chosen run replayed on every bar: the same trades on every commodity" in out
    assert main(["experiments", "show", "fusion_grid", "--export", "html"]) == 0
    shown = capsys.readouterr().out
    assert "grid search of fusion" in shown and "top 8 by test sharpe" in shown
    page = (data / "reports" / "experiments" / "fusion_grid" / "report.html").read_text()
    for part in ("Overfitting gate: run #", "deflated_sharpe", "Top 8 by test sharpe",
                 "one-way ANOVA share", "Walk-forward folds", "Overfitting warnings"):
        assert part in page
    assert page.count("data:image/png;base64,") == 3  # the heatmap and one plot per parameter


def test_tpe_given_the_same_name_again_resumes_the_study(data, capsys):
    base = ["experiments", "tpe", "--name", "fusion_tpe", "--strategy", "fusion", "--space",
            str(data / "space.yaml"), "--commodity", "coffee", "--seed", "3"]
    assert main([*base, "--trials", "3"]) == 0
    assert main([*base, "--trials", "5"]) == 0
    out = capsys.readouterr().out
    assert "[5/5]" in out and "experiment fusion_tpe: 5 trials" in out
    trials = Warehouse(database=str(data / "warehouse.duckdb")).read_where(
        "research.trials", experiment="fusion_tpe")
    assert sorted(trials["number"].to_list()) == [0, 1, 2, 3, 4]
    assert (data / "experiments" / "fusion_tpe.journal").exists()


def test_tpe_given_prune_stores_pruned_trials_and_counts_them_for_the_gate(universe,
                                                                           tmp_path, monkeypatch,
                                                                           capsys):
    # three commodities: on two workers a trial replays in two rounds, so it can stop after one
    data = store_futures_series(tmp_path, universe, ["coffee", "corn", "sugar"],
                                dt.date(2019, 1, 2), dt.date(2023, 12, 29))
    (data / "space.yaml").write_text("strategy: fusion\nspace:\n  threshold: [0.4, 0.5, 0.6, "
                                     "0.7, 0.8, 0.9, 1.0]\n  trail_atr: {low: 0.5, high: 6.0, "
                                     "distribution: uniform}\n")
    monkeypatch.setenv("TRADING_PLATFORM_DATA_DIR", str(data))
    assert main(["experiments", "tpe", "--name", "pruned", "--strategy", "fusion", "--space",
                 str(data / "space.yaml"), "--trials", "12", "--seed", "11", "--prune",
                 "--commodity", "coffee", "--commodity", "corn", "--commodity", "sugar"]) == 0
    out = capsys.readouterr().out
    warehouse = Warehouse(database=str(data / "warehouse.duckdb"))
    trials = warehouse.read_where("research.trials", experiment="pruned")
    pruned = trials.filter(pl.col("status") == "pruned")
    assert trials.height == 12 and pruned.height > 0
    assert pruned["error"].str.starts_with("pruned after stage 1: partial test sharpe").all()
    assert f"12 trials (0 failed, {pruned.height} pruned)" in out
    returns = warehouse.read_where("research.trial_returns", experiment="pruned")
    assert set(returns["number"]) == set(trials.filter(pl.col("status") == "done")["number"])
    experiment = warehouse.read_where("research.experiments", experiment="pruned")
    assert experiment["pruned"].to_list() == [pruned.height]
    assert main(["experiments", "show", "pruned", "--export", "html"]) == 0
    page = (data / "reports" / "experiments" / "pruned" / "report.html").read_text()
    assert f"{pruned.height} pruned" in page


@pytest.mark.parametrize(("argv", "message"), [
    (["show", "nope"], "no experiment 'nope'"),
    (["grid-search", "--name", "x", "--strategy", "fusion"], "--space FILE is needed"),
])
def test_experiments_given_a_mistake_exits_2_with_one_paragraph(data, capsys, argv, message):
    assert main(["experiments", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_grid_search_given_an_unknown_strategy_names_the_configured_ones(data, capsys):
    assert main(["experiments", "grid-search", "--name", "x", "--strategy", "nope", "--space",
                 str(data / "space.yaml")]) == 2
    assert "'nope': not a configured user strategy (fusion, ma_cross_user)" in \
        capsys.readouterr().err


def test_promote_given_a_refused_run_needs_an_override_and_backtest_reproduces_it(data, capsys):
    assert main(["experiments", "grid-search", "--name", "to_promote", "--strategy", "fusion",
                 "--space", str(data / "space.yaml"), "--commodity", "coffee"]) == 0
    capsys.readouterr()
    # eight trials of noise-like synthetic data: the best run's DSR is far below 0.95
    assert main(["experiments", "promote", "to_promote", "--output-name", "fusion_tuned"]) == 2
    err = capsys.readouterr().err
    assert "is not promoted: the overfitting gate refused it" in err
    assert "deflated_sharpe FAIL" in err and not (data / "strategies").exists()
    assert main(["experiments", "promote", "to_promote", "--output-name", "fusion_tuned",
                 "--override", "planted for the test", "--expected-impact", "more trend"]) == 0
    out = capsys.readouterr().out
    spec = data / "strategies" / "fusion_tuned_v1.yaml"
    assert spec.exists() and f"as {spec.name}" in out and "alias challenger" in out
    log = (data / "strategies" / "STRATEGY_LOG.md").read_text()
    assert "OVERRIDE of a failed gate: planted for the test" in log
    against = (data / "strategies" / "fusion_tuned_v1_vs_parent.md").read_text()
    assert "fusion v1" in against and "fusion_tuned v1" in against and "sharpe" in against
    assert "expected impact: more trend" in log and "actual impact: (filled in after 30" in log
    assert main(["backtest", "--strategy", str(spec)]) == 0
    assert "reproduces experiment to_promote's test figures: yes, every one" in \
        capsys.readouterr().out
    from trading_platform.resources.registry import ChampionRegistry

    registry = ChampionRegistry(root=str(data / "mlflow"))
    client = registry._client()
    assert "challenger" in client.get_registered_model("strategy_fusion_tuned").aliases


def test_compare_given_two_specs_prints_both_on_identical_data(data, tmp_path, capsys):
    other = tmp_path / "slow_cross.yaml"
    other.write_text("code: moving_average_cross\nparams: {fast: 30, slow: 120}\n")
    assert main(["experiments", "compare", "--baseline", "ma_cross_user", "--candidate",
                 str(other), "--commodity", "coffee", "--start", "2021-01-04"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("on coffee, 2021-01-04..2023-12-29, every bar replayed:")
    assert "ma_cross_user v1" in out and "slow_cross v1" in out and "sharpe" in out


def test_grid_search_given_the_futures_book_sweeps_vectorised_and_checks_the_twin(data,
                                                                                capsys):
    (data / "futures.yaml").write_text(
        "book: futures\nstrategy: ma_cross_20_100\nspace:\n  fast: [10, 20]\n"
        "  slow: [50, 100]\n  stop_mult: [2.0, 3.0]\n")
    assert main(["experiments", "grid-search", "--name", "fut", "--strategy",
                 "ma_cross_20_100", "--space", str(data / "futures.yaml"), "--commodity",
                 "coffee"]) == 0
    out = capsys.readouterr().out
    assert "experiment fut: 8 trials (0 failed, 0 pruned)" in out and "chosen #" in out
    assert "chosen run confirmed: the sweep's plain-Python twin gives test Sharpe" in out
    warehouse = Warehouse(database=str(data / "warehouse.duckdb"))
    trials = warehouse.read_where("research.trials", experiment="fut")
    assert trials.height == 8 and trials["params"].str.contains('"vol_target": 0.1').all()
    gate = warehouse.read_where("research.experiment_gate", experiment="fut")
    assert gate.filter(pl.col("criterion") == "focused_equals_full")["passed"].to_list() == [
        True]
    assert main(["experiments", "promote", "fut", "--output-name", "ma_tuned", "--override",
                 "test of the futures path"]) == 0
    out = capsys.readouterr().out
    assert "as ma_tuned_v1.yaml" in out and "the vectorised sweep:" in out
    spec = data / "strategies" / "ma_tuned_v1.yaml"
    assert "code: futures_sweep" in spec.read_text()
    assert main(["backtest", "--strategy", str(spec)]) == 0
    assert "reproduces experiment fut's test Sharpe: yes" in capsys.readouterr().out
    assert main(["experiments", "grid-search", "--name", "bad", "--strategy", "donchian_55_20",
                 "--space", str(data / "futures.yaml")]) == 2
    assert "tune a moving-average cross" in capsys.readouterr().err


def _plant_cycles(data):
    """Coffee's stored series replaced by a 250-day price cycle with little noise and no rolls:
    a trend follower has a real edge on it, in every window."""
    warehouse = Warehouse(database=str(data / "warehouse.duckdb"))
    series = warehouse.read_where("market.futures_series", commodity="coffee").sort("date")
    days = np.arange(series.height)
    noise = np.cumsum(np.random.default_rng(1).normal(0.0, 0.006, series.height))
    price = pl.Series(150.0 * np.exp(0.25 * np.sin(2 * np.pi * days / 250) + noise))
    warehouse.replace_rows({"commodity": "coffee"}, {"market.futures_series": series.drop(
        "commodity").with_columns(close=price, adjusted_close=price, next_close=price,
                                  roll=pl.lit(False))})


def test_promote_given_a_planted_edge_passes_the_gate_and_backtest_reproduces_it(
        universe, tmp_path, monkeypatch, capsys):
    data = store_futures_series(tmp_path, universe, ["coffee"], dt.date(2018, 1, 2),
                                dt.date(2023, 12, 29))
    _plant_cycles(data)
    (data / "space.yaml").write_text("strategy: ma_cross_user\nspace:\n  fast: [10, 20, 30]\n"
                                     "  slow: [60, 100]\nfolds: {train: 500, test: 125, "
                                     "step: 125}\n")
    monkeypatch.setenv("TRADING_PLATFORM_DATA_DIR", str(data))
    assert main(["experiments", "grid-search", "--name", "cycles", "--strategy",
                 "ma_cross_user", "--space", str(data / "space.yaml"),
                 "--commodity", "coffee"]) == 0
    assert "PASSES the gate" in capsys.readouterr().out
    assert main(["experiments", "promote", "cycles", "--output-name", "ma_cross_user"]) == 0
    out = capsys.readouterr().out
    spec = data / "strategies" / "ma_cross_user_v2.yaml"
    assert f"as {spec.name} (gate passed)" in out and "ma_cross_user v1" in out
    assert "OVERRIDE" not in (data / "strategies" / "STRATEGY_LOG.md").read_text()
    assert main(["backtest", "--strategy", str(spec)]) == 0
    assert "reproduces experiment cycles's test figures: yes, every one" in \
        capsys.readouterr().out
    assert main(["experiments", "compare", "--baseline", "ma_cross_user", "--candidate",
                 str(spec), "--commodity", "coffee"]) == 0
    compared = capsys.readouterr().out
    assert "ma_cross_user v1" in compared and "ma_cross_user v2" in compared
