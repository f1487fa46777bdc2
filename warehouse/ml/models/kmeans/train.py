"""KMEANS training: Lloyd's algorithm as DuckDB SQL.

Each iteration is one query over the training table: the distance to every centroid is an expression
of the row (centroids enter as exact DOUBLE literals), the nearest centroid its arg-min, and the new
centroids one ``GROUP BY`` of the assignments. Only the k x d centroid matrix comes back to Python.
Initialisation: RANDOM (k rows picked by a hash of the row id), KMEANS++ (D^2 sampling, one query per
centroid) or CUSTOM (rows where ``kmeans_init_col`` is TRUE, in row order); ``warm_start`` starts from
the model being replaced.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from sqlglot import exp

from lakehouse.errors import UsageError
from lakehouse.progress import ProgressEvent, report
from warehouse.ml import functions
from warehouse.ml.model import ROW_ID, TrainingData
from warehouse.ml.models.kmeans import sql as ksql
from warehouse.ml.models.kmeans.options import INIT
from warehouse.ml.registry import Model, read_state, write_state
from warehouse.ml.sqlexpr import col, num, sql

TRAINING_INFO = functions.TRAINING_INFO.append(
    pa.field(
        "cluster_info",
        pa.list_(
            pa.struct(
                [("centroid_id", pa.int64()), ("cluster_radius", pa.float64()), ("cluster_size", pa.int64())]
            )
        ),
    )
)


def train(model: Model, data: TrainingData) -> None:
    """Lloyd iterations until the centroids stop moving, early_stop or max_iterations."""
    options = model.options
    k = _num_clusters(options, data)
    centroids = _initial_centroids(model, data, k)
    cosine = options["distance_type"] == "COSINE"
    history: list[dict[str, Any]] = []
    previous_loss: float | None = None
    step = ksql.lloyd_step(data, cosine)
    final: ksql.ClusterStats | None = None
    assignment: dict[int, tuple[int, int]] | None = None
    for iteration in range(options["max_iterations"]):
        started = time.perf_counter()
        stats = step(centroids)
        loss = stats.loss / data.rows
        new = centroids.copy()
        for cid, mean in stats.means.items():
            new[cid - 1] = mean  # an empty cluster keeps its centroid
        history.append(
            {
                "training_run": 0,
                "iteration": iteration,
                "loss": loss,
                "eval_loss": None,
                "learning_rate": None,
                "duration_ms": int((time.perf_counter() - started) * 1000),
                "cluster_info": stats.cluster_info(),
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
        # converged: the centroids did not move, or no row changed cluster (the means of the same rows,
        # summed in parallel in another order, may differ in the last bit and never stop moving)
        converged = np.array_equal(new, centroids) or stats.assignment == assignment
        centroids, assignment = new, stats.assignment
        if converged:
            final = stats  # the step's centroids are the final ones: its statistics are the final ones
            break
        progress = (previous_loss - loss) / previous_loss if previous_loss else None
        if options["early_stop"] and progress is not None and progress < options["min_rel_progress"]:
            break
        previous_loss = loss
    # one pass after the steps: every row's distance to the final centroids, for the anomaly quantiles;
    # the final statistics too when no step ran with those centroids
    rows = ksql.assignment(data, centroids, cosine)
    if final is None:
        final = rows.stats(k, cosine)
    model.metrics = ksql.metrics(final, centroids, data.rows)
    model.state.update(
        num_clusters=k,
        cluster_radius={str(c): r for c, r in final.radius().items()},
        normalized_distance_quantiles=rows.normalized_distance_quantiles(final.radius()),
    )
    write_state(data.con, model, "centroids", _centroid_table(model, centroids))
    write_state(data.con, model, "training_info", pa.Table.from_pylist(history, schema=TRAINING_INFO))


def _num_clusters(options: Mapping[str, Any], data: TrainingData) -> int:
    if options["num_clusters"] is not None:
        k = int(options["num_clusters"])
    elif options["kmeans_init_method"] == "CUSTOM":
        k = _custom_seed_count(data)
    else:
        k = min(100, max(2, round(math.log10(max(data.rows, 1)))))
    if k > data.rows:
        raise UsageError(
            f"num_clusters = {k} but the training data has only {data.rows} rows", hint="lower num_clusters"
        )
    return k


def _custom_seed_count(data: TrainingData) -> int:
    row = data.con.execute(sql(exp.select("count(*)").from_(data.relation()).where(col(INIT)))).fetchone()
    return int(row[0]) if row else 0


def _initial_centroids(model: Model, data: TrainingData, k: int) -> np.ndarray:
    method = model.options["kmeans_init_method"]
    if model.options["warm_start"]:
        previous = model.state.get("warm_start", {}).get("centroids")
        if previous is None:
            raise UsageError(
                f"warm_start: model {model.qualified_name} does not exist yet", hint="train it once first"
            )
        centroids = np.array(previous, dtype=float)
        if centroids.shape != (k, len(data.dims)):
            raise UsageError(
                f"warm_start: model {model.qualified_name} has {centroids.shape[0]} centroids over {centroids.shape[1]} "
                f"dimensions, the new data gives {k} over {len(data.dims)}",
                hint="keep num_clusters and the feature columns unchanged",
            )
        return centroids
    if method == "CUSTOM":
        if INIT not in data.roles:
            raise UsageError(
                "kmeans_init_method = 'CUSTOM' needs kmeans_init_col", hint="name a BOOL column of seeds"
            )
        seeds = data.con.execute(
            sql(exp.select(*data.xs).from_(data.relation()).where(col(INIT)).order_by(col(ROW_ID)))
        ).fetchall()
        if len(seeds) != k:
            raise UsageError(
                f"kmeans_init_col {data.roles[INIT]!r} marks {len(seeds)} rows but num_clusters is {k}",
                hint="mark exactly num_clusters rows TRUE",
            )
        return np.array(seeds, dtype=float)
    if method == "KMEANS++":
        return ksql.kmeans_plus_plus(data, k, model.options["distance_type"] == "COSINE")
    rows = data.con.execute(
        sql(
            exp.select(*data.xs)
            .from_(data.relation())
            .order_by(exp.func("hash", col(ROW_ID), num(17.0)))
            .limit(k)
        )
    ).fetchall()
    return np.array(rows, dtype=float)


def _centroid_table(model: Model, centroids: np.ndarray) -> pa.Table:
    rows = [
        {"centroid_id": c + 1, "dim": j, "value": float(centroids[c, j])}
        for c in range(centroids.shape[0])
        for j in range(centroids.shape[1])
    ]
    return pa.Table.from_pylist(
        rows, schema=pa.schema([("centroid_id", pa.int64()), ("dim", pa.int64()), ("value", pa.float64())])
    )


def load_centroids(con: duckdb.DuckDBPyConnection, model: Model) -> np.ndarray:
    rows = read_state(con, model, "centroids", "centroid_id, dim")
    k, d = int(model.state["num_clusters"]), len(model.dims)
    return np.array([r[2] for r in rows], dtype=float).reshape(k, d)


def warm_start(con: duckdb.DuckDBPyConnection, previous: Model) -> dict[str, Any]:
    """What a warm start continues from: the replaced model's dimensions and centroids."""
    state: dict[str, Any] = {"dims": previous.state.get("dims")}
    if "centroids" in previous.state.get("tables", []):
        state["centroids"] = load_centroids(con, previous).tolist()
    return state
