"""The search space a CREATE MODEL statement gives with ``HPARAM_RANGE(min, max)`` /
``HPARAM_CANDIDATES([...])``, checked against what the model type declares it tunes
(``ModelType.tuning``, built from ``warehouse.ml.tunable``).
``extract`` takes the HPARAM_* options out of the statement's properties (they are not literal values),
``search_space`` checks them against the table and fills in the default search space.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from lakehouse.errors import UsageError
from warehouse.ml.options import OptionSpec, literal_value
from warehouse.ml.tunable import Tunable, Tuning

#: a LOG-scale range given with a lower bound of 0 starts at this value instead (BigQuery's rule)
LOG_ZERO = 1e-14
#: objectives where a lower value is better (every other objective is maximized)
MINIMIZED = frozenset(
    {
        "MEAN_ABSOLUTE_ERROR",
        "MEAN_SQUARED_ERROR",
        "MEAN_SQUARED_LOG_ERROR",
        "MEDIAN_ABSOLUTE_ERROR",
        "LOG_LOSS",
        "DAVIES_BOULDIN_INDEX",
    }
)

#: hyperparameters that apply only when booster_type is DART (BigQuery's conditional hyperparameters)
DART_ONLY = ("dropout", "dart_normalize_type")


@dataclass(frozen=True)
class Dimension:
    """One tuned hyperparameter: a range (``low``..``high``, LOG or LINEAR) or a list of candidates."""

    name: str
    kind: type
    low: float | None = None
    high: float | None = None
    log: bool = False
    candidates: tuple[Any, ...] = ()

    @property
    def discrete(self) -> bool:
        return bool(self.candidates)

    def to_json(self) -> dict[str, Any]:
        if self.discrete:
            return {"candidates": list(self.candidates)}
        return {"range": [self.low, self.high], "log": self.log}


HPARAM_FUNCTIONS = ("HPARAM_RANGE", "HPARAM_CANDIDATES")
#: kinds of options tuned with HPARAM_CANDIDATES only -> what the candidates look like
_CANDIDATES_ONLY: dict[type, str] = {str: "strings", tuple: "[STRUCT([64, 32]), STRUCT([32])]"}


def _hparam_call(node: exp.Expr) -> tuple[str, list[exp.Expr]] | None:
    if isinstance(node, exp.Anonymous) and str(node.this).upper() in HPARAM_FUNCTIONS:
        return str(node.this).upper(), list(node.expressions)
    return None


def extract(
    properties: exp.Properties | None,
) -> tuple[exp.Properties | None, dict[str, tuple[str, Any]], set[str]]:
    """(the properties without HPARAM_* options, option -> (HPARAM_RANGE|HPARAM_CANDIDATES, values), the
    names of every option the statement gives)."""
    if properties is None:
        return None, {}, set()
    kept = properties.copy()
    given: dict[str, tuple[str, Any]] = {}
    names: set[str] = set()
    for prop in list(kept.expressions):
        if not isinstance(prop, exp.Property) or isinstance(prop, exp.TransformModelProperty):
            continue
        name = prop.name.lower()
        names.add(name)
        call = _hparam_call(prop.args["value"])
        if call is None:
            continue
        function, arguments = call
        given[name] = (function, [literal_value(a, name) for a in arguments])
        prop.pop()
    return kept, given, names


def _not_tunable(name: str, model_type: str, tuning: Tuning | None) -> UsageError:
    if tuning is None:
        return UsageError(
            f"hyperparameter tuning is not supported for model_type {model_type} (option {name})",
            hint="drop num_trials and the HPARAM_* options",
        )
    return UsageError(
        f"option {name} of model_type {model_type} cannot be tuned with HPARAM_RANGE or HPARAM_CANDIDATES",
        hint=f"tunable options: {', '.join(tuning.hyperparameters)}",
    )


def _range(tunable: Tunable, spec: OptionSpec, values: list[Any]) -> Dimension:
    name = tunable.name
    discrete = tunable.kind in _CANDIDATES_ONLY
    if discrete or len(values) != 2 or not all(isinstance(v, int | float) for v in values):
        raise UsageError(
            f"option {name}: HPARAM_RANGE takes two numbers (min, max)"
            + (f" and this option takes {_CANDIDATES_ONLY[tunable.kind]}" if discrete else ""),
            hint=f"{name} = HPARAM_CANDIDATES({_CANDIDATES_ONLY.get(tunable.kind, '[...]')})"
            if discrete
            else f"{name} = HPARAM_RANGE(0, 1)",
        )
    low, high = float(values[0]), float(values[1])
    if tunable.log and low == 0:
        low = LOG_ZERO
    if not low < high or not (tunable.admits(low) and tunable.admits(high)):
        raise UsageError(
            f"option {name}: HPARAM_RANGE({values[0]}, {values[1]}) is not a range inside {tunable.valid_words()}",
            hint="give min < max, both within the valid range",
        )
    return Dimension(name, tunable.kind, low, high, tunable.log)


def _array(value: Any) -> Any:
    """One candidate of an array option: ``STRUCT([64, 32])`` (as BigQuery writes it) or ``[64, 32]``, as a
    tuple (candidates are compared and hashed)."""
    if isinstance(value, tuple) and len(value) == 1 and isinstance(value[0], list):
        value = value[0]
    return tuple(value) if isinstance(value, list) else value


def _candidates(tunable: Tunable, spec: OptionSpec, values: list[Any]) -> Dimension:
    name = tunable.name
    flat = values[0] if len(values) == 1 and isinstance(values[0], list) else values
    if tunable.kind is tuple and flat and all(isinstance(v, int) for v in flat):
        flat = [flat]  # HPARAM_CANDIDATES([64, 32]): one array
    if not flat:
        raise UsageError(
            f"option {name}: HPARAM_CANDIDATES is empty", hint=f"{name} = HPARAM_CANDIDATES([a, b])"
        )
    out: list[Any] = []
    for value in flat:
        value = value.upper() if isinstance(value, str) else value
        if tunable.kind is tuple:
            value = _array(value)
        ok_type = (
            isinstance(value, tunable.kind)
            if tunable.kind in _CANDIDATES_ONLY
            else isinstance(value, int | float)
        )
        if (
            not ok_type
            or not tunable.admits(value)
            or (spec.check is not None and not spec.check(tunable.kind(value)))
        ):
            raise UsageError(
                f"option {name}: candidate {value!r} is not valid",
                hint=f"valid: {tunable.valid_words()}",
            )
        if tunable.kind is int and value != int(value):
            raise UsageError(
                f"option {name}: candidate {value!r} is not an integer", hint="give whole numbers"
            )
        out.append(tunable.kind(value))
    if len(set(out)) != len(out):
        raise UsageError(f"option {name}: HPARAM_CANDIDATES repeats a value", hint="list each candidate once")
    return Dimension(name, tunable.kind, candidates=tuple(out))


def check_names(
    model_type: str, tuning: Tuning | None, given: Mapping[str, Any], specs: Mapping[str, OptionSpec]
) -> None:
    """Every option given as HPARAM_* is an option of the type that BigQuery ML tunes."""
    for name in given:
        if name not in specs:
            raise UsageError(
                f"unknown option {name!r} for model_type {model_type}",
                hint=f"valid options: {', '.join(sorted(specs))}",
            )
        if tuning is None or name not in tuning.hyperparameters:
            raise _not_tunable(name, model_type, tuning)


def search_space(
    model_type: str,
    tuning: Tuning | None,
    given: Mapping[str, tuple[str, Any]],
    fixed: set[str],
    options: Mapping[str, Any],
    specs: Mapping[str, OptionSpec],
) -> list[Dimension]:
    """The tuned dimensions: the options given with HPARAM_*, or (none given) BigQuery's default search
    space: every tunable option with a default range that the statement does not fix to a value."""
    check_names(model_type, tuning, given, specs)
    if tuning is None:
        raise _not_tunable("num_trials", model_type, None)
    if given:
        dimensions = []
        for name, (function, values) in given.items():
            build = _range if function == "HPARAM_RANGE" else _candidates
            dimensions.append(build(tuning.hyperparameters[name], specs[name], values))
        _check_conditions(dimensions, options)
        return dimensions
    return [
        Dimension(t.name, t.kind, *_default_bounds(t), t.log)
        for t in tuning.hyperparameters.values()
        if t.default_range is not None and t.name not in fixed
    ]


def _default_bounds(tunable: Tunable) -> tuple[float, float]:
    assert tunable.default_range is not None
    low, high = tunable.default_range
    return (LOG_ZERO if tunable.log and low == 0 else float(low)), float(high)


def _check_conditions(dimensions: list[Dimension], options: Mapping[str, Any]) -> None:
    """DROPOUT and DART_NORMALIZE_TYPE are tuned only with DART among the booster types (or as the
    booster type the statement fixes)."""
    by_name = {d.name: d for d in dimensions}
    tuned = [n for n in DART_ONLY if n in by_name]
    booster = by_name.get("booster_type")
    boosters = booster.candidates if booster is not None else (options.get("booster_type"),)
    if tuned and "DART" not in boosters:
        raise UsageError(
            f"option {tuned[0]} can be tuned only when booster_type's candidates include 'DART'",
            hint="booster_type = HPARAM_CANDIDATES(['GBTREE', 'DART'])",
        )


def objective(model_type: str, tuning: Tuning, given: list[str] | None) -> str:
    """The tuning objective: the one HPARAM_TUNING_OBJECTIVES names, or the model type's default."""
    objectives = tuning.objectives
    if not given:
        return objectives[0]
    if len(given) != 1:
        raise UsageError(
            f"hparam_tuning_objectives = {given!r}: give exactly one objective",
            hint=f"e.g. hparam_tuning_objectives = ['{objectives[0]}']",
        )
    name = given[0].upper()
    if name not in objectives:
        raise UsageError(
            f"hparam_tuning_objectives: {given[0]!r} is not an objective of model_type {model_type}",
            hint=f"objectives: {', '.join(objectives)}",
        )
    return name
