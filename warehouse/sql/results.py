"""Statement results, and DuckDB SQL run as is: nothing here imports sqlglot.

``lakehouse sql --dialect duckdb`` and a SELECT of literals (``literals``) run through this module
alone, so they pay neither for sqlglot nor for the BigQuery front end (``frontend``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import duckdb

from lakehouse.arrow_rows import python_rows
from lakehouse.errors import UsageError, parse_error_message

if TYPE_CHECKING:  # imported when a result has a column of a non-plain type (start-up time)
    import pyarrow as pa

Params = Sequence[Any] | Mapping[str, Any] | None

#: DuckDB type ids whose values are the same Python objects through ``fetchall`` and through Arrow's
#: ``to_pylist`` (tests/warehouse/test_frontend_fetch.py proves it); any other column is fetched as Arrow
PLAIN_TYPES = frozenset(
    {
        "boolean",
        "tinyint",
        "smallint",
        "integer",
        "bigint",
        "utinyint",
        "usmallint",
        "uinteger",
        "ubigint",
        "float",
        "double",
        "decimal",
        "varchar",
        "date",
        "timestamp",
        "blob",
    }
)


@dataclass
class Result:
    """The outcome of one statement: its rows (possibly none) and, for DDL and ML statements, a message."""

    columns: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    message: str | None = None
    arrow: pa.Table | None = None
    changed_models: bool = False  # CREATE/DROP MODEL: the catalog's model list is stale

    def to_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


#: what a script does with the lake (``frontend.lake_use``, ``duckdb_lake_use``)
LakeUse = Literal["none", "read", "write"]


def _duckdb_statements(text: str, con: duckdb.DuckDBPyConnection | None = None) -> list[duckdb.Statement]:
    """The statements of DuckDB SQL ``text``, parsed by DuckDB (``con``'s, or the module's default
    in-memory connection: the parser needs no catalog); a parse error is one plain line."""
    try:
        return (con or duckdb.default_connection()).extract_statements(text)
    except duckdb.ParserException as exc:
        raise UsageError(parse_error_message(exc, "the DuckDB SQL"), hint="DuckDB SQL expected") from exc


def duckdb_lake_use(text: str) -> LakeUse:
    """What DuckDB SQL ``text`` needs of the lake, as DuckDB's own parser tells its statements apart: ``read``
    when every one is a query (SELECT, FROM-first, DESCRIBE, SHOW, SUMMARIZE: the lake may be attached
    read-only), else ``write``. A query that names a ``ducklake_`` function counts as a write: some of
    them write from a SELECT (``FROM ducklake_expire_snapshots('lake')``), and DuckDB's parse does not
    list a statement's functions (a mention in a string literal only keeps the lake writable)."""
    statements = _duckdb_statements(text)
    if all(s.type == duckdb.StatementType.SELECT and "ducklake_" not in s.query.lower() for s in statements):
        return "read"
    return "write"


def run_duckdb(con: duckdb.DuckDBPyConnection, text: str, params: Params = None) -> list[Result]:
    """Run DuckDB SQL as is (no BigQuery rewrites, no ML statements); one Result per statement."""
    statements = _duckdb_statements(text, con)
    return [result_of(con.execute(s, params) if params else con.execute(s)) for s in statements]


def result_of(cursor: duckdb.DuckDBPyConnection) -> Result:
    """The rows of an executed statement: plain-typed columns as Python rows, others through Arrow."""
    if cursor.description is None:
        return Result(message="ok")
    if all(column[1].id in PLAIN_TYPES for column in cursor.description):
        return Result(columns=[column[0] for column in cursor.description], rows=cursor.fetchall())
    table = cursor.fetch_arrow_table()
    return Result(columns=list(table.column_names), rows=python_rows(table), arrow=table)
