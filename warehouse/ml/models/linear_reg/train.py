"""LINEAR_REG training: least squares (normal equation or gradient descent) with L1/L2, on SQL aggregates."""

from __future__ import annotations

import pyarrow as pa

from lakehouse.errors import UsageError
from warehouse.ml import metrics, supervised
from warehouse.ml.functions import TRAINING_INFO
from warehouse.ml.model import LABEL, TrainingData
from warehouse.ml.models.glm import explain as glm_explain
from warehouse.ml.models.glm import train as glm
from warehouse.ml.models.glm.sql import Family, scores
from warehouse.ml.models.linear_reg.sql import regression_rows
from warehouse.ml.preprocessing.automatic import is_numeric_type
from warehouse.ml.registry import Model, write_state


def train(model: Model, data: TrainingData) -> None:
    """Fit the weights, store them and the training info; metrics on the eval split (or all rows)."""
    if data.label_type is None or not is_numeric_type(data.label_type):
        raise UsageError(
            f"LINEAR_REG needs a numeric label; {data.roles[LABEL]!r} is {data.label_type}",
            hint="use LOGISTIC_REG for classes",
        )
    supervised.prepare(data, model.options, "CAST(__label AS DOUBLE)", "1.0")
    model.state.update(
        family=Family.SQUARED.value, outputs=1, label=data.roles[LABEL], label_type=data.label_type
    )
    result = glm.fit(model, data, Family.SQUARED, 1, glm.warm_start_beta(model, 1))
    model.state["optimize_strategy"] = result.strategy
    write_state(data.con, model, "weights", glm.weights_table(result.beta))
    glm_explain.record_global(model, data, result.beta)
    write_state(data.con, model, "training_info", pa.Table.from_pylist(result.history, schema=TRAINING_INFO))
    scored = scores(data.relation(), result.beta).subquery("__scored")
    model.metrics = metrics.regression(data.con, regression_rows(scored, supervised.evaluation_rows(data)))


#: what warm_start continues from: the replaced model's weights, as for every GLM
warm_start = glm.warm_start
