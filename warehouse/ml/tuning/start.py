"""Where every search starts: BigQuery's starting point (each option's default, or the closest point of its
search space) and the rule that a non-DART trial carries no DART-only hyperparameter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from warehouse.ml.tuning.space import DART_ONLY, Dimension

Params = dict[str, Any]


def applicable(params: Params) -> Params:
    """``params`` without the DART-only hyperparameters when the trial's booster is not DART."""
    if params.get("booster_type", "DART") == "DART":
        return params
    return {k: v for k, v in params.items() if k not in DART_ONLY}


def _closest(dimension: Dimension, default: Any) -> Any:
    """BigQuery's starting point of one dimension: the default if inside its space, else the closest point."""
    if dimension.discrete:
        if default in dimension.candidates:
            return default
        if dimension.kind is str or not isinstance(default, int | float):
            return dimension.candidates[0]
        return min(dimension.candidates, key=lambda c: abs(c - default))
    assert dimension.low is not None and dimension.high is not None
    value = dimension.low if default is None else min(max(float(default), dimension.low), dimension.high)
    return int(round(value)) if dimension.kind is int else value


def starting_point(dimensions: list[Dimension], defaults: Mapping[str, Any]) -> Params:
    return applicable({d.name: _closest(d, defaults.get(d.name)) for d in dimensions})
