"""The SQL front end's fast path: plain results come back as the same Python values without pyarrow, and
a statement without ML never imports the ML engine."""

from __future__ import annotations

import duckdb
import pytest

from warehouse.sql.dialect import parse
from warehouse.sql.frontend import execute, fetch, uses_ml
from warehouse.sql.results import PLAIN_TYPES

#: one value of every plain type (and NULLs), as DuckDB SQL
PLAIN = {
    "boolean": "true",
    "tinyint": "-7::TINYINT",
    "smallint": "300::SMALLINT",
    "integer": "70000::INTEGER",
    "bigint": "9007199254740993::BIGINT",
    "utinyint": "200::UTINYINT",
    "usmallint": "60000::USMALLINT",
    "uinteger": "4000000000::UINTEGER",
    "ubigint": "18446744073709551615::UBIGINT",
    "float": "1.1::FLOAT",
    "double": "0.1::DOUBLE",
    "decimal": "123.4567::DECIMAL(18,4)",
    "varchar": "'héllo'",
    "date": "DATE '2024-02-29'",
    "timestamp": "TIMESTAMP '2024-02-29 12:34:56.789012'",
    "blob": "'\\xAA\\x00'::BLOB",
}


def test_every_plain_type_is_listed() -> None:
    assert set(PLAIN) == set(PLAIN_TYPES)


@pytest.mark.parametrize("type_id", sorted(PLAIN))
def test_plain_values_equal_what_arrow_gives(type_id: str) -> None:
    con = duckdb.connect()
    sql = f"SELECT {PLAIN[type_id]} AS v UNION ALL SELECT NULL"
    expected = [tuple(r.values()) for r in con.execute(sql).fetch_arrow_table().to_pylist()]
    result = fetch(con, sql)
    assert con.execute(sql).description[0][1].id == type_id
    assert result.arrow is None  # the fast path was taken
    assert result.rows == expected
    assert [type(v) for row in result.rows for v in row] == [type(v) for row in expected for v in row]


def test_other_types_still_come_through_arrow() -> None:
    con = duckdb.connect()
    result = execute(
        con, "SELECT [1, 2] AS l, {'a': 1} AS s, 170141183460469231731687303715884105727::HUGEINT AS h"
    )
    assert result.arrow is not None
    assert result.rows == [([1, 2], {"a": 1}, result.arrow.column("h").to_pylist()[0])]


@pytest.mark.parametrize(
    ("sql", "ml"),
    [
        ("SELECT 1", False),
        ("SELECT a.b FROM t AS a", False),
        ("SELECT ml.x FROM ml", False),  # a column of a table named ml is not an ML function
        ("SELECT * FROM ML.PREDICT(MODEL m, TABLE t)", True),
        ("SELECT ML.STANDARD_SCALER(x) OVER () FROM t", True),
        ("SELECT ml.bucketize(x, [1, 2]) FROM t", True),
        ("CREATE MODEL m OPTIONS(model_type='linear_reg') AS SELECT 1 AS label", True),
        ("DROP MODEL m", True),
    ],
)
def test_uses_ml(sql: str, ml: bool) -> None:
    assert uses_ml(parse(sql)[0]) is ml
