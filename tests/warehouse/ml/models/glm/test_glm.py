"""LINEAR_REG and LOGISTIC_REG against scikit-learn on its bundled datasets."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import roc_auc_score

import warehouse
from lakehouse.errors import UsageError


def _features(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in ("row_id", "target")]


def _standardized(frame: pd.DataFrame) -> np.ndarray:
    x = frame[_features(frame)].to_numpy()
    return (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)


def _weights(
    con: duckdb.DuckDBPyConnection, model: str, standardize: bool = False
) -> tuple[np.ndarray, float]:
    flag = ", STRUCT(TRUE AS standardize)" if standardize else ""
    rows = warehouse.execute(con, f"SELECT processed_input, weight FROM ML.WEIGHTS(MODEL {model}{flag})").rows
    return np.array([w for name, w in rows if name != "__INTERCEPT__"]), next(
        w for name, w in rows if name == "__INTERCEPT__"
    )


LINEAR = "CREATE OR REPLACE MODEL ml.lin OPTIONS(model_type='linear_reg', input_label_cols=['target'], data_split_method='NO_SPLIT'{}) AS SELECT * EXCEPT(row_id) FROM sk.diabetes"


def test_linear_regression_equals_sklearn(
    con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]
) -> None:
    frame = frames["diabetes"]
    warehouse.execute(con, LINEAR.format(""))
    reference = LinearRegression().fit(frame[_features(frame)], frame["target"])
    coef, intercept = _weights(con, "ml.lin")
    np.testing.assert_allclose(coef, reference.coef_, rtol=1e-6)
    assert intercept == pytest.approx(reference.intercept_, rel=1e-6)
    standardized = LinearRegression().fit(_standardized(frame), frame["target"])
    coef, intercept = _weights(con, "ml.lin", standardize=True)
    np.testing.assert_allclose(coef, standardized.coef_, rtol=1e-6)
    assert intercept == pytest.approx(standardized.intercept_, rel=1e-6)


def test_l2_regularization_equals_ridge_on_standardized_inputs(
    con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]
) -> None:
    frame = frames["diabetes"]
    warehouse.execute(con, LINEAR.format(", l2_reg=10"))
    reference = Ridge(alpha=10).fit(_standardized(frame), frame["target"])
    coef, _ = _weights(con, "ml.lin", standardize=True)
    np.testing.assert_allclose(coef, reference.coef_, rtol=1e-6)


def test_gradient_descent_approaches_the_normal_equation(con: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute(con, LINEAR.format(""))
    exact = warehouse.execute(con, "SELECT mean_squared_error FROM ML.EVALUATE(MODEL ml.lin)").rows[0][0]
    warehouse.execute(
        con,
        LINEAR.format(", optimize_strategy='BATCH_GRADIENT_DESCENT', max_iterations=100, early_stop=FALSE"),
    )
    approx = warehouse.execute(con, "SELECT mean_squared_error FROM ML.EVALUATE(MODEL ml.lin)").rows[0][0]
    assert exact <= approx < exact * 1.05
    info = warehouse.execute(
        con, "SELECT count(*), count(learning_rate) FROM ML.TRAINING_INFO(MODEL ml.lin)"
    ).rows[0]
    assert info == (100, 100)


def test_l1_regularization_zeroes_weights(con: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute(con, LINEAR.format(", l1_reg=20000, max_iterations=60"))
    coef, _ = _weights(con, "ml.lin", standardize=True)
    assert (coef == 0).sum() >= 1


def test_logistic_auc_matches_sklearn(
    con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]
) -> None:
    frame = frames["breast_cancer"]
    warehouse.execute(
        con,
        "CREATE MODEL ml.bc OPTIONS(model_type='logistic_reg', input_label_cols=['target'], l2_reg=0.5, "
        "data_split_method='NO_SPLIT') AS SELECT * EXCEPT(row_id) FROM sk.breast_cancer",
    )
    x = _standardized(frame)
    reference = LogisticRegression(C=1 / (2 * 0.5), max_iter=10_000).fit(x, frame["target"])
    expected = roc_auc_score(frame["target"], reference.predict_proba(x)[:, 1])
    ours = warehouse.execute(con, "SELECT roc_auc FROM ML.EVALUATE(MODEL ml.bc)").rows[0][0]
    assert abs(ours - expected) < 0.002
    exact = LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-10, max_iter=1000).fit(
        x, frame["target"]
    )
    coef, _ = _weights(con, "ml.bc", standardize=True)
    np.testing.assert_allclose(coef, exact.coef_[0], rtol=1e-5, atol=1e-7)


def test_logistic_positive_class_is_the_higher_label_and_threshold_applies(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute(
        "CREATE TABLE animals AS SELECT x, CASE WHEN x + (i % 7) * 0.3 > 2 THEN 'zebra' ELSE 'ant' END AS kind FROM (SELECT i, (i % 40) / 10.0 AS x FROM range(200) r(i))"
    )
    warehouse.execute(
        con,
        "CREATE MODEL ml.zoo OPTIONS(model_type='logistic_reg', input_label_cols=['kind']) AS SELECT * FROM animals",
    )
    row = warehouse.execute(
        con, "SELECT predicted_kind, predicted_kind_probs FROM ML.PREDICT(MODEL ml.zoo, (SELECT 3.9 AS x))"
    ).rows[0]
    assert row[0] == "zebra"
    assert row[1][0]["label"] == "zebra" and row[1][0]["prob"] > 0.5
    strict = warehouse.execute(
        con,
        "SELECT predicted_kind FROM ML.PREDICT(MODEL ml.zoo, (SELECT 3.9 AS x), STRUCT(0.99999 AS threshold))",
    ).rows
    assert strict == [("ant",)]
    matrix = warehouse.execute(con, "SELECT * FROM ML.CONFUSION_MATRIX(MODEL ml.zoo, TABLE animals)")
    assert matrix.columns == ["expected_label", "ant", "zebra"]


def test_multiclass_softmax_equals_sklearn_multinomial(
    con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]
) -> None:
    frame = frames["iris"]
    warehouse.execute(
        con,
        "CREATE MODEL ml.iris OPTIONS(model_type='logistic_reg', input_label_cols=['target'], l2_reg=0.5, "
        "data_split_method='NO_SPLIT') AS SELECT * EXCEPT(row_id) FROM sk.iris",
    )
    x = _standardized(frame)
    reference = LogisticRegression(C=1.0, tol=1e-10, max_iter=10_000).fit(x, frame["target"])
    rows = warehouse.execute(
        con,
        "SELECT class_label, weight FROM ML.WEIGHTS(MODEL ml.iris, STRUCT(TRUE AS standardize)) WHERE processed_input != '__INTERCEPT__'",
    ).rows
    ours = np.array([[w for label, w in rows if label == str(k)] for k in range(3)])
    np.testing.assert_allclose(ours, reference.coef_, atol=1e-5)
    expected = roc_auc_score(frame["target"], reference.predict_proba(x), multi_class="ovr")
    assert (
        abs(warehouse.execute(con, "SELECT roc_auc FROM ML.EVALUATE(MODEL ml.iris)").rows[0][0] - expected)
        < 1e-6
    )


def test_multiclass_softmax_learns_wine(con: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute(
        con,
        "CREATE MODEL ml.wine OPTIONS(model_type='logistic_reg', input_label_cols=['target'], max_iterations=60, "
        "data_split_method='NO_SPLIT') AS SELECT * EXCEPT(row_id) FROM sk.wine",
    )
    metrics = warehouse.execute(
        con, "SELECT accuracy, roc_auc FROM ML.EVALUATE(MODEL ml.wine, TABLE sk.wine)"
    ).rows[0]
    assert metrics[0] > 0.95 and metrics[1] > 0.99
    labels = warehouse.execute(
        con, "SELECT DISTINCT class_label FROM ML.WEIGHTS(MODEL ml.wine) ORDER BY 1"
    ).rows
    assert labels == [("0",), ("1",), ("2",)]
    columns = warehouse.execute(
        con, "SELECT * FROM ML.CONFUSION_MATRIX(MODEL ml.wine, TABLE sk.wine)"
    ).columns
    assert columns == ["expected_label", "_0", "_1", "_2"]


def test_class_weights_and_data_split(con: duckdb.DuckDBPyConnection) -> None:
    base = "CREATE OR REPLACE MODEL ml.bc OPTIONS(model_type='logistic_reg', input_label_cols=['target']{}) AS SELECT * EXCEPT(row_id) FROM sk.breast_cancer"
    warehouse.execute(
        con,
        base.format(", auto_class_weights=TRUE, data_split_method='RANDOM', data_split_eval_fraction=0.3"),
    )
    info = warehouse.execute(con, "SELECT eval_loss FROM ML.TRAINING_INFO(MODEL ml.bc)").rows
    assert all(v is not None for (v,) in info)
    warehouse.execute(
        con, base.format(", class_weights=[STRUCT('0', 2.0), STRUCT('1', 1.0)], data_split_method='NO_SPLIT'")
    )
    info = warehouse.execute(con, "SELECT eval_loss FROM ML.TRAINING_INFO(MODEL ml.bc)").rows
    assert all(v is None for (v,) in info)
    con.execute("CREATE TABLE split AS SELECT *, row_id % 5 = 0 AS is_eval FROM sk.diabetes")
    warehouse.execute(
        con,
        "CREATE MODEL ml.custom OPTIONS(model_type='linear_reg', input_label_cols=['target'], data_split_method='CUSTOM', data_split_col='is_eval') AS SELECT * EXCEPT(row_id) FROM split",
    )
    assert warehouse.execute(
        con, "SELECT eval_loss IS NOT NULL FROM ML.TRAINING_INFO(MODEL ml.custom)"
    ).rows == [(True,)]
    features = [
        r[0] for r in warehouse.execute(con, "SELECT input FROM ML.FEATURE_INFO(MODEL ml.custom)").rows
    ]
    assert "is_eval" not in features and "target" not in features


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            "model_type='linear_reg', input_label_col=['target']",
            "unknown option 'input_label_col'.*did you mean 'input_label_cols'",
        ),
        ("model_type='linear_reg', input_label_cols=['nope']", "input_label_cols names column 'nope'"),
        (
            "model_type='matrix_factorization'",
            "unsupported model_type.*supported model types: KMEANS, LINEAR_REG, LOGISTIC_REG, BOOSTED_TREE_CLASSIFIER",
        ),
        (
            "model_type='linear_reg', input_label_cols=['target'], l1_reg=1, optimize_strategy='normal_equation'",
            "NORMAL_EQUATION",
        ),
        (
            "model_type='linear_reg', input_label_cols=['target'], num_clusters=3",
            "unknown option 'num_clusters' for model_type LINEAR_REG",
        ),
        (
            "model_type='logistic_reg', input_label_cols=['target'], learn_rate_strategy='fast'",
            "learn_rate_strategy = 'fast' is not supported.*LINE_SEARCH, CONSTANT",
        ),
    ],
)
def test_bad_options_are_clear_errors(con: duckdb.DuckDBPyConnection, options: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        warehouse.execute(
            con, f"CREATE MODEL ml.bad OPTIONS({options}) AS SELECT * EXCEPT(row_id) FROM sk.diabetes"
        )


def test_rows_with_a_null_label_are_reported(con: duckdb.DuckDBPyConnection) -> None:
    message = warehouse.execute(
        con,
        "CREATE MODEL ml.nulls OPTIONS(model_type='linear_reg', input_label_cols=['target']) "
        "AS SELECT bmi, IF(row_id < 2, NULL, target) AS target FROM sk.diabetes",
    ).message
    assert (
        message == "trained LINEAR_REG model ml.nulls on 440 rows (2 rows with a NULL or NaN label skipped)"
    )
