"""The ML functions of LINEAR_REG models: PREDICT, EVALUATE and the GLM family's WEIGHTS,
EXPLAIN_PREDICT and GLOBAL_EXPLAIN (``FUNCTIONS``)."""

from __future__ import annotations

import pyarrow as pa
from sqlglot import exp

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
from warehouse.ml.models.linear_reg.sql import prediction, regression_rows
from warehouse.ml.scoring import without
from warehouse.ml.sqlexpr import col
from warehouse.ml.supervised import Y

EVALUATE = pa.schema([(name, pa.float64()) for name in metrics.REGRESSION])


def predict(call: Call) -> exp.Query:
    call.no_params()
    scored = scored_input(call, call.require_input())
    return exp.select(prediction(prediction_name(call.model)), without(helper_columns(call.model))).from_(
        scored.subquery("__scored")
    )


def evaluate(call: Call) -> exp.Query:
    call.no_params()
    if call.input is None:
        values = call.model.metrics
    else:
        truth = labels.finite_truth(label_column(call.model))  # NaN as NULL (left out), inf an error
        scored = with_truth(call, scored_input(call, call.input), truth)
        known = exp.Not(this=exp.Is(this=col(Y), expression=exp.null()))
        values = metrics.regression(call.con, regression_rows(scored.subquery("__t"), known))
    return call.scratch.rows_relation(EVALUATE, [{name: values.get(name) for name in EVALUATE.names}])


FUNCTIONS: dict[str, Function] = {
    "PREDICT": predict,
    "EVALUATE": evaluate,
    "WEIGHTS": weights,
    "EXPLAIN_PREDICT": explain_predict,
    "GLOBAL_EXPLAIN": global_explain,
}
