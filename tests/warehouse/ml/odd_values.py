"""Tables with odd values (NULL, NaN, infinities) in some rows, for the tests of how models treat them."""

from __future__ import annotations

import duckdb

import warehouse


def with_values(con: duckdb.DuckDBPyConnection, name: str, column: str, value: str, where: str) -> None:
    """``d.<name>``: ``d.t`` with ``column`` set to ``value`` (SQL, cast to DOUBLE) in the rows ``where`` holds."""
    con.execute(
        f"CREATE TABLE d.{name} AS SELECT * REPLACE "
        f"(CASE WHEN {where} THEN CAST({value} AS DOUBLE) ELSE {column} END AS {column}) FROM d.t"
    )


def rows(con: duckdb.DuckDBPyConnection, query: str) -> list[tuple[object, ...]]:
    """The rows of a statement run as users run it (``warehouse.execute``)."""
    return warehouse.execute(con, query).rows
