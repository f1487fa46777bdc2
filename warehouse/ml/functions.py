"""ML functions every model type has (ML.FEATURE_INFO, ML.TRAINING_INFO) and helpers the others share."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
from sqlglot import exp

from warehouse.ml.model import Call, Function
from warehouse.ml.preprocessing import automatic as preprocess
from warehouse.ml.preprocessing.automatic import dim_name
from warehouse.ml.registry import Model
from warehouse.ml.sqlexpr import ident, sql

FEATURE_INFO = pa.schema(
    [
        ("input", pa.string()),
        ("min", pa.float64()),
        ("max", pa.float64()),
        ("mean", pa.float64()),
        ("median", pa.float64()),
        ("stddev", pa.float64()),
        ("category_count", pa.int64()),
        ("null_count", pa.int64()),
        ("dimension", pa.int64()),
    ]
)


def feature_info(call: Call) -> exp.Query:
    call.no_params()
    rows = [
        {
            "input": f.name,
            "min": f.min,
            "max": f.max,
            "mean": f.mean,
            "median": f.median,
            "stddev": f.stddev,
            "category_count": None if f.numeric else len(f.categories),
            "null_count": f.null_count,
            "dimension": 1 if f.numeric else len(f.categories),
        }
        for f in call.model.features
    ]
    return call.scratch.rows_relation(FEATURE_INFO, rows)


#: the columns of ML.TRAINING_INFO every model type has (one row per iteration; model types add theirs)
TRAINING_INFO = pa.schema(
    [
        ("training_run", pa.int64()),
        ("iteration", pa.int64()),
        ("loss", pa.float64()),
        ("eval_loss", pa.float64()),
        ("learning_rate", pa.float64()),
        ("duration_ms", pa.int64()),
    ]
)


def training_info(call: Call) -> exp.Query:
    call.no_params()
    table = call.model.state_table("training_info")
    return exp.select("*").from_(table).order_by("training_run", "iteration")


def encoded_input(model: Model, input_query: exp.Query) -> exp.Select:
    """The input rows plus the model's encoded dimensions ``__x0..``."""
    encoded = preprocess.encoded_select(model.features, model.dims, standardize=model.state["standardize"])
    return exp.select("*", *encoded).from_(input_query.subquery("__input"))


def dim_columns(model: Model) -> list[str]:
    return [dim_name(i) for i in range(len(model.dims))]


def without(names: list[str]) -> exp.Star:
    """``*`` minus the engine's helper columns (DuckDB ``* EXCLUDE (...)``)."""
    return exp.Star(except_=[exp.column(ident(n)) for n in names])


def warm_start_state(con: duckdb.DuckDBPyConnection, previous: Model) -> dict[str, Any]:
    """What a warm start continues from: the previous model's parameters."""
    state: dict[str, Any] = {"dims": previous.state.get("dims")}
    if "centroids" in previous.state.get("tables", []):
        from warehouse.ml.models.kmeans.train import load_centroids

        state["centroids"] = load_centroids(con, previous).tolist()
    if "weights" in previous.state.get("tables", []):
        rows = con.execute(f"SELECT * FROM {sql(previous.state_table('weights'))}").fetchall()
        state["weights"] = [list(r) for r in rows]
    return state


COMMON: dict[str, Function] = {"FEATURE_INFO": feature_info, "TRAINING_INFO": training_info}
