"""The ML functions of LOGISTIC_REG models: PREDICT, EVALUATE, ROC_CURVE, CONFUSION_MATRIX, WEIGHTS,
EXPLAIN_PREDICT, GLOBAL_EXPLAIN (``FUNCTIONS``)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from sqlglot import exp

from lakehouse.errors import UsageError
from warehouse.ml import classes as classes_sql
from warehouse.ml import labels, metrics
from warehouse.ml.explain.output import global_explain
from warehouse.ml.model import Call, Function
from warehouse.ml.models.glm.explain import explain_predict
from warehouse.ml.models.glm.functions import (
    helper_columns,
    label_column,
    prediction_name,
    scored_input,
    weights,
    with_truth,
)
from warehouse.ml.models.logistic_reg import sql
from warehouse.ml.registry import Model
from warehouse.ml.scoring import without
from warehouse.ml.sqlexpr import col, ident, num, struct


def _label(model: Model, value: Any) -> exp.Expr:
    return sql.label_literal(value, model.state["label_type"])


def _threshold(call: Call) -> float:
    value = call.param("threshold", 0.5, ("threshold",))
    if not isinstance(value, int | float) or not 0 <= value <= 1:
        raise UsageError(
            f"ML.{call.function}: threshold = {value!r} is not in [0, 1]", hint="STRUCT(0.5 AS threshold)"
        )
    if len(call.model.state["classes"]) != 2 and "threshold" in call.params:
        raise UsageError(
            f"ML.{call.function}: threshold applies to binary models only", hint="drop the STRUCT"
        )
    return float(value)


def predict(call: Call) -> exp.Query:
    model = call.model
    classes = model.state["classes"]
    scored = sql.with_prediction(scored_input(call, call.require_input()), len(classes), _threshold(call))
    label = exp.Case()
    for k, value in enumerate(classes):
        label = label.when(exp.EQ(this=col(sql.PRED), expression=num(float(k))), _label(model, value))
    if len(classes) == 2:
        probs = [(classes[1], col("__p0")), (classes[0], exp.Sub(this=num(1.0), expression=col("__p0")))]
    else:
        probs = [(value, col(f"__p{k}")) for k, value in enumerate(classes)]
    pairs = exp.Array(expressions=[struct([("label", _label(model, v)), ("prob", p)]) for v, p in probs])
    name = prediction_name(model)
    return exp.select(
        exp.alias_(label, ident(name)),
        exp.alias_(pairs, ident(f"{name}_probs")),
        without([*helper_columns(model), sql.PRED]),
    ).from_(scored.subquery("__predicted"))


def _labelled(call: Call, threshold: float) -> exp.Select:
    """Input rows with a known label: ``__y`` (class index), ``__p*``, ``__pred``."""
    model = call.model
    scored = with_truth(
        call,
        scored_input(call, call.require_input()),
        labels.input_class(model.state["classes"], model.state["label_type"], label_column(model)),
    )
    return sql.with_prediction(scored, len(model.state["classes"]), threshold).where(
        exp.Not(this=exp.Is(this=col("__y"), expression=exp.null()))
    )


def evaluate(call: Call) -> exp.Query:
    threshold = _threshold(call)
    names = metrics.CLASSIFICATION_METRICS
    if call.input is None:
        values: dict[str, Any] = call.model.metrics
    else:
        classes = len(call.model.state["classes"])
        values = metrics.classification(call.con, _labelled(call, threshold), classes, classes == 2)
    return call.scratch.rows_relation(
        pa.schema([(n, pa.float64()) for n in names]), [{n: values.get(n) for n in names}]
    )


def confusion_matrix(call: Call) -> exp.Query:
    classes = call.model.state["classes"]
    matrix = metrics.confusion(call.con, _labelled(call, _threshold(call)), len(classes))
    return classes_sql.confusion_relation(call.scratch, classes, matrix)


def roc_curve(call: Call) -> exp.Query:
    if len(call.model.state["classes"]) != 2:
        raise UsageError(
            "ML.ROC_CURVE needs a binary LOGISTIC_REG model", hint="use ML.CONFUSION_MATRIX for multiclass"
        )
    call.no_params()
    return sql.roc_curve(_labelled(call, 0.5), call.thresholds)


FUNCTIONS: dict[str, Function] = {
    "PREDICT": predict,
    "EVALUATE": evaluate,
    "WEIGHTS": weights,
    "ROC_CURVE": roc_curve,
    "CONFUSION_MATRIX": confusion_matrix,
    "EXPLAIN_PREDICT": explain_predict,
    "GLOBAL_EXPLAIN": global_explain,
}
