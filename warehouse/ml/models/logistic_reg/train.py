"""LOGISTIC_REG training: binary (sigmoid; the higher label is the positive class) or multiclass (softmax,
<= 50 labels), with class weights, by Newton/IRLS or gradient descent on SQL aggregates."""

from __future__ import annotations

import pyarrow as pa

from warehouse.ml import labels, metrics, supervised
from warehouse.ml.classes import with_prediction
from warehouse.ml.functions import TRAINING_INFO
from warehouse.ml.model import TrainingData
from warehouse.ml.models.glm import explain as glm_explain
from warehouse.ml.models.glm import train as glm
from warehouse.ml.models.glm.sql import Family, probabilities
from warehouse.ml.registry import Model, write_state

MAX_CLASSES = 50


def train(model: Model, data: TrainingData) -> None:
    """Classes from the label values, fit the weights, store them; metrics on the eval split (or all rows)."""
    binary = labels.prepare_classes(model, data, MAX_CLASSES) == 2
    fam = Family.LOGISTIC if binary else Family.SOFTMAX
    model.state.update(family=fam.value, outputs=1 if binary else len(model.state["classes"]))
    result = glm.fit(
        model, data, fam, model.state["outputs"], glm.warm_start_beta(model, model.state["outputs"])
    )
    model.state["optimize_strategy"] = result.strategy
    write_state(data.con, model, "weights", glm.weights_table(result.beta))
    glm_explain.record_global(model, data, result.beta)
    write_state(data.con, model, "training_info", pa.Table.from_pylist(result.history, schema=TRAINING_INFO))
    scored = probabilities(data.relation(), result.beta, fam)
    classes = len(model.state["classes"])
    relation = with_prediction(scored, classes, 0.5).where(supervised.evaluation_rows(data))
    model.metrics = metrics.classification(data.con, relation, classes, binary)


#: what warm_start continues from: the replaced model's weights, as for every GLM
warm_start = glm.warm_start
