"""CREATE MODEL options as data: name, type, default, allowed values and the model types that accept it.

``parse_options`` turns the OPTIONS(...) properties sqlglot parsed into a validated dict with every
default filled in. Names are case-insensitive; an unknown or misspelled option is an error naming it
and listing the valid ones (with a close match first), never silently ignored.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from lakehouse.errors import UsageError

KMEANS = "KMEANS"
LINEAR_REG = "LINEAR_REG"
LOGISTIC_REG = "LOGISTIC_REG"
GLM = (LINEAR_REG, LOGISTIC_REG)
MODEL_TYPES = (KMEANS, LINEAR_REG, LOGISTIC_REG)
ALL = MODEL_TYPES


@dataclass(frozen=True)
class OptionSpec:
    name: str
    kind: type  # str, int, float, bool, list
    default: Any
    model_types: tuple[str, ...] = ALL
    choices: tuple[str, ...] = ()
    check: Callable[[Any], bool] | None = None
    valid: str = ""  # words for the error when ``check`` fails


def _spec(*specs: OptionSpec) -> dict[str, OptionSpec]:
    return {s.name: s for s in specs}


OPTIONS: dict[str, OptionSpec] = _spec(
    OptionSpec("model_type", str, None, ALL, MODEL_TYPES),
    OptionSpec("input_label_cols", list, ["label"], GLM),
    OptionSpec("instance_weight_col", str, None, GLM),
    # k-means
    OptionSpec("num_clusters", int, None, (KMEANS,), check=lambda v: 2 <= v <= 100, valid="2..100"),
    OptionSpec("kmeans_init_method", str, "RANDOM", (KMEANS,), ("RANDOM", "KMEANS++", "CUSTOM")),
    OptionSpec("kmeans_init_col", str, None, (KMEANS,)),
    OptionSpec("distance_type", str, "EUCLIDEAN", (KMEANS,), ("EUCLIDEAN", "COSINE")),
    OptionSpec("standardize_features", bool, True, (KMEANS,)),
    # iterative training
    OptionSpec("max_iterations", int, 20, ALL, check=lambda v: v >= 1, valid="an integer >= 1"),
    OptionSpec("early_stop", bool, True, ALL),
    OptionSpec("min_rel_progress", float, 0.01, ALL, check=lambda v: 0 <= v <= 1, valid="0..1"),
    OptionSpec("warm_start", bool, False, ALL),
    # GLM
    OptionSpec(
        "optimize_strategy",
        str,
        "AUTO_STRATEGY",
        GLM,
        ("AUTO_STRATEGY", "BATCH_GRADIENT_DESCENT", "NORMAL_EQUATION"),
    ),
    OptionSpec("l1_reg", float, 0.0, GLM, check=lambda v: v >= 0, valid="a number >= 0"),
    OptionSpec("l2_reg", float, 0.0, GLM, check=lambda v: v >= 0, valid="a number >= 0"),
    OptionSpec("learn_rate_strategy", str, "LINE_SEARCH", GLM, ("LINE_SEARCH", "CONSTANT")),
    OptionSpec("learn_rate", float, 0.1, GLM, check=lambda v: v > 0, valid="a number > 0"),
    OptionSpec("ls_init_learn_rate", float, 0.1, GLM, check=lambda v: v > 0, valid="a number > 0"),
    OptionSpec("auto_class_weights", bool, False, (LOGISTIC_REG,)),
    OptionSpec("class_weights", dict, None, (LOGISTIC_REG,)),
    OptionSpec("fit_intercept", bool, True, GLM),
    OptionSpec(
        "calculate_p_values",
        bool,
        False,
        GLM,
        check=lambda v: not v,
        valid="FALSE (p-values are not implemented yet)",
    ),
    OptionSpec(
        "category_encoding_method",
        str,
        "ONE_HOT_ENCODING",
        GLM,
        ("ONE_HOT_ENCODING", "DUMMY_ENCODING"),
    ),
    OptionSpec(
        "enable_global_explain",
        bool,
        False,
        GLM,
        check=lambda v: not v,
        valid="FALSE (ML.GLOBAL_EXPLAIN is not implemented yet)",
    ),
    OptionSpec(
        "data_split_method",
        str,
        "AUTO_SPLIT",
        GLM,
        ("AUTO_SPLIT", "RANDOM", "CUSTOM", "SEQ", "NO_SPLIT"),
    ),
    OptionSpec(
        "data_split_eval_fraction", float, 0.2, GLM, check=lambda v: 0 < v < 1, valid="0..1 exclusive"
    ),
    OptionSpec("data_split_col", str, None, GLM),
)


def _value(node: exp.Expr, name: str) -> Any:
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
        return -_value(node.this, name)
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Array):
        return [_value(e, name) for e in node.expressions]
    if isinstance(node, exp.Struct):
        return tuple(
            _value(e.expression if isinstance(e, exp.PropertyEQ | exp.Alias) else e, name)
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
}
_EXAMPLES = {
    bool: "TRUE",
    int: "5",
    float: "0.1",
    str: "'value'",
    list: "['col']",
    dict: "[STRUCT('a', 0.5)]",
}


def _unknown(name: str, valid: Iterable[str], where: str) -> UsageError:
    names = sorted(valid)
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return UsageError(f"unknown option {name!r} for {where}", hint=f"{hint}valid options: {', '.join(names)}")


def parse_options(properties: exp.Properties | None) -> dict[str, Any]:
    """Validated options with defaults, keys lower case; ``model_type`` upper case."""
    given: dict[str, Any] = {}
    for prop in properties.expressions if properties else []:
        if not isinstance(prop, exp.Property) or isinstance(prop, exp.TransformModelProperty):
            continue
        name = prop.name.lower()
        if name in given:
            raise UsageError(f"option {name} is given twice")
        given[name] = _value(prop.args["value"], name)
    if "model_type" not in given:
        raise UsageError("OPTIONS has no model_type", hint=f"use one of: {', '.join(MODEL_TYPES)}")
    model_type = str(given["model_type"]).upper()
    if model_type not in MODEL_TYPES:
        raise UsageError(
            f"unsupported model_type {given['model_type']!r}",
            hint=f"supported model types: {', '.join(MODEL_TYPES)}",
        )
    valid = {n: s for n, s in OPTIONS.items() if model_type in s.model_types}
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
