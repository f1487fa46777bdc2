"""ML functions of logistic regression: PREDICT, EVALUATE, ROC_CURVE, CONFUSION_MATRIX, WEIGHTS."""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa
from sqlglot import exp

from lakehouse.errors import UsageError
from warehouse.ml import metrics
from warehouse.ml.functions import without
from warehouse.ml.model import Call, Function
from warehouse.ml.models.glm.functions import (
    class_index,
    helper_columns,
    label_of_input,
    prediction_name,
    scored_input,
    typed_label,
    weights,
    with_truth,
)
from warehouse.ml.sqlexpr import col, ident, num, parse, sql, struct

PRED = "__pred"


def with_prediction(scored: exp.Select, classes: int, threshold: float) -> exp.Select:
    """Scored rows + ``__pred``, the predicted class index (binary: P(positive) > threshold; else argmax)."""
    if classes == 2:
        pred: exp.Expr = exp.If(
            this=exp.GT(this=col("__p0"), expression=num(threshold)), true=num(1.0), false=num(0.0)
        )
    else:
        top = exp.Greatest(this=col("__p0"), expressions=[col(f"__p{k}") for k in range(1, classes)])
        pred = exp.Case()
        for k in range(classes):
            pred = pred.when(exp.EQ(this=col(f"__p{k}"), expression=top.copy()), num(float(k)))
    return exp.select("*", exp.alias_(pred, ident(PRED))).from_(scored.subquery("__probs"))


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
    scored = with_prediction(scored_input(call, call.require_input()), len(classes), _threshold(call))
    label = exp.Case()
    for k, value in enumerate(classes):
        label = label.when(exp.EQ(this=col(PRED), expression=num(float(k))), typed_label(model, value))
    if len(classes) == 2:
        probs = [(classes[1], col("__p0")), (classes[0], exp.Sub(this=num(1.0), expression=col("__p0")))]
    else:
        probs = [(value, col(f"__p{k}")) for k, value in enumerate(classes)]
    pairs = exp.Array(expressions=[struct([("label", typed_label(model, v)), ("prob", p)]) for v, p in probs])
    name = prediction_name(model)
    return exp.select(
        exp.alias_(label, ident(name)),
        exp.alias_(pairs, ident(f"{name}_probs")),
        without([*helper_columns(model), PRED]),
    ).from_(scored.subquery("__predicted"))


def _labelled(call: Call, threshold: float) -> exp.Select:
    """Input rows with a known label: ``__y`` (class index), ``__p*``, ``__pred``."""
    model = call.model
    scored = with_truth(
        call, scored_input(call, call.require_input()), class_index(model, label_of_input(model))
    )
    return with_prediction(scored, len(model.state["classes"]), threshold).where(
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


def _sanitize(label: Any) -> str:
    name = re.sub(r"\W", "_", str(label).lower() if isinstance(label, bool) else str(label))
    return f"_{name}" if not name or name[0].isdigit() else name


def confusion_matrix(call: Call) -> exp.Query:
    classes = call.model.state["classes"]
    matrix = metrics.confusion(call.con, _labelled(call, _threshold(call)), len(classes))
    rows = [
        {"expected_label": classes[i], **{_sanitize(c): int(matrix[i, j]) for j, c in enumerate(classes)}}
        for i in range(len(classes))
    ]
    schema = pa.schema(
        [("expected_label", pa.array(classes).type), *[(_sanitize(c), pa.int64()) for c in classes]]
    )
    return call.scratch.rows_relation(schema, rows)


ROC_CURVE_SQL = """
SELECT threshold,
       count_if(__y = 1 AND __p0 > threshold) / nullif(count_if(__y = 1), 0) AS recall,
       count_if(__y = 0 AND __p0 > threshold) / nullif(count_if(__y = 0), 0) AS false_positive_rate,
       CAST(count_if(__y = 1 AND __p0 > threshold) AS BIGINT) AS true_positives,
       CAST(count_if(__y = 0 AND __p0 > threshold) AS BIGINT) AS false_positives,
       CAST(count_if(__y = 0 AND __p0 <= threshold) AS BIGINT) AS true_negatives,
       CAST(count_if(__y = 1 AND __p0 <= threshold) AS BIGINT) AS false_negatives
FROM __labelled CROSS JOIN (SELECT unnest(__thresholds) AS threshold FROM __threshold_list)
GROUP BY threshold ORDER BY threshold
"""


def roc_curve(call: Call) -> exp.Query:
    if len(call.model.state["classes"]) != 2:
        raise UsageError(
            "ML.ROC_CURVE needs a binary LOGISTIC_REG model", hint="use ML.CONFUSION_MATRIX for multiclass"
        )
    call.no_params()
    labelled = _labelled(call, 0.5)
    if call.thresholds is not None:
        thresholds: exp.Expr = exp.select(
            exp.alias_(_threshold_array(call.thresholds), ident("__thresholds"))
        )
    else:
        points = exp.Array(expressions=[num(i / 100) for i in range(101)])
        thresholds = exp.select(
            exp.alias_(
                exp.func("list_distinct", exp.func("quantile_disc", col("__p0"), points)),
                ident("__thresholds"),
            )
        ).from_(labelled.subquery("__l"))
    query = parse(ROC_CURVE_SQL)
    assert isinstance(query, exp.Select)
    return query.with_("__labelled", as_=labelled).with_("__threshold_list", as_=thresholds)


def _threshold_array(given: exp.Expr) -> exp.Expr:
    """BigQuery's GENERATE_ARRAY(start, end, step) (inclusive, floats allowed) as a DOUBLE[] literal."""
    if isinstance(given, exp.GenerateSeries):
        bounds = [given.args.get(k) for k in ("start", "end", "step")]
        if all(isinstance(b, exp.Literal) and not b.is_string for b in bounds if b is not None):
            start, end = float(given.args["start"].this), float(given.args["end"].this)
            step = float(given.args["step"].this) if given.args.get("step") else 1.0
            if step <= 0:
                raise UsageError(
                    f"GENERATE_ARRAY step {step} must be positive", hint="GENERATE_ARRAY(0.1, 0.9, 0.1)"
                )
            count = int((end - start) / step + 1e-9) + 1
            return exp.Array(expressions=[num(round(start + i * step, 12)) for i in range(count)])
    return exp.cast(given, "DOUBLE[]")


FUNCTIONS: dict[str, Function] = {
    "PREDICT": predict,
    "EVALUATE": evaluate,
    "WEIGHTS": weights,
    "ROC_CURVE": roc_curve,
    "CONFUSION_MATRIX": confusion_matrix,
}

__all__ = ["FUNCTIONS", "sql", "with_prediction"]
