"""Explanations of the DNN types: ML.EXPLAIN_PREDICT and the global explanation (``enable_global_explain``)
by Integrated Gradients, as BigQuery ML explains DNN models (``bigqueryml-syntax-xai-overview``).

The attributions come from the weights in the model's ``layers`` table (``gradients``), whoever trained
them. The baseline input is the training mean of every numeric feature and no category of a categorical
one: in the encoded space (``scoring.encoded_input``: standardized numerics, one-hot categoricals) the
zero vector. Attributions of one-hot dimensions add up to their feature's. As for every model type
(``warehouse.ml.explain.output``) they explain the margin of the predicted class: a regressor's
prediction, a binary classifier's logit of the higher label (negated when the lower one is predicted),
a multiclass classifier's logit of the class; ``baseline_prediction_value`` is that margin at the
baseline and ``prediction_value`` at the row (ML.PREDICT's SQL). Integrated Gradients is an
approximation: ``approximation_error`` is ``|sum(attributions) - (prediction_value -
baseline_prediction_value)| / |prediction_value - baseline_prediction_value|``, the relative gap that
Vertex Explainable AI reports; ``integrated_gradients_num_steps`` (the call's, else the model's, 15 by
default) trades it for time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
from sqlglot import exp

from lakehouse.errors import UsageError
from warehouse.ml import labelled
from warehouse.ml.classes import PRED, with_prediction
from warehouse.ml.explain import output
from warehouse.ml.model import Call, TrainingData
from warehouse.ml.models.dnn import gradients, sql
from warehouse.ml.preprocessing.automatic import dim_name
from warehouse.ml.registry import Model
from warehouse.ml.scoring import dim_columns, encoded_input, without
from warehouse.ml.sqlexpr import col
from warehouse.ml.sqlexpr import sql as to_sql
from warehouse.ml.supervised import evaluation_rows

ROW = "__row"  # the scored rows' position, to join the attributions back
ERROR = "__approximation_error"
BATCH_ROWS = 1 << 14  # rows explained at once (memory: rows x widest layer per quadrature node)


def _steps(call: Call) -> int:
    value = call.params.get(
        "integrated_gradients_num_steps", call.model.options.get("integrated_gradients_num_steps", 15)
    )
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(
            f"ML.{call.function}: integrated_gradients_num_steps = {value!r} is not a positive integer",
            hint="STRUCT(30 AS integrated_gradients_num_steps)",
        )
    return value


def _margins(model: Model) -> list[str]:
    return [f"__m{k}" for k in range(int(model.state["outputs"]))]


def _probabilities(model: Model) -> list[str]:
    return [f"__p{k}" for k in range(int(model.state["outputs"]))] if model.state.get("classes") else []


def explain_predict(call: Call) -> exp.Query:
    model = call.model
    classes = labelled.classes(model)
    output.check_params(call, ("top_k_features", "threshold", "integrated_gradients_num_steps"))
    k, steps = output.top_k(call), _steps(call)
    threshold = output.threshold(call, len(classes))
    scored = sql.scores(model, encoded_input(model, call.require_input()).subquery("__encoded"))
    kept = set(dim_columns(model) + _margins(model) + _probabilities(model))
    layers = [name for name in sql.helper_columns(model) if name not in kept]
    rows = exp.select(without(layers)).from_(scored.subquery("__network"))
    if classes:
        rows = with_prediction(rows, len(classes), threshold)
    table = call.scratch.materialize(rows).find(exp.Table)  # scored once; rowid keeps the input's order
    assert table is not None
    explained = _attributions(call, table, len(classes), steps)
    joined = output.beside_scores(table, explained, ROW)
    helpers = [*sorted(kept), ROW, ERROR, *([PRED] if classes else [])]
    names = [f.name for f in model.features]
    leading = output.leading(model, col("__m0"))
    return output.explained(joined, names, k, leading, helpers, error=col(ERROR))


def _selector(predicted: np.ndarray, outputs: int) -> np.ndarray:
    """(rows, outputs): the one margin each row's attributions explain (the only one, or the predicted
    class's)."""
    if outputs == 1:
        return np.ones((len(predicted), 1))
    return np.eye(outputs)[predicted]


def _toward(values: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """(rows,) of (rows, outputs) margins toward each row's predicted class."""
    return output.oriented(values[:, :, None], predicted, classes)[:, 0]


def explain_rows(
    model: Model, net: gradients.Network, x: np.ndarray, predicted: np.ndarray, classes: int, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """(rows, features) attributions toward the predicted class and (rows,) baseline margins."""
    outputs = int(model.state["outputs"])
    baseline = np.zeros_like(x)
    per_dim = gradients.integrated_gradients(net, x, baseline, _selector(predicted, outputs), steps)
    per_feature = per_dim @ output.feature_matrix(model)
    if classes == 2:
        per_feature = per_feature * np.where(predicted == 1, 1.0, -1.0)[:, None]
    base = _toward(net.margins(baseline), predicted, classes)
    return per_feature, base


def _attributions(call: Call, table: exp.Table, classes: int, steps: int) -> exp.Query:
    """The scratch rows' attributions, baseline, value and approximation error (Arrow, computed)."""
    model = call.model
    dims, margins = len(model.dims), _margins(model)
    query = (
        exp.select(
            exp.column("rowid"),
            *[col(dim_name(i)) for i in range(dims)],
            *[col(m) for m in margins],
            *([col(PRED)] if classes else []),
        )
        .from_(table.copy())
        .order_by("rowid")
    )
    fetched = call.con.execute(to_sql(query)).fetch_arrow_table()
    x = _matrix(fetched, range(1, 1 + dims))
    values = _matrix(fetched, range(1 + dims, 1 + dims + len(margins)))
    predicted = (
        _matrix(fetched, [1 + dims + len(margins)])[:, 0].astype(int) if classes else np.zeros(len(x), int)
    )
    net = gradients.load(call.con, model)
    attributions, baseline = explain_rows(model, net, x, predicted, classes, steps)
    value = _toward(values, predicted, classes)
    columns: dict[str, Any] = {ROW: fetched.column(0).cast(pa.int64())}
    for i in range(attributions.shape[1]):
        columns[output.attribution(i)] = pa.array(attributions[:, i], pa.float64())
    columns[output.BASELINE] = pa.array(baseline, pa.float64())
    columns[output.VALUE] = pa.array(value, pa.float64())
    columns[ERROR] = pa.array(approximation_error(attributions, value - baseline), pa.float64())
    return call.scratch.arrow_relation(pa.table(columns))


def approximation_error(attributions: np.ndarray, difference: np.ndarray) -> np.ndarray:
    """|sum(attributions) - difference| relative to |difference| (absolute where the difference is 0)."""
    gap = np.abs(attributions.sum(axis=1) - difference)
    scale = np.abs(difference)
    return np.where(scale > 0, gap / np.where(scale > 0, scale, 1.0), gap)


def _matrix(table: pa.Table, positions: Any) -> np.ndarray:
    columns = [table.column(i).to_numpy(zero_copy_only=False).astype(np.float64) for i in positions]
    return (
        np.column_stack(columns) if columns and table.num_rows else np.empty((table.num_rows, len(columns)))
    )


def record_global(model: Model, data: TrainingData) -> None:
    """Store ML.GLOBAL_EXPLAIN's table: mean |attribution| over the evaluation rows, toward each row's
    predicted class and toward each class (Integrated Gradients with the model's number of steps)."""
    if not model.options.get("enable_global_explain"):
        return
    net = gradients.load(data.con, model)
    classes = list(model.state.get("classes") or [])
    outputs, steps = int(model.state["outputs"]), int(model.options["integrated_gradients_num_steps"])
    sums = output.GlobalSums(outputs, len(model.features))
    to_features = output.feature_matrix(model)
    query = exp.select(*data.xs).from_(data.relation()).where(evaluation_rows(data))
    for batch in data.con.execute(to_sql(query)).fetch_record_batch(BATCH_ROWS):
        x = np.column_stack([c.to_numpy(zero_copy_only=False).astype(np.float64) for c in batch.columns])
        margins = net.margins(x)
        predicted = (margins[:, 0] > 0).astype(int) if len(classes) == 2 else margins.argmax(axis=1)
        baseline = np.zeros_like(x)
        per_output = [
            gradients.integrated_gradients(net, x, baseline, np.tile(np.eye(outputs)[o], (len(x), 1)), steps)
            @ to_features
            for o in range(outputs)
        ]
        sums.add(np.stack(per_output, axis=1), predicted, len(classes))
    output.record_global(model, data.con, sums, classes)
