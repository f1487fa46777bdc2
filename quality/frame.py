"""One canonical view of a batch, shared by both validation engines.

GX's pandas engine and our DuckDB-SQL engine must see the same values and the same column types, or their
verdicts could differ. So both read the batch through ``canonical_select``: integers widen to BIGINT, floats
and decimals to DOUBLE with NaN as missing, dates and timestamps to a UTC TIMESTAMP. ``to_pandas`` then maps
each canonical type to one nullable pandas dtype, so a column's dtype never depends on whether it holds NULLs.

``CANONICAL_TYPES`` is the single table behind both: the SQL type a DuckDB type becomes, the type name a suite
uses in ``expect_column_values_to_be_in_type_list`` (a name GX's pandas engine matches), and the value GX
reports as observed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import sqlglot
from sqlglot import exp

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class CanonicalType:
    sql: str  # the DuckDB type the column is cast to
    gx_name: str  # what a suite writes in type_list / type_
    observed: str  # what GX reports as observed_value for it


_INTEGER = CanonicalType("BIGINT", "Int64Dtype", "int64")
_FLOAT = CanonicalType("DOUBLE", "Float64Dtype", "float64")
_STRING = CanonicalType("VARCHAR", "StringDtype", "str")
_BOOLEAN = CanonicalType("BOOLEAN", "BooleanDtype", "bool")
_TIMESTAMP = CanonicalType("TIMESTAMP", "datetime64[us]", "datetime64")

#: DuckDB type id -> canonical type; ids not listed (structs, lists, blobs ...) pass through as objects
CANONICAL_TYPES: dict[str, CanonicalType] = {
    **dict.fromkeys(
        ["tinyint", "smallint", "integer", "bigint", "utinyint", "usmallint", "uinteger"], _INTEGER
    ),
    **dict.fromkeys(["float", "double", "decimal", "ubigint", "hugeint", "uhugeint"], _FLOAT),
    **dict.fromkeys(["varchar", "uuid"], _STRING),
    "boolean": _BOOLEAN,
    **dict.fromkeys(
        ["date", "timestamp", "timestamp_s", "timestamp_ms", "timestamp_ns", "timestamp with time zone"],
        _TIMESTAMP,
    ),
}
#: the type names a suite may use, with what GX observes for each
TYPE_NAMES: dict[str, str] = {t.gx_name: t.observed for t in CANONICAL_TYPES.values()}


@dataclass(frozen=True)
class Column:
    name: str
    duckdb_type: str  # as DuckDB reports it, e.g. "TIMESTAMP WITH TIME ZONE"
    canonical: CanonicalType | None  # None: nested or binary, kept as is


def columns_of(con: duckdb.DuckDBPyConnection, relation: str) -> list[Column]:
    """The columns of a table or view (``relation`` may be qualified, e.g. ``lake.orders``)."""
    rel = con.sql(f"SELECT * FROM {table_sql(relation)} LIMIT 0")
    return [
        Column(name, str(dtype), CANONICAL_TYPES.get(dtype.id))
        for name, dtype in zip(rel.columns, rel.types, strict=True)
    ]


EXISTS_SQL = (Path(__file__).parent / "relation_exists.sql").read_text(encoding="utf-8")


def relation_exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    """Whether a table or view exists, asked without raising (an error would abort the caller's transaction)."""
    parts = relation.split(".")
    params = {"name": parts[-1], "schema": parts[-2] if len(parts) > 1 else None}
    row = con.execute(EXISTS_SQL, params).fetchone()
    return bool(row and row[0])


def table_sql(relation: str) -> str:
    """A possibly qualified relation name as quoted SQL (``lake.orders`` -> ``"lake"."orders"``)."""
    parts = relation.split(".")
    if not 1 <= len(parts) <= 3 or not all(parts):
        raise ValueError(f"not a relation name: {relation!r}")
    return ".".join(exp.to_identifier(p, quoted=True).sql("duckdb") for p in parts)


def _canonical_expression(column: Column) -> exp.Expr:
    col = exp.column(column.name, quoted=True)
    canonical = column.canonical
    if canonical is None or column.duckdb_type.upper() == canonical.sql:
        value: exp.Expr = col
    elif column.duckdb_type == "TIMESTAMP WITH TIME ZONE":
        value = exp.func("timezone", exp.Literal.string("UTC"), col)
    else:
        value = exp.cast(col, canonical.sql)
    if canonical is _FLOAT:  # NaN is missing, as in pandas
        value = exp.If(this=exp.func("isnan", value), true=exp.null(), false=value)
    return exp.alias_(value, column.name, quoted=True)


def canonical_select(columns: list[Column], relation: str) -> str:
    """SQL that reads ``relation`` with every column in its canonical type."""
    query = exp.select(*[_canonical_expression(c) for c in columns]).from_(
        sqlglot.parse_one(table_sql(relation), into=exp.Table, read="duckdb")
    )
    return query.sql("duckdb")


def to_pandas(con: duckdb.DuckDBPyConnection, columns: list[Column], relation: str) -> pd.DataFrame:
    """The canonical batch as a pandas frame with nullable dtypes (what GX's pandas engine validates)."""
    import pandas as pd
    import pyarrow as pa

    mapping = {
        pa.int64(): pd.Int64Dtype(),
        pa.float64(): pd.Float64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
        pa.string(): pd.StringDtype(),
        pa.large_string(): pd.StringDtype(),
        pa.string_view(): pd.StringDtype(),
    }
    table = con.sql(canonical_select(columns, relation)).arrow()
    if isinstance(table, pa.RecordBatchReader):
        table = table.read_all()
    return table.to_pandas(types_mapper=mapping.get)
