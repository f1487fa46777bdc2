"""LOGISTIC_REG training: binary (sigmoid; the higher label is the positive class) or multiclass (softmax,
<= 50 labels), with class weights, by Newton/IRLS or gradient descent on SQL aggregates."""

from __future__ import annotations

import pyarrow as pa

from lakehouse.errors import UsageError
from warehouse.ml import metrics, supervised
from warehouse.ml.classes import class_index, class_weight, jsonable, with_prediction
from warehouse.ml.functions import TRAINING_INFO
from warehouse.ml.model import LABEL, TrainingData
from warehouse.ml.models.glm import explain as glm_explain
from warehouse.ml.models.glm import train as glm
from warehouse.ml.models.glm.sql import Family, probabilities
from warehouse.ml.registry import Model, write_state
from warehouse.ml.sqlexpr import col, sql

MAX_CLASSES = 50


def train(model: Model, data: TrainingData) -> None:
    """Classes from the label values, fit the weights, store them; metrics on the eval split (or all rows)."""
    counts = data.con.execute(
        f'SELECT {LABEL}, count(*) FROM "{data.table}" WHERE {LABEL} IS NOT NULL GROUP BY 1 ORDER BY 1'
    ).fetchall()
    if not 2 <= len(counts) <= MAX_CLASSES:
        raise UsageError(
            f"LOGISTIC_REG label {data.roles[LABEL]!r} has {len(counts)} distinct values",
            hint=f"a classifier needs 2..{MAX_CLASSES} labels",
        )
    classes = [jsonable(c) for c, _ in counts]
    binary = len(classes) == 2
    fam = Family.LOGISTIC if binary else Family.SOFTMAX
    model.state.update(
        family=fam.value,
        outputs=1 if binary else len(classes),
        label=data.roles[LABEL],
        label_type=data.label_type,
        classes=classes,
    )
    index = class_index([value for value, _ in counts], data.label_type, col(LABEL))
    supervised.prepare(
        data, model.options, sql(index), sql(class_weight(model.options, counts, data.label_type))
    )
    result = glm.fit(
        model, data, fam, model.state["outputs"], glm.warm_start_beta(model, model.state["outputs"])
    )
    model.state["optimize_strategy"] = result.strategy
    write_state(data.con, model, "weights", glm.weights_table(result.beta))
    glm_explain.record_global(model, data, result.beta)
    write_state(data.con, model, "training_info", pa.Table.from_pylist(result.history, schema=TRAINING_INFO))
    scored = probabilities(data.relation(), result.beta, fam)
    relation = with_prediction(scored, len(classes), 0.5).where(supervised.evaluation_rows(data))
    model.metrics = metrics.classification(data.con, relation, len(classes), binary)


#: what warm_start continues from: the replaced model's weights, as for every GLM
warm_start = glm.warm_start
