"""Training of the DNN types: Keras on the encoded rows streamed from DuckDB as Arrow (``network``).

``fit`` follows BigQuery ML: the label (a value, or classes in ascending order with the higher of two
labels positive), class and instance weights and the train/eval split from ``supervised.prepare``; the
options shape and compile the network (``network.compiled``). One iteration is one epoch over the
training rows in mini-batches; after each, the loss on the training rows and on the eval rows (weighted
means, without the L1/L2 penalties) is one ML.TRAINING_INFO row, and with ``early_stop`` training stops
when that loss (eval rows if any, else training rows) improved by less than ``min_rel_progress``. Seeded:
the same data and options give the same weights. The weights are stored as the state table ``layers``
(``sql.LAYERS``); metrics come from the compiled SQL on the eval rows.

This module imports Keras (through ``network``): it is loaded on first use, by ``dnn.fit``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
from sqlglot import exp

from lakehouse.errors import UsageError
from lakehouse.progress import ProgressEvent, report
from warehouse.ml import labels, metrics, supervised
from warehouse.ml.classes import with_prediction
from warehouse.ml.functions import TRAINING_INFO
from warehouse.ml.model import TrainingData
from warehouse.ml.models.dnn import network
from warehouse.ml.models.dnn import options as dnn_options
from warehouse.ml.models.dnn.sql import layers_table, scores
from warehouse.ml.registry import Model, write_state
from warehouse.ml.sqlexpr import col, ident, sql

SEED = 0
DEFAULT_BATCH_SIZE = 32  # BigQuery: min(32, training rows)
MAX_DEFAULT_UNITS = 128

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def hidden_units(options: Mapping[str, Any], rows: int, inputs: int, outputs: int) -> list[int]:
    """``hidden_units``, or BigQuery's default: one layer of min(128, N / (10 (inputs + outputs))) units
    (at least one)."""
    if options["hidden_units"]:
        return [int(u) for u in options["hidden_units"]]
    return [max(1, min(MAX_DEFAULT_UNITS, rows // (10 * (inputs + outputs))))]


def fit(model: Model, data: TrainingData, *, classifier: bool) -> None:
    """Fit, store the layers, the training info and the metrics of a DNN model."""
    dnn_options.check(model.options)
    classes = (
        labels.prepare_classes(model, data)
        if classifier
        else labels.prepare_number(model, data, "DNN_CLASSIFIER")
    )
    x, y, w, held_out = supervised.fetch(data, np.float32, in_table_order=True)
    rows = int((~held_out).sum())
    if rows == 0:
        raise UsageError(
            f"{model.model_type}: every training row is an evaluation row", hint="check data_split_col"
        )
    outputs = classes if classes > 2 else 1
    units = hidden_units(model.options, rows, len(data.dims), max(classes, 1))
    net = network.compiled(model.options, len(data.dims), units, outputs, classes)
    history = _fit(model, data, net, (x, y, w, held_out), classes)
    model.state.update(hidden_units=units, activation=model.options["activation_fn"], outputs=outputs)
    write_state(data.con, model, "layers", layers_table(*network.weights(net)))
    write_state(data.con, model, "training_info", pa.Table.from_pylist(history, schema=TRAINING_INFO))
    _metrics(model, data, classes)


def _loss(margins: np.ndarray, y: np.ndarray, w: np.ndarray, classes: int) -> float | None:
    """Weighted mean loss of the network's outputs: cross-entropy (classifiers) or squared error
    (regressors); None without rows."""
    if not len(y) or not w.sum():
        return None
    if not classes:
        return float(np.average((margins[:, 0] - y) ** 2, weights=w))
    if classes == 2:
        p1 = 1 / (1 + np.exp(-margins[:, 0]))
        p = np.where(y == 1, p1, 1 - p1)
    else:
        shifted = np.exp(margins - margins.max(axis=1, keepdims=True))
        p = (shifted / shifted.sum(axis=1, keepdims=True))[np.arange(len(y)), y.astype(int)]
    return float(np.average(-np.log(np.clip(p, metrics.EPS, 1 - metrics.EPS)), weights=w))


def _fit(model: Model, data: TrainingData, net: Any, arrays: Arrays, classes: int) -> list[dict[str, Any]]:
    """One epoch per iteration; the ML.TRAINING_INFO rows."""
    x, y, w, held_out = arrays
    train_rows = ~held_out
    xt, yt, wt = x[train_rows], y[train_rows], w[train_rows]
    if classes:
        yt = yt.astype(np.int32)
    options = model.options
    batch = max(1, min(options["batch_size"] or DEFAULT_BATCH_SIZE, len(yt)))
    rng = np.random.default_rng(SEED)
    history: list[dict[str, Any]] = []
    for iteration in range(options["max_iterations"]):
        started = time.perf_counter()
        network.train_epoch(net, (xt, yt, wt.astype(np.float32)), batch, rng)
        loss = _loss(network.logits(net, xt), yt, wt, classes)
        eval_loss = _loss(network.logits(net, x[held_out]), y[held_out], w[held_out], classes)
        history.append(
            {
                "training_run": 0,
                "iteration": iteration,
                "loss": loss,
                "eval_loss": eval_loss,
                "learning_rate": options["learn_rate"],
                "duration_ms": int((time.perf_counter() - started) * 1000),
            }
        )
        report(
            data.progress,
            ProgressEvent(
                f"train {model.qualified_name}",
                iteration + 1,
                options["max_iterations"],
                "iterations",
                f"loss {loss:.6g}",
            ),
        )
        if _converged(options, history):
            break
    return history


def _converged(options: Mapping[str, Any], history: list[dict[str, Any]]) -> bool:
    if not options["early_stop"] or len(history) < 2:
        return False
    key = "eval_loss" if history[-1]["eval_loss"] is not None else "loss"
    previous, current = history[-2][key], history[-1][key]
    improvement = (previous - current) / abs(previous) if previous else 0.0
    return bool(improvement < options["min_rel_progress"])


def _metrics(model: Model, data: TrainingData, classes: int) -> None:
    """ML.EVALUATE of the training run (eval rows, else all) from the compiled SQL, scored once into a
    temp table that every metric reads."""
    rows = exp.select("*").from_(data.relation()).where(supervised.evaluation_rows(data))
    scored = scores(model, rows.subquery("__rows"))
    if classes:
        kept = [col(supervised.Y), *[col(f"__p{k}") for k in range(int(model.state["outputs"]))]]
    else:
        kept = [col(supervised.Y), exp.alias_(col("__m0"), ident("__pred"))]  # type: ignore[list-item]
    table = f"{data.table}_scored"
    data.con.execute(f'CREATE TEMP TABLE "{table}" AS {sql(exp.select(*kept).from_(scored.subquery("__s")))}')
    try:
        relation = exp.select("*").from_(exp.Table(this=ident(table)))
        if classes:
            model.metrics = metrics.classification(
                data.con, with_prediction(relation, classes, 0.5), classes, classes == 2
            )
        else:
            model.metrics = metrics.regression(data.con, relation)
    finally:
        data.con.execute(f'DROP TABLE IF EXISTS temp."{table}"')
