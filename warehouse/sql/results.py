"""Statement results, and DuckDB SQL run as is: nothing here imports sqlglot.

``lakehouse sql --dialect duckdb`` and a SELECT of literals (``literals``) run through this module
alone, so they pay neither for sqlglot nor for the BigQuery front end (``frontend``).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb

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


def run_duckdb(con: duckdb.DuckDBPyConnection, text: str, params: Params = None) -> list[Result]:
    """Run DuckDB SQL as is (no BigQuery rewrites, no ML statements); one Result per statement."""
    try:
        statements = con.extract_statements(text)
    except duckdb.ParserException as exc:
        raise UsageError(parse_error_message(exc, "the DuckDB SQL"), hint="DuckDB SQL expected") from exc
    return [result_of(con.execute(s, params) if params else con.execute(s)) for s in statements]


def result_of(cursor: duckdb.DuckDBPyConnection) -> Result:
    """The rows of an executed statement: plain-typed columns as Python rows, others through Arrow."""
    if cursor.description is None:
        return Result(message="ok")
    if all(column[1].id in PLAIN_TYPES for column in cursor.description):
        return Result(columns=[column[0] for column in cursor.description], rows=cursor.fetchall())
    table = cursor.fetch_arrow_table()
    return Result(columns=list(table.column_names), rows=python_rows(table), arrow=table)


def python_rows(table: pa.Table) -> list[tuple[Any, ...]]:
    """The rows of ``table`` as Python values, the same objects as ``to_pylist`` gives, column by column
    (so two columns of one name both keep their values, as ``fetchall`` keeps them)."""
    return list(zip(*(_python_values(column) for column in table.columns), strict=True))


def _python_values(column: pa.ChunkedArray) -> list[Any]:
    """One column's values; a TIMESTAMPTZ column (Arrow ``timestamp[us, tz]``) converted here.

    pyarrow converts such a value with the zoneinfo zone of ``tz`` whatever else is installed, but
    first imports pandas (~0.3 s) to decide that, which only matters for nanoseconds (pyarrow's
    ``TimestampScalar.as_py``). This does what its ``_datetime_from_int`` does, with the zone from the
    same ``string_to_tzinfo``, on the column's microseconds since the epoch (a zero-copy view: a cast
    would import ``pyarrow.compute``, ~0.06 s). tests/warehouse/test_frontend_fetch.py proves the objects
    equal to pyarrow's, zone and fold included.
    """
    import pyarrow as pa  # the cursor's fetch_arrow_table imported it already

    kind = column.type
    if not (pa.types.is_timestamp(kind) and kind.tz is not None and kind.unit == "us"):
        return column.to_pylist()
    zone = pa.lib.string_to_tzinfo(kind.tz)
    return [
        None if micros is None else (_EPOCH + datetime.timedelta(microseconds=micros)).astimezone(zone)
        for chunk in column.chunks
        for micros in chunk.view(pa.int64()).to_pylist()
    ]


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
