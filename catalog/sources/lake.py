"""Lake tables: columns and types from DuckLake's metadata, statistics computed with SQL.

For every table not starting with ``_`` (the lake's own bookkeeping) this reads its columns and
comments, each column's original name in the source files (``lake._columns``, written by the lake as
``LakeColumnOrigin`` rows), freshness (the last snapshot that touched the table) and schema history
(``catalog.sources.lake_history``); then it computes row count, null fraction, distinct count, min/max
and top values in one scan, samples text values for PII detection and collects the source files
(``_source_uri``) as lineage.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

import duckdb

from catalog.model import ColumnRecord, DatasetRecord, LineageEdge, SchemaChange
from catalog.sources import ducklake, lake_history
from catalog.stats import profile
from lakehouse.contracts import SOURCE_URI, LakeColumnOrigin, LakeNullMarker, stored_columns
from lakehouse.quoting import ident

log = logging.getLogger(__name__)
MAX_SOURCE_FILES = 10_000
#: a lake table with all these columns holds image metadata
IMAGE_COLUMNS = frozenset({"sha256", "width", "height"})


@dataclass
class LakeScan:
    records: list[DatasetRecord] = field(default_factory=list)
    edges: list[LineageEdge] = field(default_factory=list)
    changes: list[SchemaChange] = field(default_factory=list)


@dataclass(frozen=True)
class LakeColumn:
    name: str
    type: str
    comment: str


@dataclass(frozen=True)
class LakeTable:
    schema: str
    name: str
    comment: str
    columns: tuple[LakeColumn, ...]

    @property
    def qualified(self) -> str:
        return ducklake.qualified(self.schema, self.name)

    @property
    def relation(self) -> str:
        return ducklake.relation(self.schema, self.name)


def _columns(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[LakeColumn]]:
    """(schema, table) -> its columns in order (``duckdb_columns()``: cheap, unlike ``duckdb_tables()``)."""
    columns: dict[tuple[str, str], list[LakeColumn]] = defaultdict(list)
    for schema, table, *column in con.execute(ducklake.statements()["columns"]).fetchall():
        columns[(schema, table)].append(LakeColumn(*column))
    return columns


def tables(con: duckdb.DuckDBPyConnection) -> list[LakeTable]:
    """The lake's tables with their columns, in name order (bookkeeping tables left out)."""
    columns = _columns(con)
    rows = con.execute(ducklake.statements()["tables"]).fetchall()
    return [LakeTable(s, t, comment, tuple(columns[(s, t)])) for s, t, comment in rows]


def tables_named(
    con: duckdb.DuckDBPyConnection, ids: dict[int, ducklake.LakeTableId], only: set[str]
) -> list[LakeTable]:
    """``tables`` for the catalog names in ``only`` alone, without ``duckdb_tables()`` (which makes
    DuckLake gather every table's statistics): the list and comments from DuckLake's metadata
    (``ducklake.table_ids``, ``ducklake.table_comments``)."""
    wanted = sorted(
        (t for t in ids.values() if t.qualified in only and not t.name.startswith("_")),
        key=lambda t: (t.schema, t.name),
    )
    if not wanted:
        return []
    columns, comments = _columns(con), ducklake.table_comments(con)
    return [
        LakeTable(t.schema, t.name, comments.get(t.table_id, ""), tuple(columns[(t.schema, t.name)]))
        for t in wanted
    ]


def original_names(
    con: duckdb.DuckDBPyConnection, present: set[str] | None = None
) -> dict[str, dict[str, str]]:
    """Catalog name -> {column: its name in the source files}, for columns whose name was normalized.

    A column several source names were mapped to lists them all, in name order. ``present``: the
    bookkeeping tables when the caller has read them (``ducklake.bookkeeping_tables``).
    """
    if LakeColumnOrigin.TABLE not in (ducklake.bookkeeping_tables(con) if present is None else present):
        return {}
    query = ducklake.select_bookkeeping(LakeColumnOrigin.TABLE, stored_columns(LakeColumnOrigin))
    names: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for origin in (LakeColumnOrigin(*row) for row in con.execute(query).fetchall()):
        if origin.source_name != origin.column_name:
            names[ducklake.qualified("main", origin.dataset)][origin.column_name].add(origin.source_name)
    return {table: {c: ", ".join(sorted(s)) for c, s in cols.items()} for table, cols in names.items()}


def null_markers(
    con: duckdb.DuckDBPyConnection, present: set[str] | None = None
) -> dict[str, dict[str, list[str]]]:
    """Catalog name -> {column: the null markers its ingests read as NULL} (``lake._null_markers``)."""
    if LakeNullMarker.TABLE not in (ducklake.bookkeeping_tables(con) if present is None else present):
        return {}
    query = ducklake.select_bookkeeping(LakeNullMarker.TABLE, stored_columns(LakeNullMarker))
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in (LakeNullMarker(*r) for r in con.execute(query).fetchall()):
        found[ducklake.qualified("main", row.dataset)][row.column_name].add(row.marker)
    return {table: {c: sorted(m) for c, m in sorted(cols.items())} for table, cols in found.items()}


def sources_sql(table: LakeTable) -> str:
    uri = ident(SOURCE_URI)
    where = f"WHERE {uri} IS NOT NULL LIMIT {MAX_SOURCE_FILES}"
    return f"SELECT DISTINCT {uri} FROM {table.relation} {where}"  # noqa: S608 - quoted names


def scan_table(
    con: duckdb.DuckDBPyConnection,
    table: LakeTable,
    fresh: ducklake.Snapshot | None,
    originals: dict[str, str],
    markers: dict[str, list[str]] | None = None,
) -> tuple[DatasetRecord, list[LineageEdge]]:
    """One lake table: statistics, PII findings and source-file lineage."""
    typed = [(c.name, c.type) for c in table.columns]
    rows, stats, findings = profile(con, table.relation, typed)
    columns = tuple(
        ColumnRecord(c.name, c.type, i + 1, c.comment, originals.get(c.name), (), stats[i], findings[c.name])
        for i, c in enumerate(table.columns)
    )
    names = {c.name for c in table.columns}
    kind, layer = ("image", "image") if names >= IMAGE_COLUMNS else ("table", "raw")
    edges = []
    if SOURCE_URI in names:
        uris = [r[0] for r in con.execute(sources_sql(table)).fetchall()]
        edges = [LineageEdge(f"file:{uri}", table.qualified, "ingest") for uri in uris]
    record = DatasetRecord(
        table.qualified, kind, layer, "lake", table.comment, columns=columns, row_count=rows,
        snapshot_id=fresh.snapshot_id if fresh else None, updated_at=fresh.at if fresh else None,
        properties={"null_markers": markers} if markers else {},
    )  # fmt: skip
    return record, edges


def scan(con: duckdb.DuckDBPyConnection, *, only: set[str] | None = None) -> LakeScan:
    """Everything the catalog knows about the lake attached to ``con`` as ``lake``.

    ``only`` limits the scan to these catalog names (``lake.orders``): after an ingest, only the tables
    the batch wrote are read (their list, comments and columns from DuckLake's metadata, ``tables_named``);
    the whole lake is scanned when ``only`` is None (``lakehouse catalog refresh``).
    """
    out = LakeScan()
    ids = ducklake.table_ids(con)
    fresh = ducklake.freshness(con, ids)
    present = ducklake.bookkeeping_of(ids)  # read once: each query of the lake's tables costs
    originals = original_names(con, present)
    markers = null_markers(con, present)
    for table in tables(con) if only is None else tables_named(con, ids, only):
        name = table.qualified
        record, edges = scan_table(con, table, fresh.get(name), originals.get(name, {}), markers.get(name))
        out.records.append(record)
        out.edges += edges
    out.changes = [c for c in lake_history.changes(con, present, ids) if only is None or c.dataset in only]
    return out
