"""The ML functions of PCA models: PREDICT, EVALUATE, PRINCIPAL_COMPONENTS, PRINCIPAL_COMPONENT_INFO and
DETECT_ANOMALIES (``FUNCTIONS``).

PREDICT, EVALUATE with input rows and DETECT_ANOMALIES are DuckDB SQL over the encoded input
(``pca.sql``); the rest read what training stored. As in BigQuery, ``principal_component_id`` counts
from 0 in PRINCIPAL_COMPONENTS and PRINCIPAL_COMPONENT_INFO, while PREDICT names its columns
``principal_component_1..k``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from sqlglot import exp

from lakehouse.errors import UsageError
from warehouse.ml.model import Call, Function
from warehouse.ml.models.pca import sql as psql
from warehouse.ml.models.pca.train import load_components
from warehouse.ml.scoring import dim_columns, encoded_input, without
from warehouse.ml.sqlexpr import col, ident, num


def _projected(call: Call, rows: exp.Query) -> tuple[exp.Select, np.ndarray]:
    """The input rows, their encoded dimensions (``__x0..`` and the list ``__xs``), the components
    ``principal_component_1..k`` and their list ``__pcs``."""
    vectors = load_components(call.con, call.model)
    encoded = exp.select("*", psql.dims_list(len(call.model.dims))).from_(
        encoded_input(call.model, rows).subquery("__encoded")
    )
    projected = exp.select("*", *psql.projections(vectors)).from_(encoded.subquery("__listed"))
    listed = exp.select("*", psql.pcs_list(vectors.shape[1])).from_(projected.subquery("__projected"))
    return listed, vectors


def _helpers(call: Call) -> list[str]:
    """The columns ``_projected`` adds besides the components."""
    return [*dim_columns(call.model), psql.XS, psql.PCS]


def predict(call: Call) -> exp.Query:
    """``principal_component_1..k``, then the input columns that are not features (all of them with
    ``STRUCT(TRUE AS keep_original_columns)``)."""
    keep = call.param("keep_original_columns", False, ("keep_original_columns",))
    if not isinstance(keep, bool):
        raise UsageError(
            f"ML.PREDICT: keep_original_columns = {keep!r} is not TRUE or FALSE",
            hint="ML.PREDICT(MODEL m, TABLE t, STRUCT(TRUE AS keep_original_columns))",
        )
    projected, vectors = _projected(call, call.require_input())
    names = psql.pc_columns(vectors.shape[1])
    hidden = [*_helpers(call), *names, *([] if keep else [f.name for f in call.model.features])]
    return exp.select(*[col(n) for n in names], without(hidden)).from_(projected.subquery("__projected"))


EVALUATE = pa.schema([("total_explained_variance_ratio", pa.float64())])


def evaluate(call: Call) -> exp.Query:
    """Without input: the share of the training data's variance the kept components explain. With
    input rows: the same share of theirs, ``sum(|p|^2) / sum(|x|^2)`` over the encoded rows (on the
    training rows that is exactly the training value)."""
    call.no_params()
    if call.input is None:
        return call.scratch.rows_relation(EVALUATE, [dict(call.model.metrics)])
    projected, vectors = _projected(call, call.input)
    parts = exp.select(
        exp.alias_(psql.projected_norm(), ident("__p")),
        exp.alias_(psql.squared_norm(), ident("__x")),
    ).from_(projected.subquery("__projected"))
    ratio = exp.Div(
        this=exp.func("sum", col("__p")), expression=exp.func("nullif", exp.func("sum", col("__x")), num(0.0))
    )
    return exp.select(exp.alias_(ratio, ident("total_explained_variance_ratio"))).from_(
        parts.subquery("__parts")
    )


PRINCIPAL_COMPONENTS = pa.schema(
    [
        ("principal_component_id", pa.int64()),
        ("feature", pa.string()),
        ("numerical_value", pa.float64()),
        ("categorical_value", pa.list_(pa.struct([("category", pa.string()), ("value", pa.float64())]))),
    ]
)


def principal_components(call: Call) -> exp.Query:
    """One row per component and feature: a numeric feature's loading, or a categorical feature's
    loading per category (in the space the model was trained in: standardized when SCALE_FEATURES)."""
    call.no_params()
    model = call.model
    vectors = load_components(call.con, model)
    rows = []
    for c in range(vectors.shape[1]):
        for f in model.features:
            positions = [j for j, d in enumerate(model.dims) if d.feature == f.name]
            categories = [
                {"category": model.dims[j].category, "value": float(vectors[j, c])} for j in positions
            ]
            rows.append(
                {
                    "principal_component_id": c,
                    "feature": f.name,
                    "numerical_value": float(vectors[positions[0], c]) if f.numeric else None,
                    "categorical_value": [] if f.numeric else categories,
                }
            )
    return call.scratch.rows_relation(PRINCIPAL_COMPONENTS, rows)


PRINCIPAL_COMPONENT_INFO = pa.schema(
    [
        ("principal_component_id", pa.int64()),
        ("eigenvalue", pa.float64()),
        ("explained_variance_ratio", pa.float64()),
        ("cumulative_explained_variance_ratio", pa.float64()),
    ]
)


def principal_component_info(call: Call) -> exp.Query:
    """Per component, largest eigenvalue first: the eigenvalue and its share of the total variance."""
    call.no_params()
    eigenvalues = np.array(call.model.state["eigenvalues"], dtype=float)
    total = float(call.model.state["total_variance"]) or 1.0
    ratios = eigenvalues / total
    rows = [
        {
            "principal_component_id": c,
            "eigenvalue": float(value),
            "explained_variance_ratio": float(ratio),
            "cumulative_explained_variance_ratio": float(cumulative),
        }
        for c, (value, ratio, cumulative) in enumerate(
            zip(eigenvalues, ratios, np.cumsum(ratios), strict=True)
        )
    ]
    return call.scratch.rows_relation(PRINCIPAL_COMPONENT_INFO, rows)


def detect_anomalies(call: Call) -> exp.Query:
    """``is_anomaly``, ``mean_squared_error`` (of the row's reconstruction, per feature) and the input
    columns; a row is an anomaly when its error exceeds the training errors' ``1 - contamination``
    quantile. Without input rows: the training rows."""
    model = call.model
    contamination = call.param("contamination", None, ("contamination",))
    if (
        not isinstance(contamination, int | float)
        or isinstance(contamination, bool)
        or not 0 <= contamination <= 0.5
    ):
        raise UsageError(
            f"ML.DETECT_ANOMALIES: contamination = {contamination!r} is not a number in [0, 0.5]",
            hint="ML.DETECT_ANOMALIES(MODEL m, STRUCT(0.1 AS contamination), TABLE t)",
        )
    quantiles = model.state["mse_quantiles"]
    grid = np.linspace(0.0, 1.0, len(quantiles))
    cutoff = float(np.interp(1.0 - float(contamination), grid, quantiles))
    projected, vectors = _projected(call, call.input_or_training_rows())
    names = psql.pc_columns(vectors.shape[1])
    scored = exp.select("*", exp.alias_(psql.mean_squared_error(len(model.features)), ident(psql.MSE))).from_(
        projected.subquery("__projected")
    )
    return exp.select(
        exp.alias_(exp.GT(this=col(psql.MSE), expression=num(cutoff)), ident("is_anomaly")),
        exp.alias_(col(psql.MSE), ident("mean_squared_error")),
        without([*_helpers(call), *names, psql.MSE]),
    ).from_(scored.subquery("__scored"))


FUNCTIONS: dict[str, Function] = {
    "PREDICT": predict,
    "EVALUATE": evaluate,
    "PRINCIPAL_COMPONENTS": principal_components,
    "PRINCIPAL_COMPONENT_INFO": principal_component_info,
    "DETECT_ANOMALIES": detect_anomalies,
}
