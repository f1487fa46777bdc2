"""ML.EXPLAIN_PREDICT and ML.GLOBAL_EXPLAIN of LINEAR_REG and LOGISTIC_REG, computed again with numpy.

BigQuery (``bigqueryml-syntax-xai-overview``): a linear model's attribution is the weight times the
standardized feature value, the baseline is the intercept. Here the weights come from ML.WEIGHTS
(standardized), the standardization from numpy over the raw training rows.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

import warehouse
from lakehouse.errors import UsageError
from tests.warehouse.ml.models.pca.conftest import PENGUINS, RAW

PENGUIN_FEATURES = ["species", "island", "culmen_length_mm", "culmen_depth_mm", "flipper_length_mm", "sex"]


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    result = warehouse.execute(con, sql)
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def _attributions(rows: list[dict[str, Any]], features: list[str]) -> np.ndarray:
    return np.array(
        [
            [{a["feature"]: a["attribution"] for a in r["top_feature_attributions"]}[f] for f in features]
            for r in rows
        ]
    )


def _standardized(values: pd.Series) -> np.ndarray:
    """BigQuery's preprocessing of a numeric feature: NULL -> the mean, then (x - mean) / stddev."""
    x = values.to_numpy(dtype=float)
    mean, std = np.nanmean(x), np.nanstd(x, ddof=1)
    return np.nan_to_num((x - mean) / std, nan=0.0)


def test_linear_attributions_are_weight_times_standardized_value_on_the_penguins(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """The public penguins table (palmerpenguins), the model python-bigquery-dataframes' tests train."""
    con.execute(PENGUINS, [str(RAW)])
    query = f"SELECT {', '.join(PENGUIN_FEATURES)}, body_mass_g FROM penguins WHERE body_mass_g IS NOT NULL"
    warehouse.execute(
        con,
        "CREATE MODEL ml.penguins OPTIONS(model_type='linear_reg', input_label_cols=['body_mass_g'], "
        f"enable_global_explain=TRUE) AS {query}",
    )
    frame = con.execute(query).df()
    rows = _rows(
        con, f"SELECT * FROM ML.EXPLAIN_PREDICT(MODEL ml.penguins, ({query}), STRUCT(6 AS top_k_features))"
    )
    assert list(rows[0])[:5] == [
        "predicted_body_mass_g",
        "top_feature_attributions",
        "baseline_prediction_value",
        "prediction_value",
        "approximation_error",
    ]
    assert len(rows[0]) == 12  # as python-bigquery-dataframes' predict_explain: 7 input columns + 5
    weights = _rows(con, "SELECT * FROM ML.WEIGHTS(MODEL ml.penguins, STRUCT(TRUE AS standardize))")
    by_input = {w["processed_input"]: w for w in weights}
    expected = np.zeros((len(frame), len(PENGUIN_FEATURES)))
    for i, feature in enumerate(PENGUIN_FEATURES):
        if by_input[feature]["weight"] is not None:
            expected[:, i] = by_input[feature]["weight"] * _standardized(frame[feature])
        else:
            category = {c["category"]: c["weight"] for c in by_input[feature]["category_weights"]}
            expected[:, i] = [category["_null_filler" if pd.isna(v) else v] for v in frame[feature]]
    np.testing.assert_allclose(_attributions(rows, PENGUIN_FEATURES), expected, rtol=1e-9, atol=1e-9)
    intercept = by_input["__INTERCEPT__"]["weight"]
    assert all(r["baseline_prediction_value"] == pytest.approx(intercept, rel=1e-12) for r in rows)
    predicted = _rows(con, f"SELECT predicted_body_mass_g FROM ML.PREDICT(MODEL ml.penguins, ({query}))")
    value = np.array([r["prediction_value"] for r in rows])
    np.testing.assert_allclose(value, [p["predicted_body_mass_g"] for p in predicted], rtol=1e-12)
    np.testing.assert_allclose(value, intercept + expected.sum(axis=1), rtol=1e-9)
    assert [r["predicted_body_mass_g"] for r in rows] == list(value)
    global_rows = warehouse.execute(con, "SELECT * FROM ML.GLOBAL_EXPLAIN(MODEL ml.penguins)")
    assert global_rows.columns == ["feature", "attribution"]
    got = dict(global_rows.rows)
    means = np.abs(expected).mean(axis=0)
    np.testing.assert_allclose([got[f] for f in PENGUIN_FEATURES], means, rtol=1e-9)
    assert [f for f, _ in global_rows.rows] == [PENGUIN_FEATURES[i] for i in np.argsort(-means)]


IRIS = "SELECT * EXCEPT(row_id) FROM sk.iris ORDER BY row_id"


def test_multiclass_attributions_explain_the_predicted_class(
    con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]
) -> None:
    warehouse.execute(
        con,
        "CREATE MODEL ml.iris OPTIONS(model_type='logistic_reg', input_label_cols=['target'], "
        f"data_split_method='NO_SPLIT', enable_global_explain=TRUE) AS {IRIS}",
    )
    frame = frames["iris"]
    features = [c for c in frame.columns if c not in ("row_id", "target")]
    rows = _rows(
        con, f"SELECT * FROM ML.EXPLAIN_PREDICT(MODEL ml.iris, ({IRIS}), STRUCT(4 AS top_k_features))"
    )
    predicted = _rows(con, f"SELECT * FROM ML.PREDICT(MODEL ml.iris, ({IRIS}))")
    assert [r["predicted_target"] for r in rows] == [p["predicted_target"] for p in predicted]
    probs = [
        {x["label"]: x["prob"] for x in p["predicted_target_probs"]}[p["predicted_target"]] for p in predicted
    ]
    np.testing.assert_allclose([r["probability"] for r in rows], probs, rtol=1e-12)
    weights = _rows(con, "SELECT * FROM ML.WEIGHTS(MODEL ml.iris, STRUCT(TRUE AS standardize))")
    beta = {(w["class_label"], w["processed_input"]): w["weight"] for w in weights}
    x = np.column_stack([_standardized(frame[f]) for f in features])
    per_class = np.stack([x * np.array([beta[(str(k), f)] for f in features]) for k in range(3)], axis=1)
    index = np.array([r["predicted_target"] for r in rows])
    np.testing.assert_allclose(
        _attributions(rows, features), per_class[np.arange(len(rows)), index], rtol=1e-9, atol=1e-9
    )
    intercepts = np.array([beta[(str(k), "__INTERCEPT__")] for k in range(3)])
    baseline = np.array([r["baseline_prediction_value"] for r in rows])
    np.testing.assert_allclose(baseline, intercepts[index], rtol=1e-12)
    logits = intercepts + per_class.sum(axis=2)
    np.testing.assert_allclose(
        [r["prediction_value"] for r in rows], logits[np.arange(len(rows)), index], rtol=1e-9
    )
    softmax = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(
        probs, (softmax / softmax.sum(axis=1, keepdims=True))[np.arange(len(rows)), index], rtol=1e-9
    )
    got = dict(warehouse.execute(con, "SELECT * FROM ML.GLOBAL_EXPLAIN(MODEL ml.iris)").rows)
    toward = per_class[np.arange(len(rows)), logits.argmax(axis=1)]
    np.testing.assert_allclose([got[f] for f in features], np.abs(toward).mean(axis=0), rtol=1e-9)
    by_class = warehouse.execute(
        con, "SELECT * FROM ML.GLOBAL_EXPLAIN(MODEL ml.iris, STRUCT(TRUE AS class_level_explain))"
    )
    for k in range(3):
        mine = {f: a for c, f, a in by_class.rows if c == str(k)}
        np.testing.assert_allclose(
            [mine[f] for f in features], np.abs(per_class[:, k]).mean(axis=0), rtol=1e-9
        )


def test_binary_attributions_are_toward_the_predicted_label_at_the_threshold(
    con: duckdb.DuckDBPyConnection,
) -> None:
    query = "SELECT * EXCEPT(row_id) FROM sk.breast_cancer"
    warehouse.execute(
        con,
        f"CREATE MODEL ml.cancer OPTIONS(model_type='logistic_reg', input_label_cols=['target'], l2_reg=1) AS {query}",
    )
    rows = _rows(
        con,
        f"SELECT * FROM ML.EXPLAIN_PREDICT(MODEL ml.cancer, ({query}), STRUCT(30 AS top_k_features, 0.9 AS threshold))",
    )
    positive = _rows(
        con, f"SELECT predicted_target_probs[OFFSET(0)].prob AS p FROM ML.PREDICT(MODEL ml.cancer, ({query}))"
    )
    p = np.array([r["p"] for r in positive])
    assert [r["predicted_target"] for r in rows] == [int(v > 0.9) for v in p]
    chosen = np.where(p > 0.9, p, 1 - p)
    np.testing.assert_allclose([r["probability"] for r in rows], chosen, rtol=1e-12)
    value = np.array([r["prediction_value"] for r in rows])
    sums = np.array(
        [
            r["baseline_prediction_value"] + sum(a["attribution"] for a in r["top_feature_attributions"])
            for r in rows
        ]
    )
    np.testing.assert_allclose(sums, value, rtol=1e-9, atol=1e-9)
    moderate = chosen < 0.999  # log-odds from a probability near 1 lose their digits
    odds = chosen[moderate] / (1 - chosen[moderate])
    np.testing.assert_allclose(value[moderate], np.log(odds), rtol=1e-6)
    assert moderate.sum() > 10 and (value[(p <= 0.9) & (p > 0.5)] < 0).all()  # the lower label's logit


def test_global_explain_of_a_model_without_it_is_an_error(con: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute(
        con,
        "CREATE MODEL ml.lin OPTIONS(model_type='linear_reg', input_label_cols=['target']) "
        "AS SELECT * EXCEPT(row_id) FROM sk.diabetes",
    )
    with pytest.raises(UsageError, match=r"model ml\.lin was not trained with enable_global_explain = TRUE"):
        warehouse.execute(con, "SELECT * FROM ML.GLOBAL_EXPLAIN(MODEL ml.lin)")


def test_the_documented_linear_statement_runs_with_only_table_names_changed(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """The linear regression example of
    https://cloud.google.com/bigquery/docs/reference/standard-sql/bigqueryml-syntax-explain-predict verbatim,
    with ``mydataset.mymodel`` trained on ``mydataset.mytable`` as the page assumes, and the regression
    example of https://cloud.google.com/bigquery/docs/reference/standard-sql/bigqueryml-syntax-global-explain."""
    con.execute("CREATE SCHEMA mydataset")
    con.execute(
        "CREATE TABLE mydataset.mytable AS SELECT target AS label, age AS column1, sex AS column2, "
        "bmi AS column3, bp AS column4, s1 AS column5 FROM sk.diabetes"
    )
    warehouse.execute(
        con,
        "CREATE MODEL mydataset.mymodel OPTIONS(model_type='linear_reg', input_label_cols=['label'], "
        "enable_global_explain=TRUE) AS SELECT * FROM mydataset.mytable",
    )
    explained = warehouse.execute(
        con,
        """
SELECT
  *
FROM
  ML.EXPLAIN_PREDICT(MODEL `mydataset.mymodel`,
    (
    SELECT
      label,
      column1,
      column2,
      column3,
      column4,
      column5
    FROM
      `mydataset.mytable`), STRUCT(3 AS top_k_features))
""",
    )
    assert explained.columns[:5] == [
        "predicted_label",
        "top_feature_attributions",
        "baseline_prediction_value",
        "prediction_value",
        "approximation_error",
    ]
    assert len(explained.rows) == 442 and all(len(r[1]) == 3 for r in explained.rows)
    model = warehouse.execute(con, "SELECT * FROM ML.GLOBAL_EXPLAIN(MODEL `mydataset.mymodel`)")
    assert sorted(f for f, _ in model.rows) == ["column1", "column2", "column3", "column4", "column5"]
