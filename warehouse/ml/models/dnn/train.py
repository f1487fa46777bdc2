"""Training of the DNN types with scikit-learn's MLP on the encoded rows, streamed from DuckDB as Arrow.

``train`` follows BigQuery ML: the label (a value, or classes in ascending order with the higher of two
labels positive), class and instance weights and the train/eval split from ``supervised.prepare``; the
options map to ``MLPClassifier``/``MLPRegressor`` (``estimator``). One iteration is one epoch
(``partial_fit``) over the training rows in mini-batches; after each, the loss on the training rows
and on the eval rows is one ML.TRAINING_INFO row, and with ``early_stop`` training stops when that
loss (eval rows if any, else training rows) improved by less than ``min_rel_progress``. Seeded: the
same data and options give the same weights. The weights are stored as the state table ``layers``
(``sql.LAYERS``); metrics come from the compiled SQL on the eval rows.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sqlglot import exp
from threadpoolctl import threadpool_limits

from lakehouse.errors import UsageError
from lakehouse.progress import ProgressEvent, report
from warehouse.ml import labels, metrics, supervised
from warehouse.ml.classes import with_prediction
from warehouse.ml.functions import TRAINING_INFO
from warehouse.ml.model import TrainingData
from warehouse.ml.models.dnn import options as dnn_options
from warehouse.ml.models.dnn.sql import layers_table, scores
from warehouse.ml.registry import Model, write_state
from warehouse.ml.sqlexpr import col, ident, sql

SEED = 0
DEFAULT_BATCH_SIZE = 32  # BigQuery: min(32, training rows)
MAX_DEFAULT_UNITS = 128

MLP: TypeAlias = MLPClassifier | MLPRegressor


def hidden_units(options: Mapping[str, Any], rows: int, inputs: int, outputs: int) -> list[int]:
    """``hidden_units``, or BigQuery's default: one layer of min(128, N / (10 (inputs + outputs))) units
    (at least one)."""
    if options["hidden_units"]:
        return [int(u) for u in options["hidden_units"]]
    return [max(1, min(MAX_DEFAULT_UNITS, rows // (10 * (inputs + outputs))))]


def estimator(options: Mapping[str, Any], units: list[int], rows: int, classifier: bool) -> MLP:
    """The scikit-learn MLP for the options (``options.check`` has refused what it cannot do)."""
    solver = dnn_options.OPTIMIZERS[options["optimizer"]]
    batch = options["batch_size"] or DEFAULT_BATCH_SIZE
    parameters: dict[str, Any] = {
        "hidden_layer_sizes": tuple(units),
        "activation": dnn_options.ACTIVATIONS[options["activation_fn"]],
        "solver": solver,
        "alpha": options["l2_reg"],
        "batch_size": max(1, min(batch, rows)),
        "learning_rate": "constant",
        "learning_rate_init": options["learn_rate"],
        "shuffle": True,
        # one generator for the whole run: initial weights, then a new shuffle each epoch
        "random_state": np.random.RandomState(SEED),
        "tol": 0.0,
        "n_iter_no_change": options["max_iterations"] + 1,  # our loop stops, never scikit-learn's
    }
    if solver == "sgd":  # plain SGD, as BigQuery's (no momentum)
        parameters.update(momentum=0.0, nesterovs_momentum=False)
    return MLPClassifier(**parameters) if classifier else MLPRegressor(**parameters)


def train(model: Model, data: TrainingData, *, classifier: bool) -> None:
    """Fit, store the layers, the training info and the metrics of a DNN model."""
    dnn_options.check(model.options)
    classes = (
        labels.prepare_classes(model, data)
        if classifier
        else labels.prepare_number(model, data, "DNN_CLASSIFIER")
    )
    x, y, w, held_out = supervised.fetch(data, in_table_order=True)
    rows = int((~held_out).sum())
    if rows == 0:
        raise UsageError(
            f"{model.model_type}: every training row is an evaluation row", hint="check data_split_col"
        )
    outputs = classes if classes > 2 else 1
    units = hidden_units(model.options, rows, len(data.dims), max(classes, 1))
    mlp = estimator(model.options, units, rows, classifier)
    with threadpool_limits(limits=1, user_api="blas"):  # mini-batches: threads cost more than they give
        history = _fit(model, data, mlp, (x, y, w, held_out), classes)
    model.state.update(hidden_units=units, activation=model.options["activation_fn"], outputs=outputs)
    write_state(data.con, model, "layers", layers_table(mlp.coefs_, mlp.intercepts_))
    write_state(data.con, model, "training_info", pa.Table.from_pylist(history, schema=TRAINING_INFO))
    _metrics(model, data, classes)


def _loss(mlp: MLP, x: np.ndarray, y: np.ndarray, w: np.ndarray, classes: int) -> float | None:
    """Weighted mean loss: cross-entropy (classifiers) or squared error (regressors); None without rows."""
    if not len(y) or not w.sum():
        return None
    if classes:
        p = np.clip(mlp.predict_proba(x)[np.arange(len(y)), y.astype(int)], metrics.EPS, 1 - metrics.EPS)
        return float(np.average(-np.log(p), weights=w))
    return float(np.average((mlp.predict(x) - y) ** 2, weights=w))


def _fit(
    model: Model,
    data: TrainingData,
    mlp: MLP,
    arrays: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    classes: int,
) -> list[dict[str, Any]]:
    """One ``partial_fit`` per iteration; the ML.TRAINING_INFO rows."""
    x, y, w, held_out = arrays
    train_rows = ~held_out
    xt, yt, wt = x[train_rows], y[train_rows], w[train_rows]
    extra = {"classes": np.arange(classes)} if classes else {}
    options = model.options
    history: list[dict[str, Any]] = []
    for iteration in range(options["max_iterations"]):
        started = time.perf_counter()
        mlp.partial_fit(xt, yt.astype(int) if classes else yt, sample_weight=wt, **extra)
        extra = {}
        loss = _loss(mlp, xt, yt, wt, classes)
        eval_loss = _loss(mlp, x[held_out], y[held_out], w[held_out], classes)
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
