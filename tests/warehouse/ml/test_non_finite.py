"""NaN and infinities in a numeric feature, for every model type.

BigQuery ML imputes a missing (NULL) numeric value with the training mean; xgboost reads NaN as its
missing value (``test_trees.test_nan_inputs_score_as_xgboost``). So a NaN is missing as NULL is: a model
trained or scored with NaN in some rows equals the one with NULL there. An infinity has no mean to
impute and xgboost refuses it: CREATE MODEL and ML.PREDICT stop with one line naming the feature
(training also counts the rows). DuckDB's stddev_samp used to fail on either: "STDDEV_SAMP is out of
range"."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

import warehouse
from lakehouse.errors import InputError

#: model type -> its options and the columns it trains on beside the features x, z
TYPES = {
    "linear_reg": (", input_label_cols=['y']", ", y"),
    "logistic_reg": (", input_label_cols=['c']", ", c"),
    "kmeans": (", num_clusters=2", ""),
    "boosted_tree_regressor": (", input_label_cols=['y'], max_iterations=2", ", y"),
    "random_forest_classifier": (", input_label_cols=['c'], num_parallel_tree=2", ", c"),
    "pca": (", num_principal_components=1", ""),
    "dnn_regressor": (", input_label_cols=['y'], hidden_units=[2], max_iterations=2", ", y"),
}
PREDICT = "SELECT * FROM ML.PREDICT(MODEL d.{}, (SELECT {} AS x, CAST({} AS FLOAT64) AS z))"


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute(
        "CREATE SCHEMA d; CREATE TABLE d.t AS SELECT i::DOUBLE AS x, (i % 3)::DOUBLE AS z, "
        "(2 * i + 1)::DOUBLE AS y, i % 2 = 0 AS c FROM range(40) AS r(i)"
    )
    yield connection
    connection.close()


def _create(con: duckdb.DuckDBPyConnection, model_type: str, name: str, table: str) -> None:
    options, columns = TYPES[model_type]
    warehouse.execute(
        con,
        f"CREATE OR REPLACE MODEL d.{name} OPTIONS(model_type='{model_type}'{options}) "
        f"AS SELECT x, z{columns} FROM {table}",
    )


def _predict(con: duckdb.DuckDBPyConnection, model: str, x: str, z: str = "1") -> list[tuple[object, ...]]:
    """The rows of ML.PREDICT without the input columns (NaN and NULL would differ there)."""
    result = warehouse.execute(con, PREDICT.format(model, x, z))
    kept = [i for i, c in enumerate(result.columns) if c not in ("x", "z")]
    return [tuple(row[i] for i in kept) for row in result.rows]


@pytest.mark.parametrize("model_type", TYPES)
def test_nan_in_training_is_missing_as_null(con: duckdb.DuckDBPyConnection, model_type: str) -> None:
    missing = "x IN (3, 7, 11)"
    con.execute(
        f"CREATE TABLE d.nulls AS SELECT * REPLACE (CASE WHEN {missing} THEN NULL ELSE z END AS z) FROM d.t"
    )
    con.execute(
        f"CREATE TABLE d.nans AS SELECT * REPLACE (CASE WHEN {missing} THEN 'NaN' ELSE z END AS z) FROM d.t"
    )
    _create(con, model_type, "with_nulls", "d.nulls")
    _create(con, model_type, "with_nans", "d.nans")
    info = "SELECT * FROM ML.FEATURE_INFO(MODEL d.{})"
    assert (
        warehouse.execute(con, info.format("with_nans")).rows
        == warehouse.execute(con, info.format("with_nulls")).rows
    )
    result = warehouse.execute(con, info.format("with_nans"))
    (z,) = [dict(zip(result.columns, r, strict=True)) for r in result.rows if r[0] == "z"]
    assert z["null_count"] == 3
    for x in ("CAST(1.5 AS FLOAT64)", "CAST(30 AS FLOAT64)"):
        assert _predict(con, "with_nans", x) == _predict(con, "with_nulls", x)


@pytest.mark.parametrize("model_type", TYPES)
@pytest.mark.parametrize("infinity", ["Infinity", "-Infinity"])
def test_infinity_in_training_names_the_feature_and_counts_the_rows(
    con: duckdb.DuckDBPyConnection, model_type: str, infinity: str
) -> None:
    con.execute(f"UPDATE d.t SET z = '{infinity}'::DOUBLE WHERE x IN (3, 7)")
    con.execute("UPDATE d.t SET x = 'NaN'::DOUBLE WHERE x = 11")  # a NaN beside: missing, no error
    with pytest.raises(InputError, match=r"^feature 'z' is infinite in 2 training rows; .*IS_INF\(z\)"):
        _create(con, model_type, "m", "d.t")


@pytest.mark.parametrize("model_type", TYPES)
def test_predict_nan_as_null_and_refuse_infinity(con: duckdb.DuckDBPyConnection, model_type: str) -> None:
    _create(con, model_type, "m", "d.t")
    nan = _predict(con, "m", "CAST('NaN' AS FLOAT64)", "'NaN'")
    assert nan == _predict(con, "m", "CAST(NULL AS FLOAT64)", "NULL")
    assert nan != _predict(con, "m", "CAST(1.5 AS FLOAT64)", "2")  # not one row's constant
    for infinity in ("'inf'", "'-inf'"):
        with pytest.raises(duckdb.InvalidInputException, match="feature 'x' is infinite in an input row"):
            _predict(con, "m", f"CAST({infinity} AS FLOAT64)")


@pytest.mark.parametrize("model_type", ["kmeans", "linear_reg"])
def test_training_statistics_count_the_nan_of_a_feature(
    con: duckdb.DuckDBPyConnection, model_type: str
) -> None:
    """The feature statistics' pass that meets a NaN (its second, NaN as NULL) also counts the NaN for the
    training statistics: a 'nan' row, and the histogram over the finite values only."""
    con.execute(
        "CREATE TABLE d.nans AS SELECT * REPLACE (CASE WHEN x IN (3, 7) THEN 'NaN' ELSE z END AS z) FROM d.t"
    )
    _create(con, model_type, "with_nans", "d.nans")
    rows = con.execute(
        "SELECT kind, sum(count) FROM d.with_nans__training_statistics WHERE feature = 'z' GROUP BY kind ORDER BY kind"
    ).fetchall()
    assert rows == [("bucket", 38.0), ("nan", 2.0)]
