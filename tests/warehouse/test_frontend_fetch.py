"""The SQL front end's fast path: plain results come back as the same Python values without pyarrow, and
a statement without ML never imports the ML engine."""

from __future__ import annotations

import duckdb
import pytest

from warehouse.sql.dialect import parse
from warehouse.sql.frontend import execute, fetch, lake_use, uses_ml
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


#: instants around the zones' changes (a fold in New York on 2024-11-03), far from them, and NULL
INSTANTS = (
    "TIMESTAMPTZ '2024-03-10 06:59:59.999999+00'",
    "TIMESTAMPTZ '2024-11-03 05:30:00+00'",
    "TIMESTAMPTZ '2024-11-03 06:30:00+00'",
    "TIMESTAMPTZ '1900-01-01 00:00:00+00'",
    "TIMESTAMPTZ '9999-12-30 00:00:00+00'",
    "NULL",
)


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"])
def test_timestamptz_values_equal_what_arrow_gives(zone: str) -> None:
    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{zone}'")
    sql = " UNION ALL ".join(f"SELECT {value} AS t, {i} AS i" for i, value in enumerate(INSTANTS))
    result = fetch(con, sql + " ORDER BY i")
    assert result.arrow is not None  # TIMESTAMPTZ is not a plain type: fetched as Arrow
    expected = [tuple(r.values()) for r in result.arrow.to_pylist()]
    assert result.rows == expected
    assert [(v.tzinfo, v.fold) for v, _ in result.rows if v is not None] == [
        (v.tzinfo, v.fold) for v, _ in expected if v is not None
    ]
    folded = result.rows[2][0]
    assert zone != "America/New_York" or (folded.hour, folded.fold) == (1, 1)  # the second 01:30 that day


def test_two_columns_of_one_name_keep_both_values() -> None:
    con = duckdb.connect()
    result = fetch(con, "SELECT [1] AS a, [2] AS a")
    assert result.columns == ["a", "a"]
    assert result.rows == [([1], [2])]


@pytest.mark.parametrize(
    ("sql", "reads"),
    [
        ("SELECT a FROM lake.t", True),
        ("SELECT 1; SELECT b FROM t UNION ALL SELECT c FROM u", True),
        ("SELECT * FROM ML.PREDICT(MODEL m, TABLE t)", False),  # the ML engine may write its scratch
        ("SELECT 1; INSERT INTO lake.t VALUES (1)", False),
        ("CREATE TABLE lake.t AS SELECT 1 AS a", False),
        ("DELETE FROM lake.t WHERE a = 1", False),
        ("DECLARE x INT64 DEFAULT 1; SELECT x", False),  # a script may write anything
    ],
)
def test_lake_use_tells_a_read_from_a_write(sql: str, reads: bool) -> None:
    assert (lake_use(sql) != "write") is reads
