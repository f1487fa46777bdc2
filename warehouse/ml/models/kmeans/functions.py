"""The ML functions of KMEANS models: PREDICT, EVALUATE, CENTROIDS, DETECT_ANOMALIES (``FUNCTIONS``)."""

from __future__ import annotations

import pyarrow as pa
from sqlglot import exp

from lakehouse.errors import UsageError
from warehouse.ml.model import Call, Function
from warehouse.ml.models.kmeans import sql as ksql
from warehouse.ml.models.kmeans.train import load_centroids
from warehouse.ml.registry import Model
from warehouse.ml.scoring import dim_columns, encoded_input, without
from warehouse.ml.sqlexpr import col, ident, num, parse, struct

NEAREST = "__nearest_all"
_TOP5 = "list_transform(list_slice(list_sort(__nearest_all), 1, 5), lambda s: {'CENTROID_ID': s.c, 'DISTANCE': s.d})"


def _cosine(model: Model) -> bool:
    return bool(model.options["distance_type"] == "COSINE")


def _assigned_input(call: Call, rows: exp.Query) -> tuple[exp.Select, int]:
    model = call.model
    centroids = load_centroids(call.con, model)
    source = encoded_input(model, rows).subquery("__encoded")
    return ksql.assigned(source, len(model.dims), centroids, _cosine(model)), len(centroids)


def _helper_columns(model: Model, k: int) -> list[str]:
    return [*dim_columns(model), *ksql.assignment_columns(k)]


def predict(call: Call) -> exp.Query:
    call.no_params()
    assigned, k = _assigned_input(call, call.require_input())
    cosine = _cosine(call.model)
    pairs = [
        struct(
            [
                ("d", ksql.distance_of(exp.column(ident(f"__d{c + 1}")), cosine)),
                ("c", exp.Literal.number(c + 1)),
            ]
        )
        for c in range(k)
    ]
    with_list = exp.select("*", exp.alias_(exp.Array(expressions=pairs), ident(NEAREST))).from_(
        assigned.subquery("__assigned")
    )
    return exp.select(
        exp.alias_(col(ksql.CID), ident("CENTROID_ID")),
        exp.alias_(parse(_TOP5), ident("NEAREST_CENTROIDS_DISTANCE")),
        without([*_helper_columns(call.model, k), NEAREST]),
    ).from_(with_list.subquery("__nearest"))


EVALUATE = pa.schema([("davies_bouldin_index", pa.float64()), ("mean_squared_distance", pa.float64())])


def evaluate(call: Call) -> exp.Query:
    call.no_params()
    model = call.model
    if call.input is None:
        metrics = model.metrics
    else:
        centroids = load_centroids(call.con, model)
        source = encoded_input(model, call.input).subquery("__encoded")
        stats = ksql.cluster_stats(call.con, source, len(model.dims), centroids, _cosine(model))
        metrics = ksql.metrics(stats, centroids, sum(stats.sizes.values()))
    return call.scratch.rows_relation(EVALUATE, [{name: metrics.get(name) for name in EVALUATE.names}])


CENTROIDS = pa.schema(
    [
        ("centroid_id", pa.int64()),
        ("feature", pa.string()),
        ("numerical_value", pa.float64()),
        ("categorical_value", pa.list_(pa.struct([("category", pa.string()), ("value", pa.float64())]))),
    ]
)


def centroids(call: Call) -> exp.Query:
    model = call.model
    standardized = bool(call.param("standardize", False, ("standardize",))) and model.state["standardize"]
    matrix = load_centroids(call.con, model)
    features = {f.name: f for f in model.features}
    rows = []
    for c, values in enumerate(matrix, start=1):
        for f in model.features:
            positions = [j for j, d in enumerate(model.dims) if d.feature == f.name]
            if f.numeric:
                value = float(values[positions[0]])
                if model.state["standardize"] and not standardized:
                    value = value * features[f.name].scale + (f.mean or 0.0)
                rows.append(
                    {"centroid_id": c, "feature": f.name, "numerical_value": value, "categorical_value": []}
                )
            else:
                categories = [
                    {"category": model.dims[j].category, "value": float(values[j])} for j in positions
                ]
                rows.append(
                    {
                        "centroid_id": c,
                        "feature": f.name,
                        "numerical_value": None,
                        "categorical_value": categories,
                    }
                )
    return call.scratch.rows_relation(CENTROIDS, rows)


def detect_anomalies(call: Call) -> exp.Query:
    model = call.model
    contamination = call.param("contamination", None, ("contamination",))
    if not isinstance(contamination, int | float) or not 0 <= contamination <= 0.5:
        raise UsageError(
            f"ML.DETECT_ANOMALIES: contamination = {contamination!r} is not a number in [0, 0.5]",
            hint="ML.DETECT_ANOMALIES(MODEL m, STRUCT(0.1 AS contamination), TABLE t)",
        )
    quantiles = model.state["normalized_distance_quantiles"]
    cutoff = quantiles[round((1 - contamination) * (len(quantiles) - 1))]
    assigned, k = _assigned_input(call, call.input_or_training_rows())  # no input: the training rows
    radius = exp.Case()
    for cid, r in model.state["cluster_radius"].items():
        radius = radius.when(
            exp.EQ(this=col(ksql.CID), expression=exp.Literal.number(int(cid))), num(r or None)
        )
    normalized = exp.Div(this=ksql.distance_of(col(ksql.DMIN), _cosine(model)), expression=radius)
    scored = exp.select("*", exp.alias_(normalized, ident("__normalized"))).from_(
        assigned.subquery("__assigned")
    )
    return exp.select(
        exp.alias_(exp.GT(this=col("__normalized"), expression=num(cutoff)), ident("is_anomaly")),
        exp.alias_(col("__normalized"), ident("normalized_distance")),
        exp.alias_(col(ksql.CID), ident("centroid_id")),
        without([*_helper_columns(model, k), "__normalized"]),
    ).from_(scored.subquery("__scored"))


FUNCTIONS: dict[str, Function] = {
    "PREDICT": predict,
    "EVALUATE": evaluate,
    "CENTROIDS": centroids,
    "DETECT_ANOMALIES": detect_anomalies,
}
