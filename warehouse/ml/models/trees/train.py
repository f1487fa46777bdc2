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
xgboost's prediction cache (``booster``: the only module that imports xgboost). ``train`` is ``prepare`` (DuckDB: label, split, rows), ``fit`` (xgboost only)
and ``store`` (DuckDB), also offered as ``Stages`` so that tuning fits a batch of trials concurrently.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
from sqlglot import exp

from lakehouse.errors import UsageError
from lakehouse.progress import ProgressCallback
from warehouse.ml import labels, metrics, supervised
from warehouse.ml.classes import with_prediction
from warehouse.ml.functions import TRAINING_INFO
from warehouse.ml.model import Stages, TrainingData
from warehouse.ml.models import trees
from warehouse.ml.models.trees import explain as tree_explain
from warehouse.ml.models.trees import options as tree_options
from warehouse.ml.models.trees.prepared import Prepared
from warehouse.ml.models.trees.sql import with_probabilities
from warehouse.ml.registry import Model, write_state
from warehouse.ml.sqlexpr import col, ident

if TYPE_CHECKING:
    from warehouse.ml.models.trees.booster import Fitted

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


def prepare(model: Model, data: TrainingData, *, classifier: bool) -> Prepared:
    """Check the options, prepare the label and split (``labels``), read the rows; fills ``model.state``."""
    tree_options.check(model.options)
    classes = (  # the rows are read once, here: no rewrite of the training table
        labels.prepare_classes(model, data, write=False)
        if classifier
        else labels.prepare_number(model, data, "the _CLASSIFIER model type", write=False)
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
    """Train with xgboost (``booster.fit_booster``, imported on first use)."""
    return trees.fit_booster(model, prepared, threads, progress)


def store(model: Model, data: TrainingData, prepared: Prepared, fitted: Fitted) -> None:
    """Write the trees, the booster, the training info, the global explanation and the metrics."""
    described = trees.describe(fitted.booster, prepared.classes)
    model.state.update(described.state)
    write_state(data.con, model, "trees", described.nodes)
    write_state(data.con, model, "booster", pa.table({"model": [described.raw]}))
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
            known = metrics.known_from_arrays(columns[supervised.Y].to_numpy(), columns["__m0"].to_numpy())
            model.metrics = metrics.regression(data.con, relation, known)
    finally:
        data.con.unregister(view)
