"""The STRUCT parameters of the monitoring functions as data: name, type, default, valid range.

``read(function, given, names)`` validates the parameters a call gave against ``PARAMS`` (only those in
``names`` are accepted by that function) and fills in the defaults; ``Thresholds`` resolves the
threshold of each feature: its entry in ``thresholds`` or the default of its kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lakehouse.errors import UsageError
from warehouse.ml.monitoring.distance import JSD, L_INFTY
from warehouse.ml.options import OptionSpec

PARAMS: dict[str, OptionSpec] = {
    s.name: s
    for s in (
        OptionSpec("num_histogram_buckets", int, 10, check=lambda v: 1 <= v <= 1000, valid="1..1000"),
        OptionSpec(
            "num_quantiles_histogram_buckets", int, 10, check=lambda v: 1 <= v <= 1000, valid="1..1000"
        ),
        OptionSpec("num_values_histogram_buckets", int, 10, check=lambda v: 1 <= v <= 1000, valid="1..1000"),
        OptionSpec("num_rank_histogram_buckets", int, 50, check=lambda v: 1 <= v <= 10000, valid="1..10000"),
        OptionSpec("categorical_default_threshold", float, 0.3, check=lambda v: 0 <= v < 1, valid="[0, 1)"),
        OptionSpec("categorical_metric_type", str, L_INFTY, (L_INFTY, JSD)),
        OptionSpec("numerical_default_threshold", float, 0.3, check=lambda v: 0 <= v < 1, valid="[0, 1)"),
        OptionSpec("numerical_metric_type", str, JSD, (JSD,)),
        OptionSpec("thresholds", list, []),
        OptionSpec("enable_visualization_link", bool, False),
        # ML.DESCRIBE_DATA
        OptionSpec("num_quantiles", int, 2, check=lambda v: 1 <= v <= 100000, valid="1..100000"),
        OptionSpec(
            "num_array_length_quantiles", int, 10, check=lambda v: 1 <= v <= 100000, valid="1..100000"
        ),
        OptionSpec("top_k", int, 1, check=lambda v: 1 <= v <= 10000, valid="1..10000"),
    )
}

BUCKETS = (
    "num_histogram_buckets",
    "num_quantiles_histogram_buckets",
    "num_values_histogram_buckets",
    "num_rank_histogram_buckets",
)
THRESHOLDS = (
    "categorical_default_threshold",
    "categorical_metric_type",
    "numerical_default_threshold",
    "numerical_metric_type",
    "thresholds",
)
DRIFT = (*BUCKETS, *THRESHOLDS)
SKEW = (*THRESHOLDS, "enable_visualization_link")
DESCRIBE = ("num_quantiles", "num_array_length_quantiles", "top_k")


def read(function: str, given: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The parameters of ``ML.<function>``: ``given`` validated, every default of ``names`` filled in."""
    allowed = tuple(names)
    out: dict[str, Any] = {}
    for name, value in given.items():
        if name not in allowed:
            raise UsageError(
                f"ML.{function}: unknown parameter {name!r}", hint=f"valid parameters: {', '.join(allowed)}"
            )
        out[name] = _check(function, PARAMS[name], value)
    for name in allowed:
        out.setdefault(name, PARAMS[name].default)
    return out


def _check(function: str, spec: OptionSpec, value: Any) -> Any:
    if spec.kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        value = float(value)
    elif spec.kind is str and isinstance(value, str):
        value = value.upper()
    elif spec.kind is list:
        value = _threshold_list(function, value)
    elif not (isinstance(value, spec.kind) and not (spec.kind is int and isinstance(value, bool))):
        raise UsageError(
            f"ML.{function}: {spec.name} = {value!r} has the wrong type",
            hint=f"{spec.name} takes {spec.kind.__name__.replace('str', 'a string')}",
        )
    if spec.choices and value not in spec.choices:
        raise UsageError(
            f"ML.{function}: {spec.name} = {value!r} is not supported",
            hint=f"use one of: {', '.join(spec.choices)}",
        )
    if spec.check and not spec.check(value):
        raise UsageError(
            f"ML.{function}: {spec.name} = {value!r} is out of range", hint=f"valid: {spec.valid}"
        )
    return value


def _threshold_list(function: str, value: Any) -> list[tuple[str, float]]:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        ok = (
            isinstance(item, tuple)
            and len(item) == 2
            and isinstance(item[0], str)
            and isinstance(item[1], int | float)
            and 0 <= item[1] < 1
        )
        if not ok:
            raise UsageError(
                f"ML.{function}: thresholds entry {item!r} is not ('column', threshold in [0, 1))",
                hint="thresholds = [('col_a', 0.1), ('col_b', 0.8)]",
            )
        out.append((item[0], float(item[1])))
    return out


@dataclass(frozen=True)
class Thresholds:
    """Each feature's threshold: its own (``thresholds``, names case-insensitive) or its kind's default."""

    categorical: float
    numerical: float
    by_feature: Mapping[str, float]

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> Thresholds:
        return cls(
            categorical=params["categorical_default_threshold"],
            numerical=params["numerical_default_threshold"],
            by_feature={name.lower(): value for name, value in params["thresholds"]},
        )

    def check_names(self, function: str, features: Iterable[str]) -> None:
        known = {f.lower() for f in features}
        unknown = sorted(set(self.by_feature) - known)
        if unknown:
            raise UsageError(
                f"ML.{function}: thresholds names {unknown[0]!r}, which is not a column of the data",
                hint=f"columns: {', '.join(sorted(known))}",
            )

    def of_feature(self, name: str, numeric: bool) -> float:
        default = self.numerical if numeric else self.categorical
        return self.by_feature.get(name.lower(), default)
