"""What a model type may tune, as data it declares (``ModelType.tuning``): ``Tuning`` (its objectives and
tunable options) built from ``Tunable`` rows, each with BigQuery ML's valid range, default range and scale
(``hp-tuning-overview``, "Hyperparameters and objectives"). ``warehouse.ml.tuning`` reads them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

INF = math.inf


@dataclass(frozen=True)
class Tunable:
    """One tunable option: BigQuery's valid range (or choices), default range and scale."""

    name: str
    kind: type  # float, int, str or tuple (an array of layer widths, tuned by candidates only)
    #: (low, high, low_open, high_open) — of each element for ``tuple`` — or the choices
    valid: tuple[float, float, bool, bool] | tuple[str, ...]
    default_range: tuple[float, float] | None = None  # None: N/A (tuned only when the statement gives it)
    log: bool = False

    def admits(self, value: Any) -> bool:
        """Inside the valid range (a LOG scale's open bound 0 admits 0: BigQuery takes it as 1e-14)."""
        if self.kind is str:
            return value in self.valid
        if self.kind is tuple:
            return (
                isinstance(value, tuple | list)
                and bool(value)
                and all(isinstance(v, int) and not isinstance(v, bool) and self._inside(v) for v in value)
            )
        return self._inside(value)

    def _inside(self, value: Any) -> bool:
        low, high, low_open, high_open = self.valid
        above = value > low if low_open and not (self.log and low == 0) else value >= low
        below = value < high if high_open else value <= high
        return bool(above and below)

    def valid_words(self) -> str:
        if self.kind is str:
            return ", ".join(str(v) for v in self.valid)
        low, high, low_open, high_open = self.valid
        bounds = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        return f"arrays of integers in {bounds}" if self.kind is tuple else bounds


def real(
    name: str, low: float, high: float, bounds: str, default: tuple[float, float] | None, log: bool = False
) -> Tunable:
    """A FLOAT64 option; ``bounds`` as BigQuery writes the valid range: "[]", "(]", "[)" or "()"."""
    return Tunable(name, float, (low, high, bounds[0] == "(", bounds[1] == ")"), default, log)


def integer(
    name: str, low: float, high: float, default: tuple[float, float] | None = None, log: bool = False
) -> Tunable:
    return Tunable(name, int, (low, high, False, high == INF), default, log)


def arrays(name: str, low: float) -> Tunable:
    """An ARRAY<INT64> option (HIDDEN_UNITS): tuned with ``HPARAM_CANDIDATES([STRUCT([64, 32]), ...])`` only,
    each element at least ``low``."""
    return Tunable(name, tuple, (low, INF, False, True))


def choice(name: str, *values: str) -> Tunable:
    return Tunable(name, str, values)


def tunables(*rows: Tunable) -> dict[str, Tunable]:
    return {t.name: t for t in rows}


#: the objectives of each kind of model (the first is BigQuery's default), ML.EVALUATE's metric names
REGRESSION = (
    "R2_SCORE",
    "MEAN_ABSOLUTE_ERROR",
    "MEAN_SQUARED_ERROR",
    "MEAN_SQUARED_LOG_ERROR",
    "MEDIAN_ABSOLUTE_ERROR",
    "EXPLAINED_VARIANCE",
)
CLASSIFICATION = ("ROC_AUC", "PRECISION", "RECALL", "ACCURACY", "F1_SCORE", "LOG_LOSS")
CLUSTERING = ("DAVIES_BOULDIN_INDEX",)


@dataclass(frozen=True)
class Tuning:
    """What a model type tunes: its objectives (the first is the default) and tunable options."""

    objectives: tuple[str, ...]
    hyperparameters: Mapping[str, Tunable]
