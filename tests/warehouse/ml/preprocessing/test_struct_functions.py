"""ML.POLYNOMIAL_EXPAND and ML.FEATURE_CROSS: the BigQuery ML documentation examples, in queries and TRANSFORM."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

import warehouse
from lakehouse.errors import UsageError


def test_documented_examples(con: duckdb.DuckDBPyConnection) -> None:
    row = warehouse.execute(
        con,
        """SELECT ML.POLYNOMIAL_EXPAND(STRUCT(2 AS f1, 3 AS f2)) AS poly,
                  ML.FEATURE_CROSS(STRUCT('a' AS f1, 'b' AS f2, 'c' AS f3)) AS cross""",
    ).rows[0]
    assert list(row[0].items()) == [("f1", 2.0), ("f1_f1", 4.0), ("f1_f2", 6.0), ("f2", 3.0), ("f2_f2", 9.0)]
    assert list(row[1].items()) == [("f1_f2", "a_b"), ("f1_f3", "a_c"), ("f2_f3", "b_c")]


def test_degrees_and_field_names(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE t AS SELECT 2 AS a, 3 AS b, 'x' AS p, 'y' AS q, NULL::VARCHAR AS r")
    row = warehouse.execute(
        con,
        """SELECT ML.POLYNOMIAL_EXPAND(STRUCT(a, b), 3) AS cubic, ML.POLYNOMIAL_EXPAND(STRUCT(a, b), 1) AS linear,
                  ML.FEATURE_CROSS(STRUCT(p, q, r), 3) AS cross FROM t""",
    ).rows[0]
    assert list(row[0].items()) == [
        ("a", 2.0), ("a_a", 4.0), ("a_a_a", 8.0), ("a_a_b", 12.0), ("a_b", 6.0), ("a_b_b", 18.0),
        ("b", 3.0), ("b_b", 9.0), ("b_b_b", 27.0),
    ]  # fmt: skip
    assert row[1] == {"a": 2.0, "b": 3.0}
    assert row[2] == {"p_q": "x_y", "p_r": None, "p_q_r": None, "q_r": None}
    assert list(row[2]) == ["p_q", "p_q_r", "p_r", "q_r"]


def test_polynomial_expand_in_transform_matches_sklearn(
    con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]
) -> None:
    warehouse.execute(
        con,
        """CREATE MODEL ml.poly TRANSFORM(ML.POLYNOMIAL_EXPAND(STRUCT(bmi, bp)) AS p, target)
           OPTIONS(model_type='linear_reg', input_label_cols=['target'], data_split_method='NO_SPLIT')
           AS SELECT * FROM sk.diabetes""",
    )
    features = [r[0] for r in warehouse.execute(con, "SELECT input FROM ML.FEATURE_INFO(MODEL ml.poly)").rows]
    assert features == ["p_bmi", "p_bmi_bmi", "p_bmi_bp", "p_bp", "p_bp_bp"]
    frame = frames["diabetes"]
    bmi, bp = frame["bmi"].to_numpy(), frame["bp"].to_numpy()
    x = np.column_stack([bmi, bmi * bmi, bmi * bp, bp, bp * bp])
    expected = LinearRegression().fit(x, frame["target"]).predict(x)
    predicted = warehouse.execute(
        con,
        "SELECT predicted_target FROM ML.PREDICT(MODEL ml.poly, (SELECT row_id, bmi, bp FROM sk.diabetes)) ORDER BY row_id",
    ).rows
    np.testing.assert_allclose([r[0] for r in predicted], expected, rtol=1e-6)
    r2 = warehouse.execute(con, "SELECT r2_score FROM ML.EVALUATE(MODEL ml.poly, TABLE sk.diabetes)").rows
    assert r2[0][0] == pytest.approx(LinearRegression().fit(x, frame["target"]).score(x, frame["target"]))


def test_feature_cross_in_transform_is_categorical(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """CREATE TABLE shop AS SELECT ['web', 'app'][i % 2 + 1] AS channel, ['red', 'blue', 'green'][i % 3 + 1] AS colour,
                  (i % 2) * 10.0 + (i % 3) + CASE WHEN i % 6 = 5 THEN 100.0 ELSE 0.0 END AS y FROM range(60) r(i)"""
    )
    warehouse.execute(
        con,
        """CREATE MODEL ml.crossed TRANSFORM(ML.FEATURE_CROSS(STRUCT(channel, colour)) AS x, y)
           OPTIONS(model_type='linear_reg', input_label_cols=['y'], data_split_method='NO_SPLIT') AS SELECT * FROM shop""",
    )
    info = warehouse.execute(con, "SELECT input, category_count FROM ML.FEATURE_INFO(MODEL ml.crossed)").rows
    assert info == [("x_channel_colour", 6)]
    rows = warehouse.execute(
        con,
        """SELECT channel, colour, x_channel_colour, predicted_y FROM ML.PREDICT(MODEL ml.crossed,
             (SELECT * FROM (VALUES ('app', 'green'), ('web', 'green')) v(channel, colour))) ORDER BY channel""",
    ).rows
    assert [r[:3] for r in rows] == [("app", "green", "app_green"), ("web", "green", "web_green")]
    assert rows[0][3] == pytest.approx(112.0) and rows[1][3] == pytest.approx(
        2.0
    )  # an interaction no additive model fits


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("ML.POLYNOMIAL_EXPAND(STRUCT(1 AS a), 5)", "degree 5 is out of range"),
        ("ML.FEATURE_CROSS(STRUCT('x' AS a, 'y' AS b), 1)", "degree 1 is out of range"),
        ("ML.POLYNOMIAL_EXPAND(STRUCT(1 AS a), 'two')", "degree must be an integer literal"),
        ("ML.POLYNOMIAL_EXPAND(STRUCT(1 AS a, 2 AS A))", "duplicate STRUCT field 'a'"),
        ("ML.POLYNOMIAL_EXPAND(STRUCT(1, 2))", "STRUCT field '1' has no name"),
        ("ML.FEATURE_CROSS('x')", "takes a STRUCT of features"),
        ("ML.POLYNOMIAL_EXPAND(STRUCT(1 AS a), 2, 3)", "ML.POLYNOMIAL_EXPAND takes 1 to 2 arguments, got 3"),
    ],
)
def test_errors(con: duckdb.DuckDBPyConnection, call: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        warehouse.execute(con, f"SELECT {call}")


def test_flattened_struct_names_must_not_clash(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(UsageError, match="TRANSFORM outputs 'p_bmi' twice"):
        warehouse.execute(
            con,
            """CREATE MODEL ml.clash TRANSFORM(ML.POLYNOMIAL_EXPAND(STRUCT(bmi, bp)) AS p, bmi AS p_bmi, target)
               OPTIONS(model_type='linear_reg', input_label_cols=['target']) AS SELECT * FROM sk.diabetes""",
        )
