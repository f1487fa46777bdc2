"""LOGISTIC_REG: binary (sigmoid; the higher label is the positive class) or multiclass (softmax, <= 50
labels), with class weights, trained by Newton/IRLS or gradient descent on SQL aggregates."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping
from typing import Any

import pyarrow as pa
from sqlglot import exp

from lakehouse.errors import UsageError
from warehouse.ml import metrics
from warehouse.ml.functions import TRAINING_INFO
from warehouse.ml.model import LABEL, Function, TrainingData
from warehouse.ml.models.glm import train as glm
from warehouse.ml.models.glm.sql import EVAL, Family, probabilities
from warehouse.ml.models.logistic_reg import functions as logistic_functions
from warehouse.ml.registry import Model, write_state
from warehouse.ml.sqlexpr import col, num, sql

MAX_CLASSES = 50


def _jsonable(value: Any) -> Any:
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


class LogisticReg:
    name = "LOGISTIC_REG"
    roles: Mapping[str, str] = glm.ROLES

    @property
    def functions(self) -> Mapping[str, Function]:
        return logistic_functions.FUNCTIONS

    def standardize(self, options: Mapping[str, Any]) -> bool:
        return True

    def train(self, model: Model, data: TrainingData) -> None:
        counts = data.con.execute(
            f'SELECT {LABEL}, count(*) FROM "{data.table}" WHERE {LABEL} IS NOT NULL GROUP BY 1 ORDER BY 1'
        ).fetchall()
        if not 2 <= len(counts) <= MAX_CLASSES:
            raise UsageError(
                f"LOGISTIC_REG label {data.roles[LABEL]!r} has {len(counts)} distinct values",
                hint=f"a classifier needs 2..{MAX_CLASSES} labels",
            )
        classes = [_jsonable(c) for c, _ in counts]
        binary = len(classes) == 2
        fam = Family.LOGISTIC if binary else Family.SOFTMAX
        model.state.update(
            family=fam.value,
            outputs=1 if binary else len(classes),
            label=data.roles[LABEL],
            label_type=data.label_type,
            classes=classes,
        )
        index = exp.Case()
        for k, (value, _) in enumerate(counts):
            index = index.when(
                exp.EQ(this=col(LABEL), expression=_literal(value, data.label_type)), num(float(k))
            )
        glm.prepare(
            data, model.options, sql(index), sql(_class_weight(model.options, counts, data.label_type))
        )
        result = glm.fit(
            model, data, fam, model.state["outputs"], glm.warm_start_beta(model, model.state["outputs"])
        )
        model.state["optimize_strategy"] = result.strategy
        write_state(data.con, model, "weights", glm.weights_table(result.beta))
        write_state(
            data.con, model, "training_info", pa.Table.from_pylist(result.history, schema=TRAINING_INFO)
        )
        has_eval = data.con.execute(f'SELECT count_if({EVAL}) FROM "{data.table}"').fetchone()
        scored = probabilities(data.relation(), result.beta, fam)
        relation = logistic_functions.with_prediction(scored, len(classes), 0.5).where(
            col(EVAL) if has_eval and has_eval[0] else exp.true()
        )
        model.metrics = metrics.classification(data.con, relation, len(classes), binary)


def _literal(value: Any, label_type: str | None) -> exp.Expr:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return exp.cast(exp.Literal.string(text), label_type or "VARCHAR")


def _class_weight(
    options: Mapping[str, Any], counts: list[tuple[Any, int]], label_type: str | None
) -> exp.Expr:
    """Per-row class weight: auto (rows / (rows_in_class * classes)), explicit class_weights, or 1."""
    total = sum(n for _, n in counts)
    if options.get("auto_class_weights"):
        weights = {k: total / (n * len(counts)) for k, (_, n) in enumerate(counts)}
    elif options.get("class_weights"):
        given = options["class_weights"]
        known = {str(v).lower() if isinstance(v, bool) else str(v) for v, _ in counts}
        unknown = sorted(set(given) - known)
        if unknown:
            raise UsageError(
                f"class_weights names label {unknown[0]!r}, which is not in the training data",
                hint=f"labels: {', '.join(sorted(known))}",
            )
        weights = {
            k: given.get(str(v).lower() if isinstance(v, bool) else str(v), 1.0)
            for k, (v, _) in enumerate(counts)
        }
    else:
        return num(1.0)
    case = exp.Case()
    for k, w in weights.items():
        case = case.when(exp.EQ(this=col(LABEL), expression=_literal(counts[k][0], label_type)), num(w))
    return case.else_(num(1.0))


MODEL_TYPE = LogisticReg()
