"""Explanations of the GLM family (LINEAR_REG, LOGISTIC_REG): attributions from the weights.

As BigQuery documents for linear models (``bigqueryml-syntax-xai-overview``), a feature's attribution is
its weight times its standardized value (``scoring.encoded_input``: the training mean imputed, numeric
features standardized, categoricals one-hot), summed over a categorical feature's one-hot dimensions; the
baseline is the intercept, so ``baseline + sum(attributions)`` is the score ``prediction_value``. For a
classifier the attributions, baseline and score are toward the predicted class: a binary model's score
is the logit of the higher label (negated when the lower one is predicted), a multiclass model's the
class's own. ML.EXPLAIN_PREDICT is one SQL query over the input; the global explanation
(``enable_global_explain``) is computed at training over the evaluation rows, streamed from DuckDB as
Arrow batches.
"""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from warehouse.ml.classes import PRED, with_prediction
from warehouse.ml.explain import output
from warehouse.ml.model import Call, TrainingData
from warehouse.ml.models.glm.functions import helper_columns, scored_input
from warehouse.ml.models.glm.train import load_beta
from warehouse.ml.preprocessing.automatic import dim_name
from warehouse.ml.registry import Model
from warehouse.ml.scoring import dim_columns, encoded_input
from warehouse.ml.sqlexpr import add, col, ident, num, sql
from warehouse.ml.supervised import evaluation_rows

BATCH_ROWS = 1 << 16  # the evaluation rows are read batch by batch: memory stays flat whatever their number


def explain_predict(call: Call) -> exp.Query:
    model = call.model
    classes = list(model.state.get("classes") or [])
    output.check_params(call, ("top_k_features", "threshold"))
    k = output.top_k(call)
    threshold = output.threshold(call, len(classes))
    beta = load_beta(call.con, model)  # standardized space: what the attributions are made of
    scored = scored_input(call, call.require_input())
    if classes:
        scored = with_prediction(scored, len(classes), threshold)
    encoded = encoded_input(model, scored)
    names = [f.name for f in model.features]
    attributions = []
    for i, name in enumerate(names):
        dims = [j for j, d in enumerate(model.dims) if d.feature == name]
        per_output = [
            add([exp.Mul(this=col(dim_name(j)), expression=num(beta[o, j + 1])) for j in dims])
            for o in range(beta.shape[0])
        ]
        attributions.append(
            exp.alias_(output.toward_predicted(per_output, len(classes)), ident(output.attribution(i)))
        )
    baseline = output.toward_predicted([num(beta[o, 0]) for o in range(beta.shape[0])], len(classes))
    value = output.toward_predicted([col(f"__z{o}") for o in range(beta.shape[0])], len(classes))
    rows = exp.select(
        "*",
        *attributions,
        exp.alias_(baseline, ident(output.BASELINE)),
        exp.alias_(value, ident(output.VALUE)),
    ).from_(encoded.subquery("__encoded"))
    helpers = [*helper_columns(model), *dim_columns(model), *([PRED] if classes else [])]
    return output.explained(rows, names, k, output.leading(model, col("__z0")), helpers)


def record_global(model: Model, data: TrainingData, beta: np.ndarray) -> None:
    """Store ML.GLOBAL_EXPLAIN's table: mean |attribution| over the evaluation rows (``beta`` in the
    standardized space of the training table's ``__x*``)."""
    if not model.options.get("enable_global_explain"):
        return
    query = exp.select(*data.xs).from_(data.relation()).where(evaluation_rows(data))
    classes = list(model.state.get("classes") or [])
    sums = output.GlobalSums(beta.shape[0], len(model.features))
    to_features = output.feature_matrix(model)
    for batch in data.con.execute(sql(query)).fetch_record_batch(BATCH_ROWS):
        x = np.column_stack([c.to_numpy(zero_copy_only=False).astype(np.float64) for c in batch.columns])
        per_dim = x[:, None, :] * beta[None, :, 1:]  # (rows, outputs, dims)
        margins = beta[None, :, 0] + per_dim.sum(axis=2)
        predicted = (margins[:, 0] > 0).astype(int) if len(classes) == 2 else margins.argmax(axis=1)
        sums.add(per_dim @ to_features, predicted, len(classes))
    output.record_global(model, data.con, sums, classes)
