"""What every model type's explanations share: parameters, BigQuery's output columns, the global table.

ML.EXPLAIN_PREDICT (``bigqueryml-syntax-explain-predict``) returns, before the passthrough columns,
``predicted_<label>``, ``probability`` (classifiers: of the predicted class), ``top_feature_attributions``
ARRAY<STRUCT<feature STRING, attribution FLOAT64>> (the top ``top_k_features`` by absolute attribution),
``baseline_prediction_value``, ``prediction_value`` (the logit of the predicted class for classifiers) and
``approximation_error`` (0 for the exact methods of linear and tree models; an approximate method such
as Integrated Gradients reports its own). A model family hands
``explained`` rows holding one attribution column per feature (``attribution(i)``, toward the predicted
class), ``BASELINE`` and ``VALUE``; the top-k list is built in SQL.

ML.GLOBAL_EXPLAIN (``bigqueryml-syntax-global-explain``) reads the state table ``global_explain`` that
training writes when ``enable_global_explain`` is TRUE (``GLOBAL``: ``class_label`` NULL for the model's
rows, a class for the per-class rows): the mean absolute attribution of each feature over the evaluation
rows (the eval split, or every training row when nothing is held out), toward the predicted class for
the model, toward each class for ``class_level_explain``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from sqlglot import exp

from lakehouse.errors import UsageError
from warehouse.ml.classes import PRED, label_literal
from warehouse.ml.model import Call
from warehouse.ml.registry import Model, write_state
from warehouse.ml.sqlexpr import col, fill, ident, num, string, struct

BASELINE = "__baseline"
VALUE = "__value"
TOP_K = 5  # BigQuery's default top_k_features
CLASS_TOP = 10  # ML.GLOBAL_EXPLAIN returns each class's 10 most important features

#: the state table of ML.GLOBAL_EXPLAIN
GLOBAL = pa.schema(
    [
        ("position", pa.int64()),  # the order ML.GLOBAL_EXPLAIN returns the rows in
        ("class_label", pa.string()),
        ("feature", pa.string()),
        ("attribution", pa.float64()),
    ]
)

_TOP = """
list_transform(
  list_slice(list_sort(__p_items), 1, __p_k),
  lambda __e: struct_pack(feature := __e.feature, attribution := __e.attribution)
)
"""


def attribution(i: int) -> str:
    """The column of feature ``i``'s attribution (toward the predicted class)."""
    return f"__a{i}"


def helper_columns(features: int) -> list[str]:
    return [attribution(i) for i in range(features)] + [BASELINE, VALUE]


def top_k(call: Call) -> int:
    """``top_k_features`` of the call (default 5); more than the model's features returns them all."""
    value = call.params.get("top_k_features", TOP_K)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(
            f"ML.{call.function}: top_k_features = {value!r} is not a positive integer",
            hint="STRUCT(3 AS top_k_features)",
        )
    return value


def top_attributions(features: Sequence[str], k: int) -> exp.Expr:
    """ARRAY<STRUCT<feature, attribution>> of the ``k`` largest absolute attributions (ties by name)."""
    items = exp.Array(
        expressions=[
            struct(
                [
                    ("key", exp.Neg(this=exp.func("abs", col(attribution(i))))),
                    ("feature", string(name)),
                    ("attribution", exp.cast(col(attribution(i)), "DOUBLE")),
                ]
            )
            for i, name in enumerate(features)
        ]
    )
    return fill(_TOP, items=items, k=exp.Literal.number(min(k, len(features))))


def beside_scores(scored: exp.Table, explained: exp.Query, row: str) -> exp.Select:
    """The scored rows (a materialized table, its ``rowid`` the input's order) with their explanations
    (``explained``, keyed by ``row``), in the input's order."""
    return (
        exp.select("*")
        .from_(exp.Table(this=scored.this.copy(), alias=exp.TableAlias(this=ident("__s"))))
        .join(
            exp.Subquery(this=explained, alias=exp.TableAlias(this=ident("__e"))),
            on=exp.EQ(this=exp.column("rowid", table="__s"), expression=col(row, "__e")),
        )
        .order_by(exp.column("rowid", table="__s"))
    )


def explained(
    rows: exp.Select,
    features: Sequence[str],
    k: int,
    leading: Sequence[exp.Expr],
    helpers: Sequence[str],
    error: exp.Expr | None = None,
) -> exp.Select:
    """BigQuery's columns over ``rows`` (which hold ``attribution(i)``, ``BASELINE`` and ``VALUE``):
    ``leading`` (the prediction, and for classifiers its probability), the explanation, then every
    column of ``rows`` but the ``helpers`` and this module's own. ``error`` is the approximation error
    of an approximate method (a column of ``rows``); the exact methods' is 0."""
    return exp.select(
        *leading,
        exp.alias_(top_attributions(features, k), ident("top_feature_attributions")),
        exp.alias_(exp.cast(col(BASELINE), "DOUBLE"), ident("baseline_prediction_value")),
        exp.alias_(exp.cast(col(VALUE), "DOUBLE"), ident("prediction_value")),
        exp.alias_(num(0.0) if error is None else exp.cast(error, "DOUBLE"), ident("approximation_error")),
        exp.Star(except_=[exp.column(ident(n)) for n in [*helpers, *helper_columns(len(features))]]),
    ).from_(rows.subquery("__explained"))


def predicted_probability(classes: int, pred: exp.Expr) -> exp.Expr:
    """P(the predicted class) from ``__p<k>`` (binary: ``__p0`` is P(the higher label))."""
    if classes == 2:
        return exp.If(
            this=exp.EQ(this=pred.copy(), expression=num(1.0)),
            true=col("__p0"),
            false=exp.Sub(this=num(1.0), expression=col("__p0")),
        )
    case = exp.Case()
    for k in range(classes):
        case = case.when(exp.EQ(this=pred.copy(), expression=num(float(k))), col(f"__p{k}"))
    return case


class GlobalSums:
    """Sums of absolute attributions over rows, added batch by batch: per feature toward each row's
    predicted class (the model's rows) and toward each output (the per-class rows)."""

    def __init__(self, outputs: int, features: int) -> None:
        self.rows = 0
        self.predicted = np.zeros(features)
        self.by_output = np.zeros((outputs, features))

    def add(self, attributions: np.ndarray, predicted: np.ndarray, classes: int) -> None:
        """``attributions`` (rows, outputs, features) toward each output (a binary classifier's one output
        is the positive class); ``predicted`` each row's predicted class index."""
        self.rows += len(attributions)
        self.predicted += np.abs(oriented(attributions, predicted, classes)).sum(axis=0)
        self.by_output += np.abs(attributions).sum(axis=0)


def record_global(
    model: Model, con: duckdb.DuckDBPyConnection, sums: GlobalSums, classes: Sequence[Any]
) -> None:
    """Write ``global_explain``: the means of ``sums``, the model's rows by decreasing attribution, then
    each class's top ``CLASS_TOP``."""
    names = [f.name for f in model.features]
    count = max(sums.rows, 1)
    rows: list[tuple[str | None, str, float]] = []
    model_level = sums.predicted / count
    for i in np.argsort(-model_level, kind="stable"):
        rows.append((None, names[i], float(model_level[i])))
    for c, label in enumerate(classes):
        means = sums.by_output[0 if len(classes) == 2 else c] / count
        for i in np.argsort(-means, kind="stable")[:CLASS_TOP]:
            rows.append((str(label), names[i], float(means[i])))
    table = pa.Table.from_pylist(
        [
            {"position": n, "class_label": c, "feature": f, "attribution": a}
            for n, (c, f, a) in enumerate(rows)
        ],
        schema=GLOBAL,
    )
    write_state(con, model, "global_explain", table)


def oriented(attributions: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """(rows, features): the attributions toward each row's predicted class (a regressor's only output;
    a binary classifier's negative class is the positive one's logit negated)."""
    if classes == 0:
        return np.asarray(attributions[:, 0, :])
    if classes == 2:
        sign = np.where(predicted == 1, 1.0, -1.0)
        return np.asarray(attributions[:, 0, :] * sign[:, None])
    return np.asarray(attributions[np.arange(len(predicted)), predicted.astype(int), :])


def global_explain(call: Call) -> exp.Query:
    """ML.GLOBAL_EXPLAIN: the model's rows, or with ``class_level_explain`` each class's top 10."""
    model = call.model
    by_class = bool(call.param("class_level_explain", False, ("class_level_explain",)))
    if not model.options.get("enable_global_explain") or "global_explain" not in model.state.get(
        "tables", []
    ):
        raise UsageError(
            f"ML.GLOBAL_EXPLAIN: model {model.qualified_name} was not trained with "
            "enable_global_explain = TRUE",
            hint="train it again with OPTIONS(..., enable_global_explain = TRUE)",
        )
    if by_class and not model.state.get("classes"):
        raise UsageError(
            "ML.GLOBAL_EXPLAIN: class_level_explain applies to classification models only",
            hint="drop the STRUCT for a regression model",
        )
    columns = ["class_label", "feature", "attribution"] if by_class else ["feature", "attribution"]
    null = exp.Is(this=col("class_label"), expression=exp.null())
    return (
        exp.select(*[col(c) for c in columns])
        .from_(model.state_table("global_explain"))
        .where(exp.Not(this=null) if by_class else null)
        .order_by(col("position"))
    )


def predicted_label(classes: Sequence[Any], label_type: str | None) -> exp.Expr:
    """The predicted class (``PRED``, its index) as a label of the label column's type."""
    case = exp.Case()
    for k, value in enumerate(classes):
        case = case.when(exp.EQ(this=col(PRED), expression=num(float(k))), label_literal(value, label_type))
    return case


def threshold(call: Call, classes: int) -> float:
    """``threshold`` of a binary classifier's call (default 0.5); other models take none."""
    value = call.params.get("threshold", 0.5)
    if "threshold" in call.params and classes != 2:
        raise UsageError(f"ML.{call.function}: threshold applies to binary models only", hint="drop it")
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise UsageError(
            f"ML.{call.function}: threshold = {value!r} is not in [0, 1]", hint="STRUCT(0.5 AS threshold)"
        )
    return float(value)


def check_params(call: Call, allowed: Sequence[str]) -> None:
    call.param("", None, tuple(allowed))


def leading(model: Model, prediction: exp.Expr) -> list[exp.Expr]:
    """``predicted_<label>`` and, for classifiers, ``probability`` (rows hold ``PRED`` and ``__p*``)."""
    name = f"predicted_{model.state['label']}"
    classes = list(model.state.get("classes") or [])
    if not classes:
        return [exp.alias_(prediction, ident(name))]
    return [
        exp.alias_(predicted_label(classes, model.state.get("label_type")), ident(name)),
        exp.alias_(predicted_probability(len(classes), col(PRED)), ident("probability")),
    ]


def feature_matrix(model: Model) -> np.ndarray:
    """(dims, features) 0/1: which input feature each of the model's dimensions encodes, so that
    ``per_dim @ feature_matrix`` sums one-hot dimensions into their feature."""
    names = [f.name for f in model.features]
    matrix = np.zeros((len(model.dims), len(names)))
    for j, dim in enumerate(model.dims):
        matrix[j, names.index(dim.feature)] = 1.0
    return matrix


def toward_predicted(per_output: Sequence[exp.Expr], classes: int) -> exp.Expr:
    """SQL of a value toward each row's predicted class (``PRED``) from its value per output: a
    regressor's only one, a binary classifier's negated for the negative class, else the class's."""
    if classes == 0:
        return per_output[0]
    if classes == 2:
        return exp.If(
            this=exp.EQ(this=col(PRED), expression=num(1.0)),
            true=per_output[0].copy(),
            false=exp.Neg(this=exp.Paren(this=per_output[0].copy())),
        )
    case = exp.Case()
    for k, value in enumerate(per_output):
        case = case.when(exp.EQ(this=col(PRED), expression=num(float(k))), value.copy())
    return case
