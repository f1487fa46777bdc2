"""The ML functions of the DNN types, all as SQL over the compiled network (``sql``): ML.PREDICT,
ML.EVALUATE, and for classifiers ML.CONFUSION_MATRIX and ML.ROC_CURVE (ML.FEATURE_INFO and
ML.TRAINING_INFO are every type's); ML.EXPLAIN_PREDICT and ML.GLOBAL_EXPLAIN by Integrated Gradients
(``explain``).

The input rows are encoded as at training (``scoring.encoded_input``: mean-imputed, standardized,
one-hot). Classifier outputs follow every classifier's (``warehouse.ml.classes``): ``__p0`` is P(the
higher label) for two classes, one ``__p<k>`` per class otherwise; ``predicted_<label>`` has the label's
type and ``predicted_<label>_probs`` is ARRAY<STRUCT<label, prob>>.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from warehouse.ml import classes as classes_sql
from warehouse.ml import labelled
from warehouse.ml.explain.output import global_explain
from warehouse.ml.model import Call, Function
from warehouse.ml.models.dnn import sql
from warehouse.ml.models.dnn.explain import explain_predict
from warehouse.ml.registry import Model
from warehouse.ml.scoring import encoded_input, without
from warehouse.ml.sqlexpr import col, ident, num, struct
from warehouse.ml.supervised import Y


def _name(model: Model) -> str:
    return f"predicted_{model.state['label']}"


def _scored(call: Call, input_query: exp.Query) -> tuple[exp.Select, list[str]]:
    """Input rows + the network's columns, and the names of those helper columns."""
    model = call.model
    rows = sql.scores(model, encoded_input(model, input_query).subquery("__encoded"))
    return rows, sql.helper_columns(model)


def _probabilities(classes: list[Any], label_type: str | None) -> exp.Array:
    if len(classes) == 2:
        probs = [(classes[1], col("__p0")), (classes[0], exp.Sub(this=num(1.0), expression=col("__p0")))]
    else:
        probs = [(value, col(f"__p{k}")) for k, value in enumerate(classes)]
    return exp.Array(
        expressions=[
            struct([("label", classes_sql.label_literal(v, label_type)), ("prob", p)]) for v, p in probs
        ]
    )


def predict(call: Call) -> exp.Query:
    model = call.model
    classes = labelled.classes(model)
    if not classes:
        call.no_params()
        rows, helpers = _scored(call, call.require_input())
        return exp.select(exp.alias_(col("__m0"), ident(_name(model))), without(helpers)).from_(
            rows.subquery("__scored")
        )
    threshold = labelled.threshold(call)
    scored, helpers = _scored(call, call.require_input())
    rows = classes_sql.with_prediction(scored, len(classes), threshold)
    label_type = model.state["label_type"]
    label = exp.Case()
    for k, value in enumerate(classes):
        label = label.when(
            exp.EQ(this=col(classes_sql.PRED), expression=num(float(k))),
            classes_sql.label_literal(value, label_type),
        )
    return exp.select(
        exp.alias_(label, ident(_name(model))),
        exp.alias_(_probabilities(classes, label_type), ident(f"{_name(model)}_probs")),
        without([*helpers, classes_sql.PRED]),
    ).from_(rows.subquery("__predicted"))


def _labelled(call: Call, threshold: float) -> exp.Select:
    """Input rows with a known label, kept in a temp table (the network runs once for every metric):
    ``__y`` (value or class index), ``__pred`` and for classifiers ``__p*``."""
    model = call.model
    scored, _ = _scored(call, call.require_input())
    rows = exp.select("*", exp.alias_(labelled.truth(model), ident(Y))).from_(scored.subquery("__scored_in"))
    known = exp.Not(this=exp.Is(this=col(Y), expression=exp.null()))
    classes = labelled.classes(model)
    if classes:
        outputs = 1 if len(classes) == 2 else len(classes)
        predicted = classes_sql.with_prediction(rows, len(classes), threshold).where(known)
        kept = [col(Y), col(classes_sql.PRED), *[col(f"__p{k}") for k in range(outputs)]]
        query = exp.select(*kept).from_(predicted.subquery("__labelled"))
    else:
        query = (
            exp.select(col(Y), exp.alias_(col("__m0"), ident("__pred")))
            .from_(rows.subquery("__t"))
            .where(known)
        )
    result = call.scratch.materialize(query)
    assert isinstance(result, exp.Select)
    return result


_EVALUATION = labelled.LabelFunctions(_labelled)
evaluate = _EVALUATION.evaluate
confusion_matrix = _EVALUATION.confusion_matrix
roc_curve = _EVALUATION.roc_curve

CLASSIFIER: dict[str, Function] = {
    "PREDICT": predict,
    "EVALUATE": evaluate,
    "CONFUSION_MATRIX": confusion_matrix,
    "ROC_CURVE": roc_curve,
    "EXPLAIN_PREDICT": explain_predict,
    "GLOBAL_EXPLAIN": global_explain,
}
REGRESSOR: dict[str, Function] = {
    "PREDICT": predict,
    "EVALUATE": evaluate,
    "EXPLAIN_PREDICT": explain_predict,
    "GLOBAL_EXPLAIN": global_explain,
}
