"""`screen` and `replay` as a desk runs them: on the stored continuous series, a configured
name or a YAML spec, parameter overrides, trade logs written, one paragraph per mistake."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from trading_platform.cli.main import main
from trading_platform_tests.cli.conftest import store_futures_series


@pytest.fixture(scope="module")
def stored(universe, tmp_path_factory):
    return store_futures_series(tmp_path_factory.mktemp("replay_cli"), universe, ["coffee"],
                                dt.date(2019, 1, 2), dt.date(2023, 12, 29))


def test_screen_given_a_configured_strategy_writes_and_reports_its_candidates(data, capsys):
    assert main(["screen", "--strategy", "fusion", "--commodity", "coffee"]) == 0
    line = capsys.readouterr().out
    assert line.startswith("coffee: fusion v1 [") and "bars (" in line
    saved = pl.read_csv(data / "reports" / "replays" / "coffee" / "cli-fusion-candidates.csv")
    assert saved.columns == ["bar", "side", "score", "reason", "date"] and saved.height > 5


def test_replay_given_candidates_makes_the_trades_of_the_full_replay(data, capsys):
    folder = data / "reports" / "replays" / "coffee"
    assert main(["replay", "--strategy", "fusion", "--commodity", "coffee",
                 "--param", "threshold=0.8"]) == 0
    assert main(["replay", "--strategy", "fusion", "--commodity", "coffee",
                 "--param", "threshold=0.8", "--candidates"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "threshold=0.8 full: on_bar on" in out[0] and "threshold=0.8 focused" in out[1]
    full = pl.read_ndjson(folder / "cli-fusion-full.jsonl")
    focused = pl.read_ndjson(folder / "cli-fusion-focused.jsonl")
    assert full.height > 0 and full.equals(focused)


def test_replay_given_a_yaml_spec_file_names_it_after_the_file(data, tmp_path, capsys):
    spec = tmp_path / "my_cross.yaml"
    spec.write_text("code: moving_average_cross\nversion: 2\nparams: {fast: 10, slow: 40}\n")
    assert main(["replay", "--strategy", str(spec), "--commodity", "coffee"]) == 0
    assert capsys.readouterr().out.startswith("coffee: my_cross v2 [")


@pytest.mark.parametrize(("argv", "message"), [
    (["--strategy", "nope"], "--strategy 'nope': not a configured user strategy"),
    (["--strategy", "fusion", "--param", "threshold"], "write it as NAME=VALUE"),
    (["--strategy", "fusion", "--param", "threshold=3"], "must lie in threshold_range"),
    (["--strategy", "fusion", "--commodity", "crude"], "no futures_series stored for crude"),
])
def test_replay_given_a_mistake_exits_2_with_one_paragraph(data, capsys, argv, message):
    assert main(["replay", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
