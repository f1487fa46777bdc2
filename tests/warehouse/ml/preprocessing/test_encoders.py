"""Optional arguments of the preprocessing functions: each one takes effect or is rejected, never ignored."""

from __future__ import annotations

import duckdb
import pytest

import warehouse
from lakehouse.errors import UsageError

_PETS = """CREATE TABLE pets AS SELECT ['cat', 'dog', 'dog', 'eel', NULL][i % 5 + 1] AS kind,
           ['cat', 'dog', 'dog', 'eel', NULL][i % 5 + 1] AS kind2,
           [1.0, 5.0, 5.0, 2.0, 7.0][i % 5 + 1] AS y FROM range(50) r(i)"""


def test_one_hot_drop_most_frequent_is_dummy_encoding(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_PETS)
    warehouse.execute(
        con,
        """CREATE MODEL ml.dummy TRANSFORM(ML.ONE_HOT_ENCODER(kind, 'most_frequent') OVER () AS hot, y)
           OPTIONS(model_type='linear_reg', input_label_cols=['y'], data_split_method='NO_SPLIT') AS SELECT * FROM pets""",
    )
    weights = warehouse.execute(
        con, "SELECT processed_input, weight, category_weights FROM ML.WEIGHTS(MODEL ml.dummy)"
    ).rows
    by_input = {r[0]: r for r in weights}
    categories = {c["category"]: c["weight"] for c in by_input["hot"][2]}
    assert "dog" not in categories and {"cat", "eel"} <= set(categories) and len(categories) == 3
    assert by_input["__INTERCEPT__"][1] == pytest.approx(5.0)  # the dropped category is the all-zero row
    assert categories["cat"] == pytest.approx(1.0 - 5.0) and categories["eel"] == pytest.approx(2.0 - 5.0)
    rows = warehouse.execute(
        con,
        "SELECT kind, hot, predicted_y FROM ML.PREDICT(MODEL ml.dummy, (SELECT * FROM (VALUES ('cat'), ('dog'), ('yak')) v(kind))) ORDER BY kind",
    ).rows
    assert [r[:2] for r in rows] == [("cat", "cat"), ("dog", "dog"), ("yak", None)]
    assert [r[2] for r in rows] == pytest.approx([1.0, 5.0, 7.0])  # unseen = the NULL category (index 0)

    warehouse.execute(
        con,
        """CREATE MODEL ml.full TRANSFORM(ML.ONE_HOT_ENCODER(kind, 'none') OVER () AS hot, y)
           OPTIONS(model_type='linear_reg', input_label_cols=['y'], data_split_method='NO_SPLIT') AS SELECT * FROM pets""",
    )
    full = warehouse.execute(
        con, "SELECT category_weights FROM ML.WEIGHTS(MODEL ml.full) WHERE processed_input = 'hot'"
    ).rows
    assert "dog" in {c["category"] for c in full[0][0]}


def test_frequency_threshold_defaults_to_five(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE few AS SELECT CASE WHEN i < 4 THEN 'rare' ELSE 'common' END AS kind, i * 1.0 AS y FROM range(20) r(i)"
    )
    warehouse.execute(
        con,
        """CREATE MODEL ml.few TRANSFORM(ML.LABEL_ENCODER(kind) OVER () AS code, ML.LABEL_ENCODER(kind, NULL, 4) OVER () AS code4, y)
           OPTIONS(model_type='linear_reg', input_label_cols=['y']) AS SELECT * FROM few""",
    )
    rows = warehouse.execute(
        con,
        "SELECT kind, code, code4 FROM ML.PREDICT(MODEL ml.few, (SELECT * FROM (VALUES ('common'), ('rare')) v(kind))) ORDER BY kind",
    ).rows
    assert rows == [("common", 1, 1), ("rare", 0, 2)]


def test_bucketize_exclude_boundaries(con: duckdb.DuckDBPyConnection) -> None:
    row = warehouse.execute(
        con,
        "SELECT ML.BUCKETIZE(2.5, [1, 2, 3], TRUE), ML.BUCKETIZE(2.5, [1, 2, 3], FALSE), ML.BUCKETIZE(0.5, [1, 2, 3], TRUE)",
    ).rows[0]
    assert row == ("bin_2", "bin_3", "bin_1")


_TRANSFORM = "CREATE MODEL ml.bad TRANSFORM({item} AS f, y) OPTIONS(model_type='linear_reg', input_label_cols=['y']) AS SELECT * FROM pets"


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            "ML.ONE_HOT_ENCODER(kind, 'first') OVER ()",
            "drop must be one of 'none', 'most_frequent', not 'first'",
        ),
        (
            "ML.ONE_HOT_ENCODER(kind, 'none', -1) OVER ()",
            "top_k must be a non-negative integer literal or NULL",
        ),
        ("ML.LABEL_ENCODER(kind, 1000000) OVER ()", "top_k 1000000 is too large"),
        ("ML.LABEL_ENCODER(kind, 10, kind2) OVER ()", "frequency_threshold must be a non-negative integer"),
        ("ML.LABEL_ENCODER(kind, 10, 5, 1) OVER ()", "ML.LABEL_ENCODER takes 1 to 3 arguments, got 4"),
        ("ML.STANDARD_SCALER(y, 2) OVER ()", "ML.STANDARD_SCALER takes 1 arguments, got 2"),
        ("ML.QUANTILE_BUCKETIZE(y) OVER ()", "ML.QUANTILE_BUCKETIZE takes 2 arguments, got 1"),
        ("ML.IMPUTER(y, mean) OVER ()", "ML.IMPUTER strategy must be a string literal, not 'mean'"),
        ("ML.BUCKETIZE(y, [1, 2], 'yes')", "exclude_boundaries must be TRUE or FALSE"),
        ("concat(ML.ONE_HOT_ENCODER(kind, 'most_frequent') OVER (), 'x')", "must be a whole TRANSFORM item"),
    ],
)
def test_bad_arguments_are_rejected(con: duckdb.DuckDBPyConnection, item: str, message: str) -> None:
    con.execute(_PETS)
    with pytest.raises(UsageError, match=message):
        warehouse.execute(con, _TRANSFORM.format(item=item))
