"""BigQuery scripting through the front end (``warehouse/sql/script.py``): DECLARE, SET, IF, BEGIN … END
and loops, as BigQuery's procedural-language reference describes them. The IF statements are the
reference's own (verbatim, dataset names dropped); the tables they read are ours, since the page prints
none. Documented loop and block results are in tests/fixtures/bigquery_corpus/procedural-language.yml."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

import warehouse
from lakehouse.errors import UsageError
from tests.conftest import CliResult
from warehouse.sql import run_script

#: https://cloud.google.com/bigquery/docs/reference/standard-sql/procedural-language#if (verbatim)
IF_ELSEIF = """
DECLARE target_product_id INT64 DEFAULT 103;
IF EXISTS(SELECT 1 FROM products
           WHERE product_id = target_product_id) THEN
  SELECT CONCAT('found product ', CAST(target_product_id AS STRING));
  ELSEIF EXISTS(SELECT 1 FROM more_products
           WHERE product_id = target_product_id) THEN
  SELECT CONCAT('found product from more_products table',
  CAST(target_product_id AS STRING));
ELSE
  SELECT CONCAT('did not find product ', CAST(target_product_id AS STRING));
END IF;
"""


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute("CREATE TABLE products (product_id BIGINT, name VARCHAR)")
    connection.execute("CREATE TABLE more_products (product_id BIGINT, name VARCHAR)")
    yield connection
    connection.close()


def _values(con: duckdb.DuckDBPyConnection, text: str) -> list[list[object]]:
    return [[row[0] for row in result.rows] for result in run_script(con, text)]


@pytest.mark.parametrize(
    ("products", "more_products", "expected"),
    [
        ([103], [], "found product 103"),
        ([101], [103], "found product from more_products table103"),
        ([101], [104], "did not find product 103"),
    ],
)
def test_the_references_if_elseif_else(
    con: duckdb.DuckDBPyConnection, products: list[int], more_products: list[int], expected: str
) -> None:
    for table, ids in (("products", products), ("more_products", more_products)):
        for product_id in ids:
            con.execute(f"INSERT INTO {table} VALUES (?, 'p')", [product_id])
    assert _values(con, IF_ELSEIF) == [[expected]]


def test_set_forms_and_types(con: duckdb.DuckDBPyConnection) -> None:
    script = """
    DECLARE a INT64; DECLARE b STRING; DECLARE c BOOL; DECLARE d DATE DEFAULT DATE '2024-02-29';
    SET (a, b, c) = (1 + 3, 'foo', false);
    SELECT a, b, c, DATE_ADD(d, INTERVAL 1 DAY) AS next_day;
    SET (a, b) = (SELECT AS STRUCT 7, 'bar');
    SET c = a > 5;
    SELECT a, b, c;
    """
    first, second = (r.rows for r in run_script(con, script))
    assert first[0][:3] == (4, "foo", False) and str(first[0][3]) == "2024-03-01"
    assert second == [(7, "bar", True)]


def test_a_variable_holds_a_query_result_and_a_column_wins_over_a_variable(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute("INSERT INTO products VALUES (101, 'kale'), (103, 'leek')")
    script = """
    DECLARE names ARRAY<STRING>;
    DECLARE product_id INT64 DEFAULT 7;
    SET names = (SELECT ARRAY_AGG(name ORDER BY name) FROM products);
    SELECT names;
    SELECT product_id FROM products ORDER BY product_id;
    SELECT product_id;
    """
    assert _values(con, script) == [[["kale", "leek"]], [101, 103], [7]]


def test_blocks_scope_their_variables(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(UsageError, match="variable x is already declared in this block or an outer one"):
        run_script(con, "DECLARE x INT64; BEGIN DECLARE x INT64; END;")
    with pytest.raises(duckdb.BinderException, match='column "y" was not found'):
        run_script(con, "BEGIN DECLARE y INT64 DEFAULT 1; END; SELECT y;")


def test_loops_with_break_and_continue(con: duckdb.DuckDBPyConnection) -> None:
    script = """
    DECLARE x INT64 DEFAULT 0; DECLARE total INT64 DEFAULT 0;
    WHILE x < 10 DO
      SET x = x + 1;
      IF MOD(x, 2) = 0 THEN CONTINUE; END IF;
      IF x > 7 THEN BREAK; END IF;
      SET total = total + x;
    END WHILE;
    SELECT x, total;
    """
    assert run_script(con, script)[-1].rows == [(9, 1 + 3 + 5 + 7)]


def test_a_null_condition_is_false(con: duckdb.DuckDBPyConnection) -> None:
    script = (
        "DECLARE n INT64; IF n > 0 THEN SELECT 'positive'; ELSE SELECT 'not known to be positive'; END IF;"
    )
    assert _values(con, script) == [["not known to be positive"]]


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("SET x = 5;", "SET: x is not a declared variable"),
        ("IF true THEN SELECT 1;", "the script ends inside IF"),
        ("IF true THEN SELECT 1; END WHILE;", r"'END WHILE' does not close the open block \(IF: END IF\)"),
        ("DECLARE x INT64; BREAK;", "BREAK outside of a loop"),
        ("DECLARE x INT64; IF THEN SELECT 1; END IF;", "IF needs a condition and THEN"),
        ("DECLARE x INT64; WHILE x < 3 SELECT 1; END WHILE;", "WHILE needs a condition and DO"),
        (
            "DECLARE x INT64; EXECUTE IMMEDIATE 'SELECT 1';",
            "BigQuery scripting is not supported here: EXECUTE",
        ),
        (
            "DECLARE x INT64; SET x = (SELECT product_id FROM UNNEST([1, 2]) AS product_id);",
            "More than one row returned by a subquery",
        ),
    ],
)
def test_script_errors_are_one_line(con: duckdb.DuckDBPyConnection, script: str, message: str) -> None:
    with pytest.raises((UsageError, duckdb.InvalidInputException), match=message) as caught:
        run_script(con, script)
    assert "\n" not in str(caught.value).split("\n\n")[0]


def test_plain_statements_are_not_a_script(con: duckdb.DuckDBPyConnection) -> None:
    """Semicolons in strings and comments do not split; a statement list runs as before."""
    results = run_script(con, "SELECT 'a;b' AS s; -- a comment; with a semicolon\nSELECT 2 AS n")
    assert [r.rows for r in results] == [[("a;b",)], [(2,)]]
    assert warehouse.execute(con, "DECLARE s STRING DEFAULT 'x;y'; SELECT s").rows == [("x;y",)]


def test_lakehouse_sql_runs_a_script_file(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    """The CLI reads a script file as one script (no statement-by-statement parse, no parser warnings)."""
    path = tmp_path / "count.sql"
    path.write_text(
        "DECLARE x INT64 DEFAULT 0;\nREPEAT\n  SET x = x + 1;\n  UNTIL x >= 3\nEND REPEAT;\nSELECT x AS n;\n"
    )
    result = cli("sql", "-f", str(path), "--json")
    assert result.code == 0, result.err
    assert result.json() == [{"n": 3}]
    assert result.err == ""
    bad = cli("sql", "DECLARE x INT64; WHILE x < 3 SELECT 1; END WHILE;")
    assert bad.code == 2 and bad.err.strip().splitlines() == [
        "error: 'WHILE x < 3 SELECT 1': WHILE needs a condition and DO (IF x > 0 THEN …; WHILE x < 10 DO …)"
    ]
