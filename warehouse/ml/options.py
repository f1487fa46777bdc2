"""CREATE MODEL options as data: name, type, default and allowed values, in groups model types share.

Each model type lists the options it accepts (``models/<type>/options.py``: the groups here plus its
own); ``parse_options`` turns the OPTIONS(...) properties sqlglot parsed into a validated dict with every
default of that type filled in. Names are case-insensitive; an unknown or misspelled option is an error
naming it and listing the valid ones (with a close match first), never silently ignored.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from lakehouse.errors import UsageError


@dataclass(frozen=True)
class OptionSpec:
    name: str
    kind: type  # str, int, float, bool, list (of strings), dict, tuple (an array of integers)
    default: Any
    choices: tuple[str, ...] = ()
    check: Callable[[Any], bool] | None = None
    valid: str = ""  # words for the error when ``check`` fails


def group(*specs: OptionSpec) -> dict[str, OptionSpec]:
    """Options by name, in the order given (a model type's table is the union of such groups)."""
    return {s.name: s for s in specs}


_VERTEX_ID = re.compile(r"^[a-z_][a-z0-9_-]{0,62}$")

#: every model type has these: ``model_type`` picks the type's row in warehouse.ml.types.MODEL_TYPES;
#: BigQuery's model registry options are accepted and stored (``managing-models-vertex``); here a model's
#: versions are ``lakehouse ml retrain``'s ``<name>__v<N>``, whatever the registry option says
COMMON = group(
    OptionSpec("model_type", str, None),
    OptionSpec("model_registry", str, None, ("VERTEX_AI",)),
    OptionSpec(
        "vertex_ai_model_id",
        str,
        None,
        check=lambda v: bool(_VERTEX_ID.match(v)),
        valid="up to 63 of [a-z0-9_-], not starting with a digit or hyphen",
    ),
    OptionSpec("vertex_ai_model_version_aliases", list, []),
)

#: model types trained in iterations
ITERATIVE = group(
    OptionSpec("max_iterations", int, 20, check=lambda v: v >= 1, valid="an integer >= 1"),
    OptionSpec("early_stop", bool, True),
    OptionSpec("min_rel_progress", float, 0.01, check=lambda v: 0 <= v <= 1, valid="0..1"),
    OptionSpec("warm_start", bool, False),
)

#: hyperparameter tuning (warehouse.ml.tuning); None = not given (each needs num_trials)
TUNING_OPTIONS = group(
    OptionSpec("num_trials", int, None, check=lambda v: 1 <= v <= 100, valid="an integer in 1..100"),
    OptionSpec("max_parallel_trials", int, None, check=lambda v: 1 <= v <= 5, valid="an integer in 1..5"),
    OptionSpec("hparam_tuning_algorithm", str, None, ("VIZIER_DEFAULT", "RANDOM_SEARCH", "GRID_SEARCH")),
    OptionSpec("hparam_tuning_objectives", list, None),
)

#: model types that learn a label: its column, a row weight and how rows split into train and eval
#: (and test, when tuning), and the tuning options
SUPERVISED = group(
    OptionSpec("input_label_cols", list, ["label"]),
    OptionSpec("instance_weight_col", str, None),
    OptionSpec("data_split_method", str, "AUTO_SPLIT", ("AUTO_SPLIT", "RANDOM", "CUSTOM", "SEQ", "NO_SPLIT")),
    OptionSpec("data_split_eval_fraction", float, 0.2, check=lambda v: 0 < v < 1, valid="0..1 exclusive"),
    OptionSpec("data_split_col", str, None),
    OptionSpec("data_split_test_fraction", float, None, check=lambda v: 0 <= v < 1, valid="0 <= value < 1"),
    *TUNING_OPTIONS.values(),
)


def literal_value(node: exp.Expr, name: str) -> Any:
    """A Python value from an option's SQL literal: string, number, bool, array, array of STRUCTs."""
    if isinstance(node, exp.Boolean):
        return node.this
    if isinstance(node, exp.Literal):
        return (
            node.this
            if node.is_string
            else float(node.this)
            if "." in node.this or "e" in node.this.lower()
            else int(node.this)
        )
    if isinstance(node, exp.Neg):
        return -literal_value(node.this, name)
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Array):
        return [literal_value(e, name) for e in node.expressions]
    if isinstance(node, exp.Tuple):  # ('col_a', 0.1): an anonymous STRUCT
        return tuple(literal_value(e, name) for e in node.expressions)
    if isinstance(node, exp.Struct):
        return tuple(
            literal_value(e.expression if isinstance(e, exp.PropertyEQ | exp.Alias) else e, name)
            for e in node.expressions
        )
    if isinstance(node, exp.Column | exp.Var | exp.Identifier):
        return node.name
    raise UsageError(
        f"option {name}: cannot read the value {node.sql('bigquery')!r}", hint="use a literal value"
    )


def _coerce(spec: OptionSpec, value: Any) -> Any:
    if spec.kind is bool and isinstance(value, bool):
        return value
    if spec.kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if spec.kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if spec.kind is str and isinstance(value, str):
        return value.upper() if spec.choices else value
    if spec.kind is list:
        values = value if isinstance(value, list) else [value]
        if all(isinstance(v, str) for v in values):
            return values
    if (
        spec.kind is tuple
        and isinstance(value, list)
        and value
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return [int(v) for v in value]
    if (
        spec.kind is dict
        and isinstance(value, list)
        and all(isinstance(v, tuple) and len(v) == 2 for v in value)
    ):
        return {str(k): float(w) for k, w in value}
    raise UsageError(
        f"option {spec.name} = {value!r} has the wrong type (expected {_KIND_WORDS[spec.kind]})",
        hint=f"e.g. {spec.name} = {_EXAMPLES[spec.kind]}",
    )


_KIND_WORDS = {
    bool: "TRUE or FALSE",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "an array of strings",
    dict: "an array of STRUCT(label, weight)",
    tuple: "an array of integers",
}
_EXAMPLES = {
    bool: "TRUE",
    int: "5",
    float: "0.1",
    str: "'value'",
    list: "['col']",
    dict: "[STRUCT('a', 0.5)]",
    tuple: "[128, 64]",
}


def _unknown(name: str, valid: Iterable[str], where: str) -> UsageError:
    names = sorted(valid)
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return UsageError(f"unknown option {name!r} for {where}", hint=f"{hint}valid options: {', '.join(names)}")


def parse_options(
    properties: exp.Properties | None, options_by_type: Mapping[str, Mapping[str, OptionSpec]]
) -> dict[str, Any]:
    """Validated options with defaults, keys lower case; ``model_type`` upper case, a key of ``options_by_type``."""
    given: dict[str, Any] = {}
    for prop in properties.expressions if properties else []:
        if not isinstance(prop, exp.Property) or isinstance(prop, exp.TransformModelProperty):
            continue
        name = prop.name.lower()
        if name in given:
            raise UsageError(f"option {name} is given twice")
        given[name] = literal_value(prop.args["value"], name)
    if "model_type" not in given:
        raise UsageError("OPTIONS has no model_type", hint=f"use one of: {', '.join(options_by_type)}")
    model_type = str(given["model_type"]).upper()
    if model_type not in options_by_type:
        raise UsageError(
            f"unsupported model_type {given['model_type']!r}",
            hint=f"supported model types: {', '.join(options_by_type)}",
        )
    valid = options_by_type[model_type]
    result: dict[str, Any] = {}
    for name, raw in given.items():
        if name not in valid:
            raise _unknown(name, valid, f"model_type {model_type}")
        spec = valid[name]
        value = _coerce(spec, raw)
        if spec.choices and value not in spec.choices:
            raise UsageError(
                f"option {name} = {raw!r} is not supported", hint=f"use one of: {', '.join(spec.choices)}"
            )
        if spec.check and not spec.check(value):
            raise UsageError(f"option {name} = {raw!r} is out of range", hint=f"valid: {spec.valid}")
        result[name] = value
    for name, spec in valid.items():
        result.setdefault(name, spec.default)
    result["model_type"] = model_type
    return result
