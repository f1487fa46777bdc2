"""LINEAR_REG: least squares (normal equation or gradient descent) with L1/L2, as SQL aggregates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa
from sqlglot import exp

from warehouse.ml import metrics
from warehouse.ml.functions import TRAINING_INFO, without
from warehouse.ml.model import LABEL, Call, Function, TrainingData
from warehouse.ml.models.glm import train as glm
from warehouse.ml.models.glm.functions import (
    helper_columns,
    label_of_input,
    prediction_name,
    scored_input,
    weights,
    with_truth,
)
from warehouse.ml.models.glm.sql import EVAL, Family, scores
from warehouse.ml.registry import Model, write_state
from warehouse.ml.sqlexpr import col, ident

EVALUATE = pa.schema([(name, pa.float64()) for name in metrics.REGRESSION])


class LinearReg:
    name = "LINEAR_REG"
    roles: Mapping[str, str] = glm.ROLES

    @property
    def functions(self) -> Mapping[str, Function]:
        return FUNCTIONS

    def standardize(self, options: Mapping[str, Any]) -> bool:
        return True

    def train(self, model: Model, data: TrainingData) -> None:
        if data.label_type is None or not _numeric(data.label_type):
            from lakehouse.errors import UsageError

            raise UsageError(
                f"LINEAR_REG needs a numeric label; {data.roles[LABEL]!r} is {data.label_type}",
                hint="use LOGISTIC_REG for classes",
            )
        glm.prepare(data, model.options, "CAST(__label AS DOUBLE)", "1.0")
        model.state.update(
            family=Family.SQUARED.value, outputs=1, label=data.roles[LABEL], label_type=data.label_type
        )
        result = glm.fit(model, data, Family.SQUARED, 1, glm.warm_start_beta(model, 1))
        model.state["optimize_strategy"] = result.strategy
        write_state(data.con, model, "weights", glm.weights_table(result.beta))
        write_state(
            data.con, model, "training_info", pa.Table.from_pylist(result.history, schema=TRAINING_INFO)
        )
        scored = scores(data.relation(), result.beta).subquery("__scored")
        has_eval = data.con.execute(f'SELECT count_if({EVAL}) FROM "{data.table}"').fetchone()
        where = col(EVAL) if has_eval and has_eval[0] else exp.true()
        relation = exp.select(col("__y"), exp.alias_(col("__z0"), ident("__pred"))).from_(scored).where(where)
        model.metrics = metrics.regression(data.con, relation)


def _numeric(dtype: str) -> bool:
    from warehouse.ml.preprocessing.automatic import is_numeric_type

    return is_numeric_type(dtype)


def predict(call: Call) -> exp.Query:
    call.no_params()
    scored = scored_input(call, call.require_input())
    return exp.select(
        exp.alias_(col("__z0"), ident(prediction_name(call.model))), without(helper_columns(call.model))
    ).from_(scored.subquery("__scored"))


def evaluate(call: Call) -> exp.Query:
    call.no_params()
    if call.input is None:
        values = call.model.metrics
    else:
        truth = exp.cast(label_of_input(call.model), "DOUBLE")
        scored = with_truth(call, scored_input(call, call.input), truth)
        relation = (
            exp.select(col("__y"), exp.alias_(col("__z0"), ident("__pred")))
            .from_(scored.subquery("__t"))
            .where(exp.Not(this=exp.Is(this=col("__y"), expression=exp.null())))
        )
        values = metrics.regression(call.con, relation)
    return call.scratch.rows_relation(EVALUATE, [{name: values.get(name) for name in EVALUATE.names}])


FUNCTIONS: dict[str, Function] = {"PREDICT": predict, "EVALUATE": evaluate, "WEIGHTS": weights}
MODEL_TYPE = LinearReg()
