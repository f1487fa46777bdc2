"""ML.VALIDATE_DATA_SKEW, ML.VALIDATE_DATA_DRIFT and ML.DESCRIBE_DATA through the BigQuery front end:
BigQuery's syntax and output columns, the training statistics every model type stores, form changes
reported feature by feature, and ML.PREDICT on a changed table."""

from __future__ import annotations

import duckdb
import pytest

import warehouse
from lakehouse.errors import UsageError
from warehouse.ml import registry, types

DRIFT_COLUMNS = ["input", "metric", "threshold", "value", "is_anomaly", "reason"]

#: one CREATE MODEL per model type (the sklearn tables of tests/warehouse/ml/conftest.py)
MODELS = {
    "KMEANS": "CREATE MODEL ml.m OPTIONS(model_type='kmeans', num_clusters=3) AS SELECT * EXCEPT(row_id) FROM sk.t",
    "LINEAR_REG": "CREATE MODEL ml.m OPTIONS(model_type='linear_reg', input_label_cols=['target']) "
    "AS SELECT * EXCEPT(row_id) FROM sk.t",
    "LOGISTIC_REG": "CREATE MODEL ml.m OPTIONS(model_type='logistic_reg', input_label_cols=['kind']) "
    "AS SELECT * EXCEPT(row_id, target) FROM sk.t",
    "BOOSTED_TREE_REGRESSOR": "CREATE MODEL ml.m OPTIONS(model_type='boosted_tree_regressor', "
    "input_label_cols=['target'], max_iterations=5) AS SELECT * EXCEPT(row_id) FROM sk.t",
    "BOOSTED_TREE_CLASSIFIER": "CREATE MODEL ml.m OPTIONS(model_type='boosted_tree_classifier', "
    "input_label_cols=['kind'], max_iterations=5) AS SELECT * EXCEPT(row_id, target) FROM sk.t",
    "RANDOM_FOREST_REGRESSOR": "CREATE MODEL ml.m OPTIONS(model_type='random_forest_regressor', "
    "input_label_cols=['target'], num_parallel_tree=5) AS SELECT * EXCEPT(row_id) FROM sk.t",
    "RANDOM_FOREST_CLASSIFIER": "CREATE MODEL ml.m OPTIONS(model_type='random_forest_classifier', "
    "input_label_cols=['kind'], num_parallel_tree=5) AS SELECT * EXCEPT(row_id, target) FROM sk.t",
    "PCA": "CREATE MODEL ml.m OPTIONS(model_type='pca', num_principal_components=2) "
    "AS SELECT * EXCEPT(row_id) FROM sk.t",
    "DNN_REGRESSOR": "CREATE MODEL ml.m OPTIONS(model_type='dnn_regressor', input_label_cols=['target'], "
    "max_iterations=2) AS SELECT * EXCEPT(row_id) FROM sk.t",
    "DNN_CLASSIFIER": "CREATE MODEL ml.m OPTIONS(model_type='dnn_classifier', input_label_cols=['kind'], "
    "max_iterations=2) AS SELECT * EXCEPT(row_id, target) FROM sk.t",
}
UNSUPERVISED = ("KMEANS", "PCA")
#: the label of each model type's statement (None: unsupervised)
LABELS = {
    model_type: None if model_type in UNSUPERVISED else "kind" if "'kind'" in statement else "target"
    for model_type, statement in MODELS.items()
}


@pytest.fixture
def iris(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """sk.t: iris with a categorical feature (``kind``) next to the numeric ones."""
    con.execute(
        "CREATE TABLE sk.t AS SELECT *, CASE WHEN target = 0 THEN 'setosa' ELSE 'other' END AS kind FROM sk.iris"
    )
    return con


def test_every_model_type_is_covered() -> None:
    assert sorted(MODELS) == sorted(types.MODEL_TYPES)


@pytest.mark.parametrize("model_type", list(MODELS))
def test_skew_of_the_training_data_itself_is_zero(iris: duckdb.DuckDBPyConnection, model_type: str) -> None:
    warehouse.execute(iris, MODELS[model_type])
    model = registry.load(iris, "ml", "m")
    assert "training_statistics" in model.state["tables"]
    result = warehouse.execute(iris, "SELECT * FROM ML.VALIDATE_DATA_SKEW(MODEL ml.m, TABLE sk.t)")
    assert result.columns == DRIFT_COLUMNS
    rows = result.to_dicts()
    label = LABELS[model_type]
    unused = [r for r in rows if r["reason"] == "new field, not used by the model"]
    assert {r["input"] for r in unused} == ({"row_id", "target"} if label == "kind" else {"row_id"})
    assert all(r["is_anomaly"] is False and r["value"] is None for r in unused)
    rows = [r for r in rows if r not in unused]
    assert {r["input"] for r in rows} == {f.name for f in model.features}
    assert label not in {r["input"] for r in rows}
    for row in rows:
        assert row["value"] == pytest.approx(0.0, abs=1e-12), row
        assert row["is_anomaly"] is False and row["reason"] is None
    metrics = {r["input"]: r["metric"] for r in rows}
    assert metrics["sepal_length_cm"] == "JENSEN_SHANNON_DIVERGENCE"
    if label != "kind":  # a categorical feature (the classifiers' label here)
        assert metrics["kind"] == "L_INFTY"


def test_skew_against_shifted_data_and_thresholds(iris: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute(iris, MODELS["KMEANS"])
    rows = {
        r["input"]: r
        for r in warehouse.execute(
            iris,
            "SELECT * FROM ML.VALIDATE_DATA_SKEW(MODEL ml.m, (SELECT * FROM sk.t WHERE target = 2), "
            "STRUCT(0.05 AS categorical_default_threshold, [('petal_width_cm', 0.99)] AS thresholds))",
        ).to_dicts()
    }
    assert rows["kind"]["threshold"] == 0.05 and rows["kind"]["value"] == pytest.approx(1 / 3)
    assert rows["kind"]["is_anomaly"] is True
    assert rows["petal_width_cm"]["threshold"] == 0.99 and rows["petal_width_cm"]["is_anomaly"] is False
    assert rows["petal_length_cm"]["threshold"] == 0.3 and rows["petal_length_cm"]["value"] > 0.3


def test_form_changes_are_reported_feature_by_feature(iris: duckdb.DuckDBPyConnection) -> None:
    """A missing feature, a new field and a changed type are rows of the skew output, never a traceback."""
    warehouse.execute(iris, MODELS["LINEAR_REG"])
    iris.execute(
        "CREATE TABLE sk.april AS SELECT * EXCLUDE (petal_width_cm, kind), CAST(sepal_width_cm AS VARCHAR) "
        "AS sepal_width_cm_text, CAST(kind = 'setosa' AS INTEGER) AS kind, 'yes' AS consent FROM sk.t"
    )
    rows = warehouse.execute(
        iris, "SELECT * FROM ML.VALIDATE_DATA_SKEW(MODEL ml.m, TABLE sk.april)"
    ).to_dicts()
    by_input = {r["input"]: r for r in rows}
    assert by_input["petal_width_cm"]["reason"] == "missing from the study data"
    assert by_input["petal_width_cm"]["value"] is None and by_input["petal_width_cm"]["is_anomaly"] is True
    assert by_input["kind"]["reason"] == "type changed from VARCHAR to INTEGER"
    assert by_input["kind"]["is_anomaly"] is True and by_input["kind"]["value"] is None
    for new in ("consent", "sepal_width_cm_text", "row_id"):
        assert by_input[new]["reason"] == "new field, not used by the model"
        assert by_input[new]["is_anomaly"] is False
    assert "target" not in by_input  # the label
    assert by_input["sepal_length_cm"]["value"] == pytest.approx(0.0, abs=1e-12)


def test_drift_reports_form_changes_too(iris: duckdb.DuckDBPyConnection) -> None:
    rows = warehouse.execute(
        iris,
        "SELECT input, reason, is_anomaly FROM ML.VALIDATE_DATA_DRIFT("
        "(SELECT sepal_length_cm, kind FROM sk.t), (SELECT sepal_length_cm::DOUBLE AS sepal_length_cm, 1 AS kind, "
        "2 AS extra FROM sk.t))",
    ).rows
    assert rows == [
        ("sepal_length_cm", None, False),
        ("kind", "type changed from VARCHAR to INTEGER", True),
        ("extra", "new field, not in the base data", True),
    ]


def test_predict_on_a_changed_table_follows_bigquery(iris: duckdb.DuckDBPyConnection) -> None:
    """A missing feature is an error naming it (BigQuery fails the query); extra columns pass through."""
    warehouse.execute(iris, MODELS["LINEAR_REG"])
    with pytest.raises(
        UsageError, match=r"ML.PREDICT: the input data of model ml.m is missing column 'petal_width_cm'"
    ):
        warehouse.execute(
            iris, "SELECT * FROM ML.PREDICT(MODEL ml.m, (SELECT * EXCLUDE (petal_width_cm) FROM sk.t))"
        )
    result = warehouse.execute(
        iris, "SELECT * FROM ML.PREDICT(MODEL ml.m, (SELECT *, 'yes' AS consent FROM sk.t)) WHERE row_id < 3"
    )
    assert result.columns[0] == "predicted_target"
    assert {"consent", "row_id"} <= set(result.columns)
    assert [r["consent"] for r in result.to_dicts()] == ["yes"] * 3


def test_describe_data(iris: duckdb.DuckDBPyConnection) -> None:
    result = warehouse.execute(
        iris, "SELECT * FROM ML.DESCRIBE_DATA((SELECT sepal_length_cm, kind FROM sk.t), STRUCT(2 AS top_k))"
    )
    assert result.columns[:4] == ["name", "num_rows", "num_nulls", "num_zeros"]
    numeric, categorical = result.to_dicts()
    values = iris.execute(
        "SELECT min(sepal_length_cm), max(sepal_length_cm), avg(sepal_length_cm) FROM sk.t"
    ).fetchone()
    assert values is not None
    assert numeric["name"] == "sepal_length_cm" and numeric["num_rows"] == 150
    assert (float(numeric["min"]), float(numeric["max"])) == (float(values[0]), float(values[1]))
    assert numeric["mean"] == pytest.approx(float(values[2]))
    assert numeric["quantiles"][0] == float(values[0]) and len(numeric["quantiles"]) == 3
    assert categorical["unique"] == 2 and categorical["mean"] is None
    assert categorical["top_values"] == [{"value": "other", "count": 100}, {"value": "setosa", "count": 50}]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            "ML.VALIDATE_DATA_DRIFT(TABLE sk.t, TABLE sk.t, STRUCT(2 AS num_bins))",
            "unknown parameter 'num_bins'",
        ),
        (
            "ML.VALIDATE_DATA_DRIFT(TABLE sk.t, TABLE sk.t, STRUCT(1.5 AS numerical_default_threshold))",
            "out of range",
        ),
        (
            "ML.VALIDATE_DATA_DRIFT(TABLE sk.t, TABLE sk.t, STRUCT('L1' AS categorical_metric_type))",
            "not supported",
        ),
        (
            "ML.VALIDATE_DATA_DRIFT(TABLE sk.t, TABLE sk.t, STRUCT([('nope', 0.1)] AS thresholds))",
            "names 'nope'",
        ),
        ("ML.VALIDATE_DATA_DRIFT(TABLE sk.t)", "takes 2 relations, got 1"),
    ],
)
def test_parameter_errors(iris: duckdb.DuckDBPyConnection, call: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        warehouse.execute(iris, f"SELECT * FROM {call}")


def test_bigquery_model_registry_options_are_accepted(iris: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute(
        iris,
        "CREATE MODEL ml.v OPTIONS(model_type='kmeans', num_clusters=2, model_registry='vertex_ai', "
        "vertex_ai_model_id='iris_segments', vertex_ai_model_version_aliases=['staging']) "
        "AS SELECT sepal_length_cm FROM sk.t",
    )
    options = registry.load(iris, "ml", "v").options
    assert (options["model_registry"], options["vertex_ai_model_id"]) == ("VERTEX_AI", "iris_segments")
    assert options["vertex_ai_model_version_aliases"] == ["staging"]
    with pytest.raises(UsageError, match="option vertex_ai_model_id = '9bad' is out of range"):
        warehouse.execute(
            iris,
            "CREATE MODEL ml.w OPTIONS(model_type='kmeans', vertex_ai_model_id='9bad') AS SELECT sepal_length_cm FROM sk.t",
        )
