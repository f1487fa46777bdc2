"""The tuning algorithms on their own: grid search visits every candidate once, random search stays in its
ranges, both and VIZIER_DEFAULT are deterministic under a seed, and VIZIER_DEFAULT (optuna's TPE)
improves over a bad starting point on a synthetic objective."""

from __future__ import annotations

import itertools
import math

import pytest

from lakehouse.errors import UsageError
from warehouse.ml.tuning import search
from warehouse.ml.tuning.space import Dimension

RANGES = [
    Dimension("l1_reg", float, 1e-14, 10.0, log=True),
    Dimension("learn_rate", float, 0.0, 1.0),
    Dimension("max_tree_depth", int, 1, 10),
    Dimension("booster_type", str, candidates=("GBTREE", "DART")),
]


def _run(
    algorithm: str, dimensions: list[Dimension], trials: int, seed: int = 0, value=None, parallel: int = 1
):
    sampler = search.make(
        algorithm, dimensions, {}, seed=seed, parallel=parallel, minimize=True, trials=trials
    )
    asked = []
    while len(asked) < trials:
        batch = [
            p for p in (sampler.ask() for _ in range(min(parallel, trials - len(asked)))) if p is not None
        ]
        if not batch:
            break
        for params in batch:
            sampler.tell(params, None if value is None else value(params))
        asked.extend(batch)
    return asked


def test_grid_search_visits_every_candidate_combination_exactly_once() -> None:
    dims = [
        Dimension("l2_reg", float, candidates=(0.0, 0.1, 1.0, 10.0)),
        Dimension("max_tree_depth", int, candidates=(2, 4, 6)),
    ]
    visited = _run("GRID_SEARCH", dims, trials=100)
    pairs = [(p["l2_reg"], p["max_tree_depth"]) for p in visited]
    assert sorted(pairs) == sorted(itertools.product((0.0, 0.1, 1.0, 10.0), (2, 4, 6)))
    assert len(set(pairs)) == len(pairs) == 12  # the space is exhausted before num_trials


def test_grid_search_needs_discrete_spaces() -> None:
    with pytest.raises(UsageError, match="GRID_SEARCH.*learn_rate is an HPARAM_RANGE"):
        search.make("GRID_SEARCH", RANGES[1:2], {}, seed=0, parallel=1, minimize=True, trials=5)


def test_grid_search_drops_dart_only_values_of_gbtree_trials() -> None:
    dims = [
        Dimension("booster_type", str, candidates=("GBTREE", "DART")),
        Dimension("dart_normalize_type", str, candidates=("TREE", "FOREST")),
    ]
    visited = _run("GRID_SEARCH", dims, trials=10)
    assert visited == [
        {"booster_type": "GBTREE"},
        {"booster_type": "DART", "dart_normalize_type": "TREE"},
        {"booster_type": "DART", "dart_normalize_type": "FOREST"},
    ]


@pytest.mark.parametrize("algorithm", ["RANDOM_SEARCH", "VIZIER_DEFAULT"])
def test_suggestions_stay_in_their_ranges_with_their_types(algorithm: str) -> None:
    visited = _run(algorithm, RANGES, trials=40, value=lambda p: p["learn_rate"])
    assert len(visited) == 40
    for params in visited:
        assert 1e-14 <= params["l1_reg"] <= 10 and isinstance(params["l1_reg"], float)
        assert 0 <= params["learn_rate"] <= 1
        assert 1 <= params["max_tree_depth"] <= 10 and isinstance(params["max_tree_depth"], int)
        assert params["booster_type"] in ("GBTREE", "DART")
    # a LOG scale spreads over the decades: some draws below 1e-3 (a uniform draw would almost never)
    assert any(p["l1_reg"] < 1e-3 for p in visited)


@pytest.mark.parametrize("algorithm", ["RANDOM_SEARCH", "VIZIER_DEFAULT"])
def test_the_same_seed_gives_the_same_trials_and_another_seed_others(algorithm: str) -> None:
    def value(params):
        return (params["learn_rate"] - 0.3) ** 2

    first = _run(algorithm, RANGES, trials=12, seed=3, value=value)
    assert _run(algorithm, RANGES, trials=12, seed=3, value=value) == first
    assert _run(algorithm, RANGES, trials=12, seed=4, value=value) != first


@pytest.mark.parametrize("algorithm", ["RANDOM_SEARCH", "VIZIER_DEFAULT"])
def test_the_search_starts_at_the_default_or_the_closest_point(algorithm: str) -> None:
    dims = [Dimension("l1_reg", float, 1e-14, 5.0, log=True), Dimension("subsample", float, 0.2, 0.5)]
    sampler = search.make(
        algorithm, dims, {"l1_reg": 0.0, "subsample": 1.0}, seed=0, parallel=1, minimize=True, trials=5
    )
    assert sampler.ask() == {"l1_reg": 1e-14, "subsample": 0.5}


def test_vizier_improves_over_a_bad_starting_point() -> None:
    """A synthetic objective (lower is better) whose default starting point is far from the optimum: TPE's
    best trial beats the start, and its later trials are better on average than random search's."""
    dims = [Dimension("x", float, -5.0, 5.0), Dimension("y", float, -5.0, 5.0)]

    def objective(params):
        return (params["x"] - 3.0) ** 2 + (params["y"] + 2.0) ** 2

    def scores(algorithm: str) -> list[float]:
        sampler = search.make(
            algorithm, dims, {"x": -5.0, "y": 5.0}, seed=1, parallel=1, minimize=True, trials=30
        )
        values = []
        for _ in range(30):
            params = sampler.ask()
            assert params is not None
            values.append(objective(params))
            sampler.tell(params, values[-1])
        return values

    tpe, rand = scores("VIZIER_DEFAULT"), scores("RANDOM_SEARCH")
    assert tpe[0] == rand[0] == objective({"x": -5.0, "y": 5.0})  # both start at the (bad) default
    assert min(tpe) < tpe[0] / 50
    assert sum(tpe[-10:]) / 10 < sum(rand[-10:]) / 10


def test_failed_trials_are_told_as_failures() -> None:
    visited = _run("VIZIER_DEFAULT", RANGES[:2], trials=6, value=lambda p: math.nan)
    assert len(visited) == 6


@pytest.mark.parametrize("algorithm", ["RANDOM_SEARCH", "VIZIER_DEFAULT"])
def test_dart_only_hyperparameters_are_suggested_with_dart_only(algorithm: str) -> None:
    dims = [
        Dimension("booster_type", str, candidates=("GBTREE", "DART")),
        Dimension("dropout", float, 0.0, 0.5),
    ]
    visited = _run(algorithm, dims, trials=16, value=lambda p: p.get("dropout", 1.0))
    assert {p["booster_type"] for p in visited} == {"GBTREE", "DART"}
    for params in visited:
        assert ("dropout" in params) == (params["booster_type"] == "DART")


@pytest.mark.parametrize("algorithm", ["GRID_SEARCH", "RANDOM_SEARCH", "VIZIER_DEFAULT"])
def test_array_candidates_are_suggested_as_given(algorithm: str) -> None:
    """HIDDEN_UNITS candidates are arrays (tuples here): every algorithm suggests them unchanged."""
    layers = ((64, 32), (32,), (16, 8, 4))
    dims = [Dimension("hidden_units", tuple, candidates=layers)]
    visited = _run(algorithm, dims, trials=8, value=lambda p: float(sum(p["hidden_units"])))
    assert visited[0] == {"hidden_units": (64, 32)}  # the starting point: the first candidate
    assert all(p["hidden_units"] in layers for p in visited)
    assert {p["hidden_units"] for p in visited} == set(layers)


@pytest.mark.parametrize("algorithm", ["RANDOM_SEARCH", "VIZIER_DEFAULT"])
def test_an_integer_on_a_log_scale_spreads_over_the_decades(algorithm: str) -> None:
    """BATCH_SIZE's default range [16, 1024] is LOG: about half the draws fall below 128 (a uniform draw
    would put 11 % there)."""
    dims = [Dimension("batch_size", int, 16, 1024, log=True)]
    visited = _run(algorithm, dims, trials=40, value=lambda p: 1.0)
    assert all(16 <= p["batch_size"] <= 1024 and isinstance(p["batch_size"], int) for p in visited)
    assert sum(p["batch_size"] < 128 for p in visited) >= 12
