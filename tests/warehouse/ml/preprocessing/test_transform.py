"""ML preprocessing functions (bqml.md examples) and the TRANSFORM clause."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

import warehouse
from lakehouse.errors import UsageError


def test_bucketize_examples(con: duckdb.DuckDBPyConnection) -> None:
    row = warehouse.execute(
        con,
        "SELECT ML.BUCKETIZE(2.5, [1, 2, 3]), ML.BUCKETIZE(0.5, [1, 2, 3]), ML.BUCKETIZE(3, [1, 2, 3]), ML.BUCKETIZE(NULL, [1])",
    ).rows[0]
    assert row == ("bin_3", "bin_1", "bin_4", None)


def test_analytic_scalers_match_numpy(
    con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]
) -> None:
    x = frames["iris"]["sepal_length_cm"].to_numpy()
    rows = warehouse.execute(
        con,
        """SELECT ML.STANDARD_SCALER(sepal_length_cm) OVER () AS standard,
                  ML.MIN_MAX_SCALER(sepal_length_cm) OVER () AS min_max,
                  ML.MAX_ABS_SCALER(sepal_length_cm) OVER () AS max_abs,
                  ML.ROBUST_SCALER(sepal_length_cm) OVER () AS robust
           FROM sk.iris ORDER BY row_id""",
    ).rows
    standard, min_max, max_abs, robust = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    np.testing.assert_allclose(standard, (x - x.mean()) / x.std(ddof=1), rtol=1e-12)
    np.testing.assert_allclose(min_max, (x - x.min()) / (x.max() - x.min()), rtol=1e-12)
    np.testing.assert_allclose(max_abs, x / np.abs(x).max(), rtol=1e-12)
    q1, median, q3 = np.percentile(x, [25, 50, 75])
    np.testing.assert_allclose(robust, (x - median) / (q3 - q1), rtol=1e-12)


def test_quantile_bucketize_and_imputer(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE v AS SELECT CASE WHEN i = 3 THEN NULL ELSE i END AS x FROM range(1, 9) r(i)")
    rows = warehouse.execute(
        con,
        "SELECT x, ML.QUANTILE_BUCKETIZE(x, 2) OVER () AS q, ML.IMPUTER(x, 'mean') OVER () AS m, ML.IMPUTER(x, 'median') OVER () AS med FROM v ORDER BY x NULLS FIRST",
    ).rows
    assert (
        rows[0][0] is None and rows[0][2] == pytest.approx(np.mean([1, 2, 4, 5, 6, 7, 8])) and rows[0][3] == 5
    )
    assert [r[1] for r in rows[1:]] == ["bin_1", "bin_1", "bin_1", "bin_2", "bin_2", "bin_2", "bin_2"]


def test_transform_reuses_training_statistics_at_prediction(
    con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]
) -> None:
    warehouse.execute(
        con,
        """CREATE MODEL ml.t TRANSFORM(ML.STANDARD_SCALER(bmi) OVER () AS bmi_scaled, ML.QUANTILE_BUCKETIZE(age, 4) OVER () AS age_bin,
                                       s1, target)
           OPTIONS(model_type='linear_reg', input_label_cols=['target'], data_split_method='NO_SPLIT')
           AS SELECT * FROM sk.diabetes""",
    )
    features = [r[0] for r in warehouse.execute(con, "SELECT input FROM ML.FEATURE_INFO(MODEL ml.t)").rows]
    assert features == ["bmi_scaled", "age_bin", "s1"]
    bmi = frames["diabetes"]["bmi"].to_numpy()
    one = warehouse.execute(
        con,
        "SELECT bmi_scaled, predicted_target FROM ML.PREDICT(MODEL ml.t, (SELECT 0.05 AS bmi, 0.0 AS age, 0.0 AS s1))",
    ).rows[0]
    assert one[0] == pytest.approx((0.05 - bmi.mean()) / bmi.std(ddof=1), rel=1e-12)
    bins = warehouse.execute(
        con, "SELECT category_count FROM ML.FEATURE_INFO(MODEL ml.t) WHERE input = 'age_bin'"
    ).rows
    assert bins == [(4,)]
    evaluated = warehouse.execute(
        con, "SELECT r2_score FROM ML.EVALUATE(MODEL ml.t, TABLE sk.diabetes)"
    ).rows[0][0]
    stored = warehouse.execute(con, "SELECT r2_score FROM ML.EVALUATE(MODEL ml.t)").rows[0][0]
    assert evaluated == pytest.approx(stored, rel=1e-12)


def test_encoders_in_transform(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE pets AS SELECT ['cat', 'dog', 'dog', 'eel', NULL][i % 5 + 1] AS kind, i * 1.0 AS y FROM range(50) r(i)"
    )
    warehouse.execute(
        con,
        """CREATE MODEL ml.pets TRANSFORM(ML.LABEL_ENCODER(kind, 2) OVER () AS code, ML.ONE_HOT_ENCODER(kind, 'none', NULL, 11) OVER () AS hot, y)
           OPTIONS(model_type='linear_reg', input_label_cols=['y']) AS SELECT * FROM pets""",
    )
    rows = warehouse.execute(
        con,
        "SELECT kind, code, hot FROM ML.PREDICT(MODEL ml.pets, (SELECT * FROM (VALUES ('cat'), ('dog'), ('eel'), ('yak')) v(kind)))",
    ).rows
    assert sorted(rows) == [("cat", 1, None), ("dog", 2, "dog"), ("eel", 0, None), ("yak", 0, None)]


def test_transform_errors(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(UsageError, match="needs a name"):
        warehouse.execute(
            con,
            "CREATE MODEL ml.bad TRANSFORM(bmi * 2) OPTIONS(model_type='linear_reg', input_label_cols=['target']) AS SELECT * FROM sk.diabetes",
        )
    with pytest.raises(UsageError, match="ML.STANDARD_SCALER is an analytic function"):
        warehouse.execute(con, "SELECT ML.STANDARD_SCALER(bmi) FROM sk.diabetes")
    with pytest.raises(UsageError, match="ML.NORMALIZER is not supported"):
        warehouse.execute(con, "SELECT ML.NORMALIZER(bmi) FROM sk.diabetes")
