"""Explanations of the tree types: ML.EXPLAIN_PREDICT (TreeSHAP) and the global explanation training stores.

The attributions are xgboost's ``pred_contribs`` on the model's stored booster: exact, path-dependent
TreeSHAP, or with ``approx_feature_contrib`` the approximate Saabas method. The booster gets exactly the
values the compiled SQL splits on: the input is scored by the trees' SQL (``functions.scored``: the
model's own preprocessing, label or target encoding, as FLOAT), kept in a scratch table, and its ``__f*``
columns are read back from DuckDB as Arrow. Contributions of one-hot dimensions add up to their feature's.
The prediction, its probability and ``prediction_value`` are the SQL's (ML.PREDICT's); the bias is
``baseline_prediction_value``. xgboost computes in float32, so ``baseline + sum(attributions)`` equals
``prediction_value`` to float32 precision.

With ``enable_global_explain`` training stores the mean absolute attributions over the evaluation rows
(``approx_global_feature_contrib`` picks the method; BigQuery's default is the approximate one for
``num_parallel_tree`` >= 10, or >= 50 for random forests).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa
from sqlglot import exp

from warehouse.ml.classes import PRED, with_prediction
from warehouse.ml.explain import output
from warehouse.ml.model import Call
from warehouse.ml.models import trees as family
from warehouse.ml.models.trees import sql
from warehouse.ml.registry import Model, read_state
from warehouse.ml.sqlexpr import col
from warehouse.ml.sqlexpr import sql as to_sql

if TYPE_CHECKING:
    import xgboost as xgb

ROW = "__row"  # the scored rows' position, to join the attributions back


def booster(call: Call) -> xgb.Booster:
    [(raw,)] = read_state(call.con, call.model, "booster", "model")
    return family.load_booster(str(raw))


def by_feature(model: Model, contribs: np.ndarray) -> np.ndarray:
    """(rows, outputs, features): the dimensions' contributions summed per input feature."""
    return np.asarray(contribs[:, :, :-1] @ output.feature_matrix(model))


def _classes(model: Model) -> list[Any]:
    return list(model.state.get("classes") or [])


def explain_predict(call: Call) -> exp.Query:
    model = call.model
    classes = _classes(model)
    output.check_params(call, ("top_k_features", "threshold", "approx_feature_contrib"))
    k = output.top_k(call)
    forest = sql.load(call.con, model)
    rows = sql.scores(model, forest, call.require_input().subquery("__input"), sql.input_values(model))
    threshold = output.threshold(call, len(classes))
    if classes:
        rows = with_prediction(rows, len(classes), threshold)
    table = call.scratch.materialize(rows).find(exp.Table)  # scored once; rowid keeps the input's order
    assert table is not None
    explained = _attributions(call, table, classes, bool(call.params.get("approx_feature_contrib", False)))
    joined = output.beside_scores(table, explained, ROW)
    helpers = [*sql.helper_columns(len(model.dims), int(model.state["outputs"]), bool(classes)), ROW]
    helpers += [PRED] if classes else []
    names = [f.name for f in model.features]
    return output.explained(joined, names, k, output.leading(model, col("__m0")), helpers)


def _attributions(call: Call, table: exp.Table, classes: list[Any], approximate: bool) -> exp.Query:
    """The scratch rows' attributions toward the predicted class, baseline and value (Arrow, computed)."""
    model = call.model
    outputs = int(model.state["outputs"])
    floats = [col(sql.float_name(i)) for i in range(len(model.dims))]
    margin_columns = [col(f"__m{k}") for k in range(outputs)]
    pred = [col(PRED)] if classes else []
    query = (
        exp.select(exp.column("rowid"), *floats, *margin_columns, *pred).from_(table.copy()).order_by("rowid")
    )
    fetched = call.con.execute(to_sql(query)).fetch_arrow_table()
    dims = len(model.dims)
    x = _matrix(fetched, range(1, 1 + dims)).astype(np.float32)  # NULL -> NaN: xgboost's missing value
    margins = _matrix(fetched, range(1 + dims, 1 + dims + outputs))
    predicted = _matrix(fetched, [1 + dims + outputs])[:, 0].astype(int) if classes else np.zeros(len(x), int)
    contribs = family.contributions(booster(call), x, outputs, approximate=approximate)
    attributions = output.oriented(by_feature(model, contribs), predicted, len(classes))
    baseline = _toward(contribs[:, :, -1], predicted, len(classes))
    value = _toward(margins, predicted, len(classes))
    columns = {ROW: fetched.column(0).cast(pa.int64())}
    for i in range(attributions.shape[1]):
        columns[output.attribution(i)] = pa.array(attributions[:, i], pa.float64())
    columns[output.BASELINE] = pa.array(baseline, pa.float64())
    columns[output.VALUE] = pa.array(value, pa.float64())
    return call.scratch.arrow_relation(pa.table(columns))


def _matrix(table: pa.Table, positions: Sequence[int]) -> np.ndarray:
    """(rows, len(positions)) float64 of the table's columns at ``positions`` (NULL -> NaN)."""
    columns = [table.column(i).to_numpy(zero_copy_only=False).astype(np.float64) for i in positions]
    return (
        np.column_stack(columns) if columns and table.num_rows else np.empty((table.num_rows, len(columns)))
    )


def _toward(values: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """(rows,) of (rows, outputs) values toward each row's predicted class."""
    return output.oriented(values[:, :, None], predicted, classes)[:, 0]


def record_global(
    model: Model, con: duckdb.DuckDBPyConnection, trees: xgb.Booster, x: np.ndarray, held_out: np.ndarray
) -> None:
    """Store ML.GLOBAL_EXPLAIN's table from the evaluation rows of the training matrix ``x``."""
    rows = x[held_out] if held_out.any() else x
    contribs = family.contributions(
        trees, rows, int(model.state["outputs"]), approximate=approximate_global(model.options)
    )
    margins = contribs.sum(axis=2, dtype=np.float64)
    classes = _classes(model)
    predicted = (margins[:, 0] > 0).astype(int) if len(classes) == 2 else margins.argmax(axis=1)
    sums = output.GlobalSums(int(model.state["outputs"]), len(model.features))
    sums.add(by_feature(model, contribs), predicted, len(classes))
    output.record_global(model, con, sums, classes)


def approximate_global(options: Mapping[str, Any]) -> bool:
    """``approx_global_feature_contrib``, or BigQuery's default for it."""
    given = options.get("approx_global_feature_contrib")
    if given is not None:
        return bool(given)
    forest = "booster_type" not in options
    return int(options.get("num_parallel_tree", 1)) >= (50 if forest else 10)
