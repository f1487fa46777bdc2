"""The ML functions of the tree types, all as SQL over the compiled trees (``sql``): ML.PREDICT,
ML.EVALUATE, ML.CONFUSION_MATRIX and ML.ROC_CURVE (classifiers), ML.FEATURE_IMPORTANCE; ML.EXPLAIN_PREDICT
(``explain``) and ML.GLOBAL_EXPLAIN (``warehouse.ml.explain``) join the tables here.

Classifier outputs follow every classifier's (``warehouse.ml.classes``): ``__p0`` is P(the higher label) for
two classes, one ``__p<k>`` per class otherwise; ``predicted_<label>`` has the label's type and
``predicted_<label>_probs`` is ARRAY<STRUCT<label, prob>>.
"""

from __future__ import annotations

import pyarrow as pa
from sqlglot import exp

from warehouse.ml import classes as classes_sql
from warehouse.ml import labelled
from warehouse.ml.explain.output import global_explain
from warehouse.ml.model import Call, Function
from warehouse.ml.models.trees import sql
from warehouse.ml.models.trees.explain import explain_predict
from warehouse.ml.registry import Model, read_state
from warehouse.ml.scoring import without
from warehouse.ml.sqlexpr import col, ident, num, struct
from warehouse.ml.supervised import Y

FEATURE_IMPORTANCE = pa.schema(
    [
        ("feature", pa.string()),
        ("importance_weight", pa.int64()),
        ("importance_gain", pa.float64()),
        ("importance_cover", pa.float64()),
    ]
)


def _name(model: Model) -> str:
    return f"predicted_{model.state['label']}"


def scored(call: Call, input_query: exp.Query) -> exp.Select:
    model = call.model
    forest = sql.load(call.con, model)
    return sql.scores(model, forest, input_query.subquery("__input"), sql.input_values(model))


def _helpers(model: Model) -> list[str]:
    return sql.helper_columns(len(model.dims), int(model.state["outputs"]), bool(labelled.classes(model)))


def predict(call: Call) -> exp.Query:
    model = call.model
    classes = labelled.classes(model)
    if not classes:
        call.no_params()
        rows = scored(call, call.require_input())
        return exp.select(exp.alias_(col("__m0"), ident(_name(model))), without(_helpers(model))).from_(
            rows.subquery("__scored")
        )
    rows = classes_sql.with_prediction(
        scored(call, call.require_input()), len(classes), labelled.threshold(call)
    )
    label_type = model.state["label_type"]
    label = exp.Case()
    for k, value in enumerate(classes):
        label = label.when(
            exp.EQ(this=col(classes_sql.PRED), expression=num(float(k))),
            classes_sql.label_literal(value, label_type),
        )
    if len(classes) == 2:
        probs = [(classes[1], col("__p0")), (classes[0], exp.Sub(this=num(1.0), expression=col("__p0")))]
    else:
        probs = [(value, col(f"__p{k}")) for k, value in enumerate(classes)]
    pairs = exp.Array(
        expressions=[
            struct([("label", classes_sql.label_literal(v, label_type)), ("prob", p)]) for v, p in probs
        ]
    )
    return exp.select(
        exp.alias_(label, ident(_name(model))),
        exp.alias_(pairs, ident(f"{_name(model)}_probs")),
        without([*_helpers(model), classes_sql.PRED]),
    ).from_(rows.subquery("__predicted"))


def _labelled(call: Call, threshold: float) -> exp.Select:
    """Input rows with a known label: ``__y`` (value or class index), ``__m*``/``__p*`` and ``__pred``."""
    model = call.model
    rows = exp.select("*", exp.alias_(labelled.truth(model), ident(Y))).from_(
        scored(call, call.require_input()).subquery("__scored_in")
    )
    known = exp.Not(this=exp.Is(this=col(Y), expression=exp.null()))
    classes = labelled.classes(model)
    if classes:
        return classes_sql.with_prediction(rows, len(classes), threshold).where(known)
    return (
        exp.select(col(Y), exp.alias_(col("__m0"), ident("__pred"))).from_(rows.subquery("__t")).where(known)
    )


def feature_importance(call: Call) -> exp.Query:
    """Per input feature: splits on it (weight), their average gain and average cover (xgboost's
    definitions), summed over a feature's one-hot dimensions."""
    call.no_params()
    model = call.model
    totals: dict[str, list[float]] = {f.name: [0, 0.0, 0.0] for f in model.features}
    for row in read_state(call.con, model, "trees", "tree, node"):
        feature, gain, cover = row[3], row[9], row[10]
        if feature >= 0:
            entry = totals[model.dims[feature].feature]
            entry[0] += 1
            entry[1] += gain
            entry[2] += cover
    rows = [
        {
            "feature": name,
            "importance_weight": int(n),
            "importance_gain": gain / n if n else 0.0,
            "importance_cover": cover / n if n else 0.0,
        }
        for name, (n, gain, cover) in totals.items()
    ]
    return call.scratch.rows_relation(FEATURE_IMPORTANCE, rows)


_EVALUATION = labelled.LabelFunctions(_labelled)
evaluate = _EVALUATION.evaluate
confusion_matrix = _EVALUATION.confusion_matrix
roc_curve = _EVALUATION.roc_curve

CLASSIFIER: dict[str, Function] = {
    "PREDICT": predict,
    "EVALUATE": evaluate,
    "CONFUSION_MATRIX": confusion_matrix,
    "ROC_CURVE": roc_curve,
    "FEATURE_IMPORTANCE": feature_importance,
    "EXPLAIN_PREDICT": explain_predict,
    "GLOBAL_EXPLAIN": global_explain,
}
REGRESSOR: dict[str, Function] = {
    "PREDICT": predict,
    "EVALUATE": evaluate,
    "FEATURE_IMPORTANCE": feature_importance,
    "EXPLAIN_PREDICT": explain_predict,
    "GLOBAL_EXPLAIN": global_explain,
}
