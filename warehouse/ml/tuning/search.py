"""The tuning algorithms (``HPARAM_TUNING_ALGORITHM``): which hyperparameters the next trial gets.

Every algorithm answers ``ask()`` (the next trial's hyperparameters, or None when the search space is
exhausted) and ``tell(params, value)`` (the trial's objective on the eval split; None when it failed).
``ALGORITHMS`` maps each name to its class:

- ``GRID_SEARCH``: every combination of the candidates once, in the order given (discrete spaces only);
- ``RANDOM_SEARCH``: uniform draws (log-uniform on LOG scales, integers too) from a seeded generator;
- ``VIZIER_DEFAULT``: Bayesian optimisation with optuna's TPE sampler (BigQuery's Vizier is a Gaussian
  process service with transfer learning, which has no offline equivalent), seeded.

RANDOM_SEARCH and VIZIER_DEFAULT start at BigQuery's starting point: each option's default, or the point
of its search space closest to it. With ``parallel`` trials in flight (MAX_PARALLEL_TRIALS), a batch is
asked before any of its results is told (TPE then uses its "constant liar" for the pending ones).
"""

from __future__ import annotations

import importlib
import itertools
import math
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

import numpy as np

from lakehouse.errors import UsageError
from warehouse.ml.tuning.space import Dimension
from warehouse.ml.tuning.start import Params, applicable, starting_point


class Search(Protocol):
    def ask(self) -> Params | None: ...

    def tell(self, params: Params, value: float | None) -> None: ...


class GridSearch:
    """Every combination of the candidates, each once (combinations that differ only in a DART-only value
    of a non-DART trial are one trial)."""

    def __init__(
        self, dimensions: list[Dimension], defaults: Mapping[str, Any], seed: int, parallel: int
    ) -> None:
        ranges = [d.name for d in dimensions if not d.discrete]
        if ranges:
            raise UsageError(
                f"hparam_tuning_algorithm = 'GRID_SEARCH' needs discrete search spaces; {ranges[0]} is an HPARAM_RANGE",
                hint=f"{ranges[0]} = HPARAM_CANDIDATES([...]), or hparam_tuning_algorithm = 'RANDOM_SEARCH'",
            )
        self._grid = self._combinations(dimensions)

    @staticmethod
    def _combinations(dimensions: list[Dimension]) -> Iterator[Params]:
        seen: set[tuple[tuple[str, Any], ...]] = set()
        for values in itertools.product(*[d.candidates for d in dimensions]):
            params = applicable(dict(zip([d.name for d in dimensions], values, strict=True)))
            key = tuple(sorted(params.items()))
            if key not in seen:
                seen.add(key)
                yield params

    def ask(self) -> Params | None:
        return next(self._grid, None)

    def tell(self, params: Params, value: float | None) -> None:
        return None


class RandomSearch:
    """The starting point, then independent uniform draws (log-uniform on LOG scales)."""

    def __init__(
        self, dimensions: list[Dimension], defaults: Mapping[str, Any], seed: int, parallel: int
    ) -> None:
        self._dimensions = dimensions
        self._rng = np.random.default_rng(seed)
        self._start: Params | None = starting_point(dimensions, defaults)

    def _draw(self, d: Dimension) -> Any:
        if d.discrete:
            return d.candidates[int(self._rng.integers(len(d.candidates)))]
        assert d.low is not None and d.high is not None
        if d.kind is int and d.log:  # log-uniform over [low, high + 1), rounded down
            drawn = math.exp(self._rng.uniform(math.log(d.low), math.log(d.high + 1)))
            return min(int(d.high), int(drawn))
        if d.kind is int:
            return int(self._rng.integers(int(d.low), int(d.high) + 1))
        if d.log:
            return float(math.exp(self._rng.uniform(math.log(d.low), math.log(d.high))))
        return float(self._rng.uniform(d.low, d.high))

    def ask(self) -> Params | None:
        if self._start is not None:
            start, self._start = self._start, None
            return start
        return applicable({d.name: self._draw(d) for d in self._dimensions})

    def tell(self, params: Params, value: float | None) -> None:
        return None


ALGORITHMS: dict[str, type] = {
    "GRID_SEARCH": GridSearch,
    "RANDOM_SEARCH": RandomSearch,
}


#: algorithms whose module (and library) is imported only when a statement asks for them
IMPORTED_WHEN_ASKED = {"VIZIER_DEFAULT": "warehouse.ml.tuning.vizier"}


def make(
    algorithm: str,
    dimensions: list[Dimension],
    defaults: Mapping[str, Any],
    *,
    seed: int,
    parallel: int,
    minimize: bool,
    trials: int,
) -> Search:
    if (
        algorithm in IMPORTED_WHEN_ASKED
    ):  # optuna costs about 1 s to import: only when a statement asks for it
        bayesian = importlib.import_module(IMPORTED_WHEN_ASKED[algorithm]).Vizier
        return bayesian(dimensions, defaults, seed, parallel, minimize=minimize, trials=trials)
    search: Search = ALGORITHMS[algorithm](dimensions, defaults, seed, parallel)
    return search
