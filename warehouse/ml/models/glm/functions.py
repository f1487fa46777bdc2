"""What the ML functions of the GLM family share: scoring SQL over input rows, ML.WEIGHTS."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
from sqlglot import exp

from warehouse.ml.model import Call
from warehouse.ml.models.glm.sql import Family, linear_scores, probabilities_of
from warehouse.ml.models.glm.train import load_beta
from warehouse.ml.preprocessing import automatic as preprocess
from warehouse.ml.registry import Model
from warehouse.ml.sqlexpr import ident

INTERCEPT = "__INTERCEPT__"


def family(model: Model) -> Family:
    return Family(model.state["family"])


def helper_columns(model: Model) -> list[str]:
    outputs = int(model.state.get("outputs", 1))
    names = [f"__z{k}" for k in range(outputs)]
    if family(model) is Family.SOFTMAX:
        names += ["__zmax", "__zsum"]
    if family(model) is not Family.SQUARED:
        names += [f"__p{k}" for k in range(outputs)]
    return names


def scored_input(call: Call, input_query: exp.Query) -> exp.Select:
    """Input rows + ``__z*`` and for classifiers ``__p*``: one linear expression per output over the raw
    inputs (mean-imputed, one-hot), the standardization folded into the weights."""
    model = call.model
    beta = original_scale(model, load_beta(call.con, model))
    inputs = preprocess.encode(model.features, model.dims, standardize=False)
    scored = linear_scores(input_query.subquery("__input"), beta, inputs)
    if family(model) is Family.SQUARED:
        return scored
    return probabilities_of(scored, beta.shape[0], family(model))


def label_column(model: Model) -> str:
    return str(model.state["label"])


def original_scale(model: Model, beta: np.ndarray) -> np.ndarray:
    """Weights for unstandardized numeric inputs: w / scale, intercept - sum(w * mean / scale)."""
    out = beta.copy()
    features = {f.name: f for f in model.features}
    for j, d in enumerate(model.dims):
        if d.numeric:
            f = features[d.feature]
            out[:, j + 1] = beta[:, j + 1] / f.scale
            out[:, 0] -= beta[:, j + 1] * (f.mean or 0.0) / f.scale
    return out


WEIGHTS_FIELDS = [
    ("processed_input", pa.string()),
    ("weight", pa.float64()),
    ("category_weights", pa.list_(pa.struct([("category", pa.string()), ("weight", pa.float64())]))),
]


def weights(call: Call) -> exp.Query:
    model = call.model
    standardized = bool(call.param("standardize", False, ("standardize",)))
    beta = load_beta(call.con, model)
    if not standardized:
        beta = original_scale(model, beta)
    multiclass = family(model) is Family.SOFTMAX
    rows: list[dict[str, Any]] = []
    for k in range(beta.shape[0]):
        extra = {"class_label": str(model.state["classes"][k])} if multiclass else {}
        for f in model.features:
            positions = [j for j, d in enumerate(model.dims) if d.feature == f.name]
            if f.numeric:
                rows.append(
                    {
                        "processed_input": f.name,
                        "weight": float(beta[k, positions[0] + 1]),
                        "category_weights": [],
                        **extra,
                    }
                )
            else:
                categories = [
                    {"category": model.dims[j].category, "weight": float(beta[k, j + 1])} for j in positions
                ]
                rows.append(
                    {"processed_input": f.name, "weight": None, "category_weights": categories, **extra}
                )
        rows.append(
            {"processed_input": INTERCEPT, "weight": float(beta[k, 0]), "category_weights": [], **extra}
        )
    schema = pa.schema(WEIGHTS_FIELDS + ([("class_label", pa.string())] if multiclass else []))
    return call.scratch.rows_relation(schema, rows)


def prediction_name(model: Model) -> str:
    return f"predicted_{label_column(model)}"


def with_truth(call: Call, scored: exp.Select, truth: exp.Expr) -> exp.Select:
    """Scored rows + ``__y`` computed from the input's label column (EVALUATE, ROC_CURVE ...)."""
    return exp.select("*", exp.alias_(truth, ident("__y"))).from_(scored.subquery("__scored_in"))
