"""A numeric feature whose range is wider than a double: -1.7e308 and 1.7e308 among small values.

``max - min`` overflows to inf: the training statistics' histogram failed ("Type DOUBLE with value -nan
can't be cast ... INT64"), and before it the features' statistics ("STDDEV_SAMP is out of range": the
squared deviations overflow). The mean and stddev are now exact (compared with rational arithmetic), the
model trains and scores, and ML.VALIDATE_DATA_SKEW reads the training histogram. The tree types train
xgboost on float32, where 1.7e308 is an infinity: one line naming the feature instead of xgboost's."""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction

import duckdb
import pytest

import warehouse
from lakehouse.errors import InputError

from .test_non_finite import TYPES

HUGE = 1.7e308
TREES = ("boosted_tree_regressor", "random_forest_classifier")


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute(
        f"CREATE SCHEMA d; CREATE TABLE d.t AS SELECT (CASE i WHEN 0 THEN -{HUGE} WHEN 1 THEN {HUGE} "
        "ELSE i END)::DOUBLE AS x, (i % 3)::DOUBLE AS z, (2 * i + 1)::DOUBLE AS y, i % 2 = 0 AS c "
        "FROM range(40) AS r(i)"
    )
    yield connection
    connection.close()


def _create(con: duckdb.DuckDBPyConnection, model_type: str) -> None:
    options, columns = TYPES[model_type]
    warehouse.execute(
        con,
        f"CREATE OR REPLACE MODEL d.m OPTIONS(model_type='{model_type}'{options}) "
        f"AS SELECT x, z{columns} FROM d.t",
    )


def _exact_mean_and_stddev(values: list[float]) -> tuple[float, float]:
    exact = [Fraction(v) for v in values]
    mean = sum(exact) / len(exact)
    variance = sum((v - mean) ** 2 for v in exact) / (len(exact) - 1)
    return float(mean), math.ldexp(math.sqrt(variance / 2**2000), 1000)


@pytest.mark.parametrize("model_type", [t for t in TYPES if t not in TREES])
def test_a_feature_wider_than_a_double_trains(con: duckdb.DuckDBPyConnection, model_type: str) -> None:
    _create(con, model_type)
    info = warehouse.execute(con, "SELECT * FROM ML.FEATURE_INFO(MODEL d.m)")
    (x,) = [dict(zip(info.columns, r, strict=True)) for r in info.rows if r[0] == "x"]
    mean, stddev = _exact_mean_and_stddev([-HUGE, HUGE, *range(2, 40)])
    assert (x["min"], x["max"], x["mean"]) == (-HUGE, HUGE, mean)
    assert x["stddev"] == pytest.approx(stddev, rel=1e-15)
    predicted = warehouse.execute(con, "SELECT * FROM ML.PREDICT(MODEL d.m, TABLE d.t)").rows
    assert len(predicted) == 40
    skew = "SELECT input, value FROM ML.VALIDATE_DATA_SKEW(MODEL d.m, TABLE d.{}) WHERE input = 'x'"
    assert warehouse.execute(con, skew.format("t")).rows == [("x", 0.0)]
    con.execute(
        f"CREATE TABLE d.high AS SELECT * REPLACE (CASE WHEN x > 10 THEN {HUGE} ELSE x END AS x) FROM d.t"
    )
    assert warehouse.execute(con, skew.format("high")).rows[0][1] > 0.3  # an anomaly


@pytest.mark.parametrize("model_type", TREES)
def test_a_tree_feature_beyond_float32_names_the_feature(
    con: duckdb.DuckDBPyConnection, model_type: str
) -> None:
    with pytest.raises(InputError, match=r"^feature 'x' is beyond float32's range \(\+/-3\.403e\+38\) in 2 "):
        _create(con, model_type)


@pytest.mark.parametrize("buckets", [1, 2, 10])
def test_drift_over_a_range_wider_than_a_double(con: duckdb.DuckDBPyConnection, buckets: int) -> None:
    """Re-bucketing onto the union of both sides' bounds divides by a bucket's width: one bucket over
    -1.7e308 .. 1.7e308 is inf wide (inf / inf: NaN, a divergence of 1 between equal sides)."""
    con.execute(
        f"CREATE TABLE d.u AS SELECT * REPLACE (CASE WHEN x < 10 THEN -{HUGE} ELSE x END AS x) FROM d.t"
    )
    drift = (
        "SELECT value FROM ML.VALIDATE_DATA_DRIFT(TABLE d.t, TABLE d.{}, STRUCT({} AS num_histogram_buckets))"
    )
    assert warehouse.execute(con, drift.format("t", buckets)).rows == [(0.0,)] * 4
    moved = warehouse.execute(con, drift.format("u", buckets)).rows[0][0]
    if buckets == 1:  # one bucket over the same range on both sides: no divergence
        assert moved == 0.0
    else:
        assert isinstance(moved, float) and 0.0 < moved < 1.0


#: the regressors that train on float32, and their options beside the label
FLOAT32 = {
    "boosted_tree_regressor": ", max_iterations=2",
    "random_forest_regressor": ", num_parallel_tree=2",
    "dnn_regressor": ", hidden_units=[2], max_iterations=2",
}


@pytest.mark.parametrize("model_type", FLOAT32)
def test_a_label_beyond_float32_names_the_label(con: duckdb.DuckDBPyConnection, model_type: str) -> None:
    """xgboost and the DNN train on float32: a label of 1e39 was xgboost's "Label contains NaN, infinity or
    a value too large", or the DNN's infinite loss."""
    con.execute("UPDATE d.t SET y = 1e39 WHERE x = 5")
    with pytest.raises(
        InputError, match=r"^label column 'y' is beyond float32's range \(\+/-3\.403e\+38\) in 1 "
    ):
        warehouse.execute(
            con,
            f"CREATE MODEL d.m OPTIONS(model_type='{model_type}', input_label_cols=['y']{FLOAT32[model_type]}) "
            "AS SELECT z, y FROM d.t",
        )
