"""ML.VALIDATE_DATA_DRIFT's distances equal an independent numpy implementation of TFDV's formulas.

Each case is a hand-built pair of columns (base, study) loaded into DuckDB; the warehouse computes the
distance in SQL through the BigQuery front end, the reference (``tfdv_reference``) from the raw values
in Python. They must agree to 1e-9.
"""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pytest

import warehouse
from tests.warehouse.ml.monitoring import tfdv_reference as ref

INF, NAN = math.inf, math.nan
RNG = np.random.default_rng(7)

NUMERIC = {
    "overlapping ranges": ([1.0, 2.0, 2.5, 3.0, 4.0, 9.0], [2.0, 3.0, 3.5, 5.0, 12.0]),
    "identical": ([1.0, 2.0, 3.0, 3.0], [1.0, 2.0, 3.0, 3.0]),
    "point bucket on one side": ([5.0, 5.0, 5.0], [1.0, 5.0, 9.0, 3.0]),
    "two different points": ([5.0, 5.0], [7.0]),
    "same point": ([5.0, 5.0], [5.0, 5.0, 5.0]),
    "NULLs on both sides": ([1.0, None, 2.0, None, 7.0], [None, 3.0, 3.0, 8.0]),
    "disjoint ranges (values on one side only)": ([0.0, 1.0, 2.0], [10.0, 11.0, 15.0]),
    "NaN and infinities": ([1.0, NAN, INF, 2.0, 3.0], [1.0, -INF, 2.0, 2.5, NAN, NAN]),
    "infinity on one side only": ([1.0, 2.0, INF], [1.0, 2.0, 3.0]),
    "random normals": (list(RNG.normal(0, 1, 500)), list(RNG.normal(0.3, 1.4, 400))),
    "random integers": (
        list(RNG.integers(0, 20, 300).astype(float)),
        list(RNG.integers(5, 30, 200).astype(float)),
    ),
}

CATEGORICAL = {
    "unseen values in the study": (["a", "a", "b", "c"], ["a", "d", "d", "e", None]),
    "identical": (["x", "y", "y"], ["x", "y", "y"]),
    "NULLs are not values": (["a", None, None, "b"], ["a", "b", None]),
    "ties and the rank histogram's top k": (list("aabbccddeeffg"), list("abcdefgghh")),
}


def _load(con: duckdb.DuckDBPyConnection, name: str, values: list, sql_type: str) -> None:
    con.execute(f"CREATE OR REPLACE TABLE {name} (x {sql_type})")
    if values:
        con.executemany(f"INSERT INTO {name} VALUES (?)", [[v] for v in values])


def _drift(con: duckdb.DuckDBPyConnection, struct: str = "") -> list[dict]:
    struct = f", STRUCT({struct})" if struct else ""
    return warehouse.execute(
        con, f"SELECT * FROM ML.VALIDATE_DATA_DRIFT(TABLE base, TABLE study{struct})"
    ).to_dicts()


@pytest.mark.parametrize("case", list(NUMERIC))
@pytest.mark.parametrize("buckets", [10, 3])
def test_numeric_jensen_shannon_equals_the_reference(case: str, buckets: int) -> None:
    base, study = NUMERIC[case]
    con = duckdb.connect()
    _load(con, "base", base, "DOUBLE")
    _load(con, "study", study, "DOUBLE")
    [row] = _drift(con, f"{buckets} AS num_histogram_buckets")
    expected = ref.numeric_jsd(ref.numeric_histogram(base, buckets), ref.numeric_histogram(study, buckets))
    assert row["metric"] == "JENSEN_SHANNON_DIVERGENCE"
    assert expected is not None
    assert row["value"] == pytest.approx(expected, abs=1e-9)
    assert row["is_anomaly"] == (expected > 0.3)


@pytest.mark.parametrize("case", list(CATEGORICAL))
@pytest.mark.parametrize("rank_buckets", [50, 3])
def test_categorical_distances_equal_the_reference(case: str, rank_buckets: int) -> None:
    base, study = CATEGORICAL[case]
    con = duckdb.connect()
    _load(con, "base", base, "VARCHAR")
    _load(con, "study", study, "VARCHAR")
    a, b = ref.rank_histogram(base, rank_buckets), ref.rank_histogram(study, rank_buckets)
    [linf] = _drift(con, f"{rank_buckets} AS num_rank_histogram_buckets")
    assert linf["metric"] == "L_INFTY"
    assert linf["value"] == pytest.approx(ref.l_infinity(a, b), abs=1e-9)
    [jsd] = _drift(
        con,
        f"{rank_buckets} AS num_rank_histogram_buckets, 'JENSEN_SHANNON_DIVERGENCE' AS categorical_metric_type",
    )
    assert jsd["metric"] == "JENSEN_SHANNON_DIVERGENCE"
    assert jsd["value"] == pytest.approx(ref.categorical_jsd(a, b), abs=1e-9)


def test_hand_computed_values() -> None:
    """Two numbers worked out by hand, so the reference itself is checked too."""
    con = duckdb.connect()
    _load(con, "base", ["a", "a", "b", "b"], "VARCHAR")
    _load(con, "study", ["a", "c", "c", "c"], "VARCHAR")
    [linf] = _drift(con)
    assert linf["value"] == pytest.approx(0.75)  # |0 - 3/4| for 'c'
    _load(con, "base", [0.0, 1.0], "DOUBLE")
    _load(con, "study", [2.0, 3.0], "DOUBLE")
    [jsd] = _drift(con)
    assert jsd["value"] == pytest.approx(1.0)  # disjoint supports: JSD = 1 bit


def test_thresholds_per_feature_and_per_kind() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE base AS SELECT range % 7 AS n, CAST(range % 3 AS VARCHAR) AS c, range % 5 AS m FROM range(100)"
    )
    con.execute(
        "CREATE TABLE study AS SELECT range % 4 AS n, CAST(range % 2 AS VARCHAR) AS c, range % 5 AS m FROM range(80)"
    )
    rows = {
        r["input"]: r
        for r in _drift(
            con,
            "0.01 AS categorical_default_threshold, 0.6 AS numerical_default_threshold, [('N', 0.05)] AS thresholds",
        )
    }
    assert (rows["n"]["threshold"], rows["c"]["threshold"], rows["m"]["threshold"]) == (0.05, 0.01, 0.6)
    assert rows["n"]["is_anomaly"] and rows["c"]["is_anomaly"]
    assert rows["m"]["value"] == pytest.approx(0.0, abs=1e-12) and rows["m"]["is_anomaly"] is False
