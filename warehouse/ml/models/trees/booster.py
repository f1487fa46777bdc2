"""xgboost itself, for the tree family: fit a booster on prepared rows, describe it (node table, state, JSON),
load a stored one, and its SHAP contributions.

The only module of the family that imports xgboost, which takes a second or more to import (it imports
scikit-learn when that is installed); the family's package exports these functions on first use
(``lakehouse.lazy``), so a statement that trains or explains no tree model never loads it.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import xgboost as xgb

from lakehouse.progress import ProgressCallback, ProgressEvent, report
from warehouse.ml.models.trees.prepared import Prepared
from warehouse.ml.models.trees.sql import NODES
from warehouse.ml.registry import Model


@dataclass
class Fitted:
    """The result of ``fit``: the booster, one ML.TRAINING_INFO row per round and the margins of the
    evaluation rows (all rows when none is held out)."""

    booster: xgb.Booster
    history: list[dict[str, Any]]
    margins: np.ndarray


def fit_booster(
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


def _matrix(
    params: Mapping[str, Any], x: np.ndarray, y: np.ndarray, w: np.ndarray, ref: xgb.DMatrix | None = None
) -> xgb.DMatrix:
    """The rows as xgboost's matrix; weights only when they are not all 1 (xgboost weighs every row 1
    without them, the same booster, while weighted gradients and sketches cost ~15 % more training)."""
    threads = params.get("nthread")
    weight = None if bool((w == 1.0).all()) else w
    if params.get("tree_method") == "hist":
        return xgb.QuantileDMatrix(x, label=y, weight=weight, ref=ref, nthread=threads)
    return xgb.DMatrix(x, label=y, weight=weight, nthread=threads)


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


def node_table(raw: str) -> pa.Table:
    """The trees of a booster (its JSON, ``save_raw``) as ``sql.NODES`` rows (DART trees' weights folded
    into their leaves)."""
    learner = json.loads(raw)["learner"]
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


@dataclass(frozen=True)
class Described:
    """What a fitted booster leaves in the model: ``state`` entries, the node table and the booster as JSON."""

    state: dict[str, Any]
    nodes: pa.Table
    raw: str


def describe(booster: xgb.Booster, classes: int) -> Described:
    config = json.loads(booster.save_config())
    objective = config["learner"]["objective"]["name"]
    outputs = classes if classes > 2 else 1
    state = {
        "objective": objective,
        "outputs": outputs,
        "base_margin": _base_margin(config, objective, outputs),
        "rounds": booster.num_boosted_rounds(),
    }
    raw = bytes(booster.save_raw("json")).decode()  # one serialization: the node table reads it too
    return Described(state, node_table(raw), raw)


def load_booster(raw: str) -> xgb.Booster:
    """A stored booster (its JSON, as ``describe`` wrote it)."""
    loaded = xgb.Booster()
    loaded.load_model(bytearray(raw.encode()))
    return loaded


def contributions(trees: xgb.Booster, x: np.ndarray, outputs: int, *, approximate: bool) -> np.ndarray:
    """(rows, outputs, dims + 1): xgboost's contributions (TreeSHAP, or Saabas when ``approximate``), the
    bias last."""
    if len(x) == 0:
        return np.zeros((0, outputs, x.shape[1] + 1))
    values = trees.predict(xgb.DMatrix(x), pred_contribs=True, approx_contribs=approximate)
    return values[:, None, :] if values.ndim == 2 else values
