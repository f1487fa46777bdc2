"""``automatic.encode_numeric`` (numpy) gives the same bits as ``automatic.encode`` (SQL) for a numeric
dimension, whichever of imputation, standardization and centering the model type asks for."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest
from sqlglot import exp

from warehouse.ml.preprocessing import automatic
from warehouse.ml.sqlexpr import ident, sql


@pytest.mark.parametrize(
    ("standardize", "impute", "center"),
    [
        (True, True, False),
        (False, True, True),
        (False, True, False),
        (True, False, False),
        (False, False, True),
    ],
)
def test_numpy_encoding_equals_the_sql_encoding(standardize: bool, impute: bool, center: bool) -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT CASE WHEN i % 7 = 0 THEN NULL ELSE sin(i * 1.37) * 1234.5 + 98765.4321 END AS x, "
        "CASE WHEN i % 11 = 0 THEN NULL ELSE CAST(i % 13 AS INTEGER) END AS n FROM range(10000) r(i)"
    )
    source = exp.to_table("t")
    features = automatic.fit(con, exp.select("*").from_(source), [("x", "DOUBLE"), ("n", "INTEGER")])
    encoded = automatic.encode(
        features, automatic.dims(features), standardize=standardize, impute=impute, center=center
    )
    query = exp.select(*[exp.alias_(e, ident(f"e{i}")) for i, e in enumerate(encoded)]).from_(source.copy())
    expected = con.execute(sql(query)).to_arrow_table()
    raw = con.execute("SELECT CAST(x AS DOUBLE) AS x, CAST(n AS DOUBLE) AS n FROM t").to_arrow_table()
    for i, f in enumerate(features):
        out = np.empty(raw.num_rows)
        column = raw.column(f.name).combine_chunks()
        automatic.encode_numeric(f, column, out, standardize=standardize, impute=impute, center=center)
        want = expected.column(i).to_numpy()  # a NULL is NaN in both
        assert np.isnan(want).any() != impute, "the data has NULLs that only imputation fills"
        np.testing.assert_array_equal(out, want, strict=True, err_msg=f"{f.name}: {standardize=} {impute=}")
