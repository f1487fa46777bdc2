"""BigQuery's ``INFORMATION_SCHEMA`` views (SCHEMATA, TABLES, COLUMNS) over DuckDB relations.

BigQuery lists a dataset's tables with ``dataset.INFORMATION_SCHEMA.TABLES`` / ``.COLUMNS`` and every
dataset with ``INFORMATION_SCHEMA.SCHEMATA`` (also ``region-us.INFORMATION_SCHEMA.…``, which lists all
datasets here; a view without a dataset lists all of them too). The lake is the dataset ``lake``;
each warehouse schema is a dataset of its own.

This module only knows the shape: how a reference to such a view looks in a sqlglot tree (BigQuery
parses ``lake.INFORMATION_SCHEMA.COLUMNS`` as one table name; DuckDB as catalog, schema, table), and
the rows of each view for a list of ``Listed`` relations, with BigQuery's column names and type
names. Who may see which relation is the caller's business: the privileged front end lists every
relation, a principal's session only the tables and columns its policy lets it read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlglot import exp
from sqlglot.errors import SqlglotError

from lakehouse.errors import UsageError

if TYPE_CHECKING:  # pyarrow is imported when a view is built (start-up time of `lakehouse sql`)
    import pyarrow as pa

PREFIX = "information_schema"
#: ``table_catalog`` / ``catalog_name``: BigQuery's project id; here the one project is the lakehouse
PROJECT = "lakehouse"
#: where a principal's session holds the views it was given (a name no dataset can have)
SESSION_SCHEMA = "_bq_information_schema"

#: each supported view: its BigQuery columns, in BigQuery's order (every one a string but ordinal_position)
VIEWS: dict[str, tuple[str, ...]] = {
    "SCHEMATA": ("catalog_name", "schema_name", "schema_owner", "location"),
    "TABLES": ("table_catalog", "table_schema", "table_name", "table_type", "is_insertable_into", "is_typed"),
    "COLUMNS": (
        "table_catalog",
        "table_schema",
        "table_name",
        "column_name",
        "ordinal_position",
        "is_nullable",
        "data_type",
        "is_hidden",
        "is_system_defined",
        "is_partitioning_column",
    ),
}
INTEGER_COLUMNS = frozenset({"ordinal_position"})
TABLE_TYPES = {"table": "BASE TABLE", "view": "VIEW"}


@dataclass(frozen=True)
class Listed:
    """One relation as the views list it: its dataset, name, kind and columns (DuckDB types)."""

    dataset: str
    table: str
    kind: str  # "table" or "view"
    columns: tuple[tuple[str, str, bool], ...]  # (name, DuckDB type, nullable)


@dataclass(frozen=True)
class Reference:
    """``dataset.INFORMATION_SCHEMA.view`` in a query; ``dataset`` None for every dataset."""

    node: exp.Table
    view: str
    dataset: str | None


def references(tree: exp.Expr) -> list[Reference]:
    """Every INFORMATION_SCHEMA view the query names; an unsupported view is one clear error."""
    out = []
    for node in tree.find_all(exp.Table):
        found = _reference(node)
        if found is None:
            continue
        view, dataset = found
        if view not in VIEWS:
            raise UsageError(
                f"INFORMATION_SCHEMA.{view} is not supported here",
                hint="supported: " + ", ".join(f"INFORMATION_SCHEMA.{v}" for v in VIEWS),
            )
        out.append(Reference(node, view, dataset))
    return out


def _reference(node: exp.Table) -> tuple[str, str | None] | None:
    """(VIEW, dataset or None) when ``node`` names an INFORMATION_SCHEMA view."""
    if not isinstance(node.this, exp.Identifier):
        return None
    name = node.name
    if name.lower().startswith(PREFIX + "."):  # BigQuery: `dataset`.`INFORMATION_SCHEMA.COLUMNS`
        return name.split(".", 1)[1].upper(), _dataset(node.db)
    if node.db.lower() == PREFIX:  # DuckDB (or BigQuery without backticks): lake.INFORMATION_SCHEMA.COLUMNS
        return name.upper(), _dataset(node.catalog)
    return None


def _dataset(qualifier: str) -> str | None:
    """``region-us`` and no qualifier mean every dataset."""
    if not qualifier or qualifier.lower().startswith("region-"):
        return None
    return qualifier.lower()


def rows(view: str, dataset: str | None, listed: Iterable[Listed], project: str = PROJECT) -> pa.Table:
    """The rows of ``view`` for ``dataset`` (None: all) over ``listed``."""
    relations = sorted(
        (r for r in listed if dataset is None or r.dataset.lower() == dataset),
        key=lambda r: (r.dataset, r.table),
    )
    data: list[Sequence[object]]
    if view == "SCHEMATA":
        datasets = sorted({r.dataset for r in relations})
        data = [[project] * len(datasets), datasets, [None] * len(datasets), [None] * len(datasets)]
    elif view == "TABLES":
        data = [
            [project] * len(relations),
            [r.dataset for r in relations],
            [r.table for r in relations],
            [TABLE_TYPES[r.kind] for r in relations],
            ["YES" if r.kind == "table" else "NO" for r in relations],
            ["NO"] * len(relations),
        ]
    else:
        data = [*_column_rows(relations, project)]
    import pyarrow as pa

    schema = pa.schema([(c, pa.int64() if c in INTEGER_COLUMNS else pa.string()) for c in VIEWS[view]])
    return pa.Table.from_arrays(
        [pa.array(c, t.type) for c, t in zip(data, schema, strict=True)], schema=schema
    )


def _column_rows(relations: list[Listed], project: str) -> list[list[object]]:
    out: list[list[object]] = [[] for _ in VIEWS["COLUMNS"]]
    for relation in relations:
        for position, (name, type_, nullable) in enumerate(relation.columns, start=1):
            values = (project, relation.dataset, relation.table, name, position,
                      "YES" if nullable else "NO", bigquery_type(type_), "NO", "NO", "NO")  # fmt: skip
            for column, value in zip(out, values, strict=True):
                column.append(value)
    return out


def bigquery_type(duckdb_type: str) -> str:
    """A DuckDB type as BigQuery names it (``VARCHAR`` -> ``STRING``, ``BIGINT`` -> ``INT64`` ...)."""
    try:
        return exp.DataType.build(duckdb_type, dialect="duckdb").sql("bigquery")
    except SqlglotError:  # a DuckDB-only type BigQuery has no name for (UNION, MAP ...): keep DuckDB's
        return duckdb_type
