"""NaN and infinities in the input of a TRANSFORM's analytic functions (their statistics are fitted on
the training rows and stored as constants).

A NaN input is missing as NULL is, as a NaN feature or label is (tests/warehouse/ml/test_non_finite*.py):
the model whose TRANSFORM saw NaN in some rows equals the one that saw NULL there, and so do its
predictions for a NaN input. Before, DuckDB's ordering of NaN above every number stored wrong statistics
(a NaN max for ML.MIN_MAX_SCALER and ML.MAX_ABS_SCALER, a NaN mean for ML.IMPUTER, shifted quantiles) or
failed ("STDDEV_SAMP is out of range"). An infinite input stops CREATE MODEL with one line naming the
function and its input, as an infinite feature does."""

from __future__ import annotations

import re
from collections.abc import Iterator

import duckdb
import pytest

import warehouse
from lakehouse.errors import InputError
from tests.warehouse.ml.odd_values import rows, with_values

FUNCTIONS = [
    "ML.STANDARD_SCALER(z)",
    "ML.MIN_MAX_SCALER(z)",
    "ML.MAX_ABS_SCALER(z)",
    "ML.ROBUST_SCALER(z)",
    "ML.IMPUTER(z, 'mean')",
    "ML.IMPUTER(z, 'median')",
    "ML.IMPUTER(z, 'most_frequent')",
    "ML.QUANTILE_BUCKETIZE(z, 4)",
]
ODD = "x IN (3, 7, 11)"


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute(
        "CREATE SCHEMA d; CREATE TABLE d.t AS SELECT i::DOUBLE AS x, (i % 5 + i / 10)::DOUBLE AS z, "
        "(2 * i + 1 + i % 3)::DOUBLE AS y FROM range(40) AS r(i)"
    )
    yield connection
    connection.close()


def _create(con: duckdb.DuckDBPyConnection, function: str, name: str, table: str) -> None:
    warehouse.execute(
        con,
        f"CREATE OR REPLACE MODEL d.{name} TRANSFORM(x, {function} OVER () AS z, y) "
        f"OPTIONS(model_type='linear_reg', input_label_cols=['y']) AS SELECT x, z, y FROM {table}",
    )


@pytest.mark.parametrize("function", FUNCTIONS)
def test_nan_input_is_missing_as_null(con: duckdb.DuckDBPyConnection, function: str) -> None:
    with_values(con, "nulls", "z", "NULL", ODD)
    with_values(con, "nans", "z", "'NaN'", ODD)
    _create(con, function, "with_nulls", "d.nulls")
    _create(con, function, "with_nans", "d.nans")
    for query in ("SELECT * FROM ML.FEATURE_INFO(MODEL d.{})", "SELECT * FROM ML.WEIGHTS(MODEL d.{})"):
        assert rows(con, query.format("with_nans")) == rows(con, query.format("with_nulls"))
    predict = (
        "SELECT predicted_y FROM ML.PREDICT(MODEL d.with_nulls, (SELECT 5.0 AS x, CAST({} AS FLOAT64) AS z))"
    )
    assert rows(con, predict.format("'NaN'")) == rows(con, predict.format("NULL"))
    assert rows(con, predict.format("'NaN'")) != rows(con, predict.format("4.5"))  # not a constant


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("infinity", ["'inf'", "'-inf'"])
def test_infinite_input_names_the_function(
    con: duckdb.DuckDBPyConnection, function: str, infinity: str
) -> None:
    with_values(con, "infs", "z", infinity, ODD)
    name = re.escape(function.split("(")[0])
    with pytest.raises(InputError, match=rf"^{name} input 'z' is infinite in 3 training rows; "):
        _create(con, function, "m", "d.infs")


def test_min_max_scaler_of_null_is_null(con: duckdb.DuckDBPyConnection) -> None:
    """DuckDB's greatest/least skip a NULL argument: the scaled NULL was 1.0; BigQuery's give NULL."""
    with_values(con, "nulls", "z", "NULL", ODD)
    scaled = rows(con, f"SELECT {ODD} AS odd, ML.MIN_MAX_SCALER(z) OVER () AS s FROM d.nulls")
    assert {s for odd, s in scaled if odd} == {None}
    assert all(isinstance(s, float) and 0.0 <= s <= 1.0 for odd, s in scaled if not odd)
