"""Search definitions: validation names the field, grids enumerate every combination in order,
random draws are seeded, and a distribution cannot be gridded."""

from __future__ import annotations

import pytest

from trading_platform.config.searches import Distribution, Search, Stepped, load_search
from trading_platform.domain.research.space import grid_points, random_points, stepped_values


def test_stepped_values_given_whole_ends_stay_integers_and_fractions_round():
    assert stepped_values(Stepped(low=20, high=100, step=40)) == [20, 60, 100]
    assert stepped_values(Stepped(low=0.1, high=0.3, step=0.1)) == [0.1, 0.2, 0.3]
    assert stepped_values(Stepped(low=1, high=2, step=0.4)) == [1.0, 1.4, 1.8]


def test_grid_points_given_a_list_and_a_range_crosses_them_last_fastest():
    space = {"fast": [10, 20], "slow": Stepped(low=50, high=150, step=50)}
    assert grid_points(space) == [
        {"fast": 10, "slow": 50}, {"fast": 10, "slow": 100}, {"fast": 10, "slow": 150},
        {"fast": 20, "slow": 50}, {"fast": 20, "slow": 100}, {"fast": 20, "slow": 150}]


def test_grid_points_given_a_distribution_refuses_and_says_what_to_use():
    with pytest.raises(ValueError, match=r"'trail' is a uniform distribution.*random or tpe"):
        grid_points({"trail": Distribution(low=1, high=5, distribution="uniform")})


def test_random_points_given_a_seed_repeats_and_stays_in_the_space():
    space = {"fast": [10, 20, 30], "size": Distribution(low=1, high=4, distribution="int"),
             "rate": Distribution(low=0.001, high=1, distribution="log_uniform")}
    first, again = random_points(space, 50, seed=3), random_points(space, 50, seed=3)
    assert first == again and first != random_points(space, 50, seed=4)
    assert {p["fast"] for p in first} == {10, 20, 30}
    assert {p["size"] for p in first} <= {1, 2, 3, 4} and len({p["size"] for p in first}) > 2
    assert all(0.001 <= p["rate"] <= 1 for p in first)


def test_load_search_given_a_file_reads_space_split_and_folds(tmp_path):
    path = tmp_path / "fusion.yaml"
    path.write_text("strategy: fusion\nspace:\n  threshold: [0.4, 0.6]\n"
                    "  trail_atr: {low: 1, high: 5, step: 1}\n"
                    "split: {ratio: 0.8}\nfolds: {train: 500, test: 100, step: 100, purge: 5}\n"
                    "seed: 9\n")
    search = load_search(path)
    assert search.split.ratio == 0.8 and search.folds.purge == 5 and search.objective == "sharpe"
    assert len(grid_points(search.space)) == 10


@pytest.mark.parametrize(("body", "message"), [
    ({"space": {"x": []}}, r"space \['x'\] lists no values"),
    ({"space": {"x": {"low": 5, "high": 1, "step": 1}}}, r"high \(1.0\) is below low \(5.0\)"),
    ({"space": {"x": [1]}, "split": {"train_start": "2020-01-01"}}, "give all four"),
    ({"space": {"x": [1]}, "split": {"train_start": "2020-01-01", "train_end": "2021-01-01",
                                     "test_start": "2020-06-01", "test_end": "2022-01-01"}},
     "dates must run"),
    ({"space": {"x": [1]}, "objective": "profit"}, "objective"),
    ({"space": {"x": [1]}, "prune": True}, "only a TPE search prunes trials"),
])
def test_search_given_a_bad_definition_names_the_field(body, message):
    with pytest.raises(ValueError, match=message):
        Search.model_validate({"strategy": "fusion", **body})
