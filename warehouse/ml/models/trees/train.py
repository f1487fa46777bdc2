"""Training of the tree types with xgboost (CPU) on the encoded rows, streamed from DuckDB as Arrow.

``train`` follows BigQuery ML: the label (a value, or classes in ascending order with the higher of two
labels positive), class and instance weights and the train/eval split from ``supervised.prepare``; the
options map to xgboost's parameters (``PARAMETERS``); a boosted model runs ``max_iterations`` rounds and
stops early when the loss (eval rows if any, else training rows) improves by less than
``min_rel_progress``; a random forest is one round of ``num_parallel_tree`` trees with learn rate 1.
The fitted trees are stored as the node table ``trees`` (``sql.NODES``) and the booster itself as JSON
(state table ``booster``). The stored metrics are ML.EVALUATE's SQL over the booster's margins on the eval
rows (all rows when none is held out), which xgboost already holds for its evaluation log: scoring the
rows again in the compiled SQL cost as much as a third of the training time on 1M rows, for the same
predictions (the tests pin SQL == xgboost predict); the margins are taken before ``xgb.train`` drops
xgboost's prediction cache. ``train`` is ``prepare`` (DuckDB: label, split, rows), ``fit`` (xgboost only)
and ``store`` (DuckDB), also offered as ``Stages`` so that tuning fits a batch of trials concurrently.
"""

from __future__ import annotations

import functools
import json
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import xgboost as xgb
from sqlglot import exp

from lakehouse.errors import UsageError
from lakehouse.progress import ProgressCallback, ProgressEvent, report
from warehouse.ml import labels, metrics, supervised
from warehouse.ml.classes import with_prediction
from warehouse.ml.functions import TRAINING_INFO
from warehouse.ml.model import Stages, TrainingData
from warehouse.ml.models.trees import explain as tree_explain
from warehouse.ml.models.trees import options as tree_options
from warehouse.ml.models.trees.sql import NODES, with_probabilities
from warehouse.ml.registry import Model, write_state
from warehouse.ml.sqlexpr import col, ident

#: option -> (xgboost parameter, how the value maps); options not listed here are not xgboost's
PARAMETERS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "max_tree_depth": ("max_depth", int),
    "num_parallel_tree": ("num_parallel_tree", int),
    "learn_rate": ("eta", float),
    "l1_reg": ("alpha", float),
    "l2_reg": ("lambda", float),
    "min_split_loss": ("gamma", float),
    "min_tree_child_weight": ("min_child_weight", float),
    "subsample": ("subsample", float),
    "colsample_bytree": ("colsample_bytree", float),
    "colsample_bylevel": ("colsample_bylevel", float),
    "colsample_bynode": ("colsample_bynode", float),
    "tree_method": ("tree_method", lambda v: {"AUTO": "hist"}.get(v, str(v).lower())),
    "booster_type": ("booster", lambda v: str(v).lower()),
    "dart_normalize_type": ("normalize_type", lambda v: str(v).lower()),
    "dropout": ("rate_drop", float),
}


def parameters(options: Mapping[str, Any], objective: str, classes: int) -> dict[str, Any]:
    params: dict[str, Any] = {"objective": objective, "seed": 0, "verbosity": 0}
    for option, (name, convert) in PARAMETERS.items():
        if option in options and options[option] is not None:
            params[name] = convert(options[option])
    if "learn_rate" not in options:  # a random forest: one round, unshrunk trees
        params["eta"] = 1.0
    if objective == "multi:softprob":
        params["num_class"] = classes
    params["eval_metric"] = {"reg:squarederror": "rmse", "binary:logistic": "logloss"}.get(
        objective, "mlogloss"
    )
    return params


@dataclass
class Prepared:
    """What ``fit`` needs, read from DuckDB by ``prepare``: the rows (float32, NULL -> NaN, target-encoded),
    label, weight, held-out flag, the number of classes (0: a regressor) and xgboost's parameters."""

    x: np.ndarray
    y: np.ndarray
    w: np.ndarray
    held_out: np.ndarray
    classes: int
    params: dict[str, Any]


@dataclass
class Fitted:
    """The result of ``fit``: the booster, one ML.TRAINING_INFO row per round and the margins of the
    evaluation rows (all rows when none is held out)."""

    booster: xgb.Booster
    history: list[dict[str, Any]]
    margins: np.ndarray


def prepare(model: Model, data: TrainingData, *, classifier: bool) -> Prepared:
    """Check the options, prepare the label and split (``labels``), read the rows; fills ``model.state``."""
    tree_options.check(model.options)
    classes = (
        labels.prepare_classes(model, data)
        if classifier
        else labels.prepare_number(model, data, "the _CLASSIFIER model type")
    )
    x, y, w, held_out = supervised.fetch(data, np.float32)
    model.state["target_encoding"] = _target_encoding(model, x, y, w, held_out, classes)
    objective = (
        "reg:squarederror" if not classifier else "binary:logistic" if classes == 2 else "multi:softprob"
    )
    return Prepared(x, y, w, held_out, classes, parameters(model.options, objective, classes))


def fit(
    model: Model, prepared: Prepared, threads: int | None = None, progress: ProgressCallback | None = None
) -> Fitted:
    """Train with xgboost (``threads``: its nthread; None: every core); no DuckDB, so tuning runs the trials
    of a batch in worker threads."""
    params = dict(prepared.params)
    if threads is not None:
        params["nthread"] = threads
    x, y, w, held_out = prepared.x, prepared.y, prepared.w, prepared.held_out
    split = bool(held_out.any())
    train_rows = ~held_out if split else slice(None)
    dtrain = _matrix(params, x[train_rows], y[train_rows], w[train_rows])
    evals = [(dtrain, "train")]
    if split:
        evals.append((_matrix(params, x[held_out], y[held_out], w[held_out], dtrain), "eval"))
    rounds = model.options.get("max_iterations", 1)
    history = _History(model, rounds, params["eval_metric"], evals[-1][0], progress)
    booster = xgb.train(params, dtrain, rounds, evals=evals, callbacks=[history], verbose_eval=False)
    return Fitted(booster, history.rows, history.margins)


def store(model: Model, data: TrainingData, prepared: Prepared, fitted: Fitted) -> None:
    """Write the trees, the booster, the training info, the global explanation and the metrics."""
    _store(model, data, fitted.booster, prepared.classes)
    if model.options.get("enable_global_explain"):
        tree_explain.record_global(model, data.con, fitted.booster, prepared.x, prepared.held_out)
    info = pa.Table.from_pylist(fitted.history, schema=TRAINING_INFO)
    write_state(data.con, model, "training_info", info)
    y = prepared.y[prepared.held_out] if prepared.held_out.any() else prepared.y
    _metrics(model, data, fitted.margins, y, prepared.classes)


def train(model: Model, data: TrainingData, *, classifier: bool) -> None:
    """Fit, store the trees, the training info and the metrics of a tree model."""
    prepared = prepare(model, data, classifier=classifier)
    store(model, data, prepared, fit(model, prepared, progress=data.progress))


def stages(*, classifier: bool) -> Stages:
    """``train`` as ``Stages``, for tuning's concurrent trials."""
    return Stages(functools.partial(prepare, classifier=classifier), fit, store)


def _target_encoding(
    model: Model, x: np.ndarray, y: np.ndarray, w: np.ndarray, held_out: np.ndarray, classes: int
) -> dict[str, list[float]]:
    """TARGET_ENCODING: each label-encoded dimension's index -> the weighted mean label of its training
    rows (the overall mean for an index without rows); ``x`` is rewritten in place."""
    if model.options.get("category_encoding_method") != "TARGET_ENCODING":
        return {}
    if classes > 2:
        raise UsageError(
            "category_encoding_method = 'TARGET_ENCODING' needs a regressor or a binary classifier",
            hint="use 'LABEL_ENCODING' or 'ONE_HOT_ENCODING' for more than two classes",
        )
    mapping: dict[str, list[float]] = {}
    train_rows = ~held_out
    overall = float(np.average(y[train_rows], weights=w[train_rows]))
    for i, dim in enumerate(model.dims):
        if not dim.label_encoded:
            continue
        index = x[:, i].astype(np.int64)
        size = int(index.max()) + 1 if len(index) else 1
        size = max(size, len([c for c in _categories(model, dim.feature) if c is not None]) + 1)
        totals = np.bincount(index[train_rows], weights=(w * y)[train_rows], minlength=size)
        weights = np.bincount(index[train_rows], weights=w[train_rows], minlength=size)
        means = np.where(weights > 0, totals / np.where(weights > 0, weights, 1.0), overall)
        mapping[str(i)] = [float(m) for m in means]
        x[:, i] = means.astype(np.float32)[index]
    return mapping


def _categories(model: Model, feature: str) -> list[str | None]:
    return next(f.categories for f in model.features if f.name == feature)


def _matrix(
    params: Mapping[str, Any], x: np.ndarray, y: np.ndarray, w: np.ndarray, ref: xgb.DMatrix | None = None
) -> xgb.DMatrix:
    threads = params.get("nthread")
    if params.get("tree_method") == "hist":
        return xgb.QuantileDMatrix(x, label=y, weight=w, ref=ref, nthread=threads)
    return xgb.DMatrix(x, label=y, weight=w, nthread=threads)


class _History(xgb.callback.TrainingCallback):
    """One ML.TRAINING_INFO row per round; stops when the loss improves by less than min_rel_progress; keeps
    the final margins of ``scored`` (the eval matrix, or the training one) while xgboost still caches them
    (``xgb.train`` drops its caches before it returns: predicting afterwards scores every row again)."""

    def __init__(
        self,
        model: Model,
        rounds: int,
        metric: str,
        scored: xgb.DMatrix,
        progress: ProgressCallback | None,
    ) -> None:
        super().__init__()
        self.model, self.rounds, self.metric = model, rounds, metric
        self.scored, self.progress = scored, progress
        self.rows: list[dict[str, Any]] = []
        self.margins = np.empty(0)
        self.started = time.perf_counter()

    def after_training(self, model: xgb.Booster) -> xgb.Booster:
        self.margins = model.predict(self.scored, output_margin=True)
        return model

    def _loss(self, log: Mapping[str, Any], name: str) -> float | None:
        if name not in log:
            return None
        value = float(log[name][self.metric][-1])
        return value * value if self.metric == "rmse" else value  # regression: mean squared error

    def after_iteration(self, model: xgb.Booster, epoch: int, evals_log: Mapping[str, Any]) -> bool:
        loss, eval_loss = self._loss(evals_log, "train"), self._loss(evals_log, "eval")
        now = time.perf_counter()
        self.rows.append(
            {
                "training_run": 0,
                "iteration": epoch,
                "loss": loss,
                "eval_loss": eval_loss,
                "learning_rate": self.model.options.get("learn_rate", 1.0),
                "duration_ms": int((now - self.started) * 1000),
            }
        )
        self.started = now
        report(
            self.progress,
            ProgressEvent(
                f"train {self.model.qualified_name}", epoch + 1, self.rounds, "iterations", f"loss {loss:.6g}"
            ),
        )
        return self._converged(eval_loss if eval_loss is not None else loss)

    def _converged(self, current: float | None) -> bool:
        if not self.model.options["early_stop"] or len(self.rows) < 2 or current is None:
            return False
        key = "eval_loss" if self.rows[-1]["eval_loss"] is not None else "loss"
        previous = self.rows[-2][key]
        improvement = (previous - current) / abs(previous) if previous else 0.0
        return bool(improvement < self.model.options["min_rel_progress"])


def _base_margin(config: Mapping[str, Any], objective: str, outputs: int) -> list[float]:
    """The margin every prediction starts from, from xgboost's ``base_score`` (a probability for logistic)."""
    text = config["learner"]["learner_model_param"]["base_score"]
    values = [float(v) for v in re.findall(r"[-+0-9.eE]+", text)]
    values = values * outputs if len(values) == 1 else values
    stored = [float(v) for v in np.asarray(values, dtype=np.float32)]
    if objective == "binary:logistic":
        return [math.log(v / (1 - v)) for v in stored]
    return stored


def node_table(booster: xgb.Booster) -> pa.Table:
    """The booster's trees as ``sql.NODES`` rows (DART trees' weights folded into their leaves)."""
    learner = json.loads(booster.save_raw("json"))["learner"]
    gradient_booster = learner["gradient_booster"]
    dart = gradient_booster["name"] == "dart"
    forest = gradient_booster["gbtree"]["model"] if dart else gradient_booster["model"]
    weights = gradient_booster["weight_drop"] if dart else [1.0] * len(forest["trees"])
    columns: dict[str, list[Any]] = {name: [] for name in NODES.names}
    for t, tree in enumerate(forest["trees"]):
        left = tree["left_children"]
        for i in range(len(left)):
            leaf = left[i] == -1
            columns["tree"].append(t)
            columns["node"].append(i)
            columns["output"].append(int(forest["tree_info"][t]))
            columns["feature"].append(-1 if leaf else int(tree["split_indices"][i]))
            condition = float(np.float32(tree["split_conditions"][i]))
            columns["threshold"].append(None if leaf else condition)
            columns["yes"].append(None if leaf else left[i])
            columns["no"].append(None if leaf else tree["right_children"][i])
            columns["missing_yes"].append(None if leaf else bool(tree["default_left"][i]))
            columns["value"].append(condition * float(weights[t]) if leaf else None)
            columns["gain"].append(float(tree["loss_changes"][i]))
            columns["cover"].append(float(tree["sum_hessian"][i]))
    return pa.Table.from_pydict(columns, schema=NODES)


def _store(model: Model, data: TrainingData, booster: xgb.Booster, classes: int) -> None:
    config = json.loads(booster.save_config())
    objective = config["learner"]["objective"]["name"]
    outputs = classes if classes > 2 else 1
    model.state.update(
        objective=objective,
        outputs=outputs,
        base_margin=_base_margin(config, objective, outputs),
        rounds=booster.num_boosted_rounds(),
    )
    write_state(data.con, model, "trees", node_table(booster))
    raw = bytes(booster.save_raw("json")).decode()
    write_state(data.con, model, "booster", pa.table({"model": [raw]}))


def _metrics(model: Model, data: TrainingData, margins: np.ndarray, y: np.ndarray, classes: int) -> None:
    """ML.EVALUATE's metrics of the evaluation rows from their margins (rows, or rows x outputs)."""
    columns = {supervised.Y: pa.array(y, pa.float64())}
    for k, margin in enumerate(margins.reshape(len(y), -1).T):
        columns[f"__m{k}"] = pa.array(margin, pa.float64())
    view = f"__eval_margins_{model.name}"
    data.con.register(view, pa.table(columns))
    try:
        rows = exp.select("*").from_(exp.Table(this=ident(view)))
        if classes:
            scored = with_probabilities(rows, int(model.state["outputs"]))
            model.metrics = metrics.classification(
                data.con, with_prediction(scored, classes, 0.5), classes, classes == 2
            )
        else:
            relation = exp.select(col(supervised.Y), exp.alias_(col("__m0"), ident("__pred"))).from_(
                rows.subquery("__scored")
            )
            model.metrics = metrics.regression(data.con, relation)
    finally:
        data.con.unregister(view)
