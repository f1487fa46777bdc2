"""Lake tables: columns and types from DuckLake's metadata, statistics computed with SQL.

For every table not starting with ``_`` (internal: quarantine, schema-change records) this reads
columns, comments, freshness (the last snapshot that touched the table) and schema history (DuckLake
column versions, plus the ingest helper's ``lake._schema_changes`` rows when that table exists), then
computes row count, null fraction, distinct count, min/max and top values in one scan, samples text
values for PII detection and collects the source files (``_source_uri``) as lineage.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from catalog.model import ColumnRecord, DatasetRecord, LineageEdge, SchemaChange
from catalog.stats import profile

log = logging.getLogger(__name__)
MAX_SOURCE_FILES = 10_000
#: a lake table with all these columns holds image metadata
IMAGE_COLUMNS = frozenset({"sha256", "width", "height"})
#: types for which min/max/top values mean something
ORDERABLE = re.compile(
    r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|U\w*INT|FLOAT|DOUBLE|DECIMAL.*|DATE|TIME.*|VARCHAR|BOOLEAN|UUID)$"
)
#: types whose sampled values are worth showing to the PII detector
SAMPLED = re.compile(r"^(VARCHAR|DATE|TIMESTAMP.*)$")
_CHANGE = re.compile(r'(\w+):("(?:[^"]|"")*"(?:\."(?:[^"]|"")*")?|\d+)')


@cache
def statements() -> dict[str, str]:
    text = Path(__file__).with_name("lake.sql").read_text(encoding="utf-8")
    parts = re.split(r"^-- name: (\w+)\s*$", text, flags=re.M)
    return {name: body.strip().rstrip(";") for name, body in zip(parts[1::2], parts[2::2], strict=True)}


@dataclass
class LakeScan:
    records: list[DatasetRecord] = field(default_factory=list)
    edges: list[LineageEdge] = field(default_factory=list)
    changes: list[SchemaChange] = field(default_factory=list)


def _table(name: str, schema: str) -> exp.Table:
    return exp.table_(name, db=schema, catalog="lake", quoted=True)


def _col(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


def sources_sql(schema: str, table: str) -> str:
    query = exp.select(_col("_source_uri")).distinct().from_(_table(table, schema))
    return (
        query.where(exp.Not(this=exp.Is(this=_col("_source_uri"), expression=exp.Null())))
        .limit(MAX_SOURCE_FILES)
        .sql("duckdb")
    )


def qualified(schema: str, table: str) -> str:
    return f"lake.{table}" if schema == "main" else f"lake.{schema}.{table}"


def _freshness(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], tuple[int, dt.datetime]]:
    """(schema, table) -> (last snapshot id, its time) over snapshots that touched the table."""
    ids = {row[0]: (row[1], row[2]) for row in con.execute(statements()["table_ids"]).fetchall()}
    by_name = {f'"{s}"."{t}"': (s, t) for s, t in ids.values()}
    latest: dict[tuple[str, str], tuple[int, dt.datetime]] = {}
    for snapshot, when, changes in con.execute(statements()["snapshot_changes"]).fetchall():
        for _, target in _CHANGE.findall(changes or ""):
            key = ids.get(int(target)) if target.isdigit() else by_name.get(target)
            if key is not None:
                latest[key] = (snapshot, when)
    return latest


def _ducklake_history(con: duckdb.DuckDBPyConnection) -> list[SchemaChange]:
    tables = {row[0]: (row[1], row[2], row[3]) for row in con.execute(statements()["table_ids"]).fetchall()}
    versions: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in con.execute(statements()["column_versions"]).fetchall():
        versions[row[0]].append(row[1:])
    out: list[SchemaChange] = []
    for table_id, (schema, name, created) in tables.items():
        dataset = qualified(schema, name)
        rows = versions.get(table_id, [])
        first = [r for r in rows if r[3] == created]
        if first:
            detail = ", ".join(f"{r[1]} {r[2]}" for r in first)
            out.append(SchemaChange(dataset, created, first[0][5], "created", None, detail))
        by_id: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for r in rows:
            by_id[r[0]].append(r)
        for chain in by_id.values():
            for prev, cur in zip([None, *chain], chain, strict=False):
                if prev is None and cur[3] != created:
                    out.append(SchemaChange(dataset, cur[3], cur[5], "added", cur[1], cur[2]))
                elif prev is not None and prev[1] != cur[1]:
                    out.append(
                        SchemaChange(dataset, cur[3], cur[5], "renamed", cur[1], f"{prev[1]} -> {cur[1]}")
                    )
                elif prev is not None:
                    out.append(
                        SchemaChange(
                            dataset, cur[3], cur[5], "type_changed", cur[1], f"{prev[2]} -> {cur[2]}"
                        )
                    )
            last = chain[-1]
            if last[4] is not None:
                out.append(SchemaChange(dataset, last[4], None, "dropped", last[1], last[2]))
    return out


#: column of lake._schema_changes -> the names it may go by (the ingest helper owns that table)
INGEST_CHANGE_FIELDS = {
    "dataset": ("dataset", "table_name", "table"),
    "snapshot_id": ("snapshot_id", "snapshot"),
    "changed_at": ("changed_at", "recorded_at", "created_at", "at", "ingested_at"),
    "change": ("change", "change_type", "kind", "action"),
    "column": ("column", "column_name", "field"),
    "detail": ("detail", "details", "description", "message"),
}


def _pick(row: dict[str, Any], names: tuple[str, ...]) -> Any:
    return next((row[n] for n in names if row.get(n) is not None), None)


def _ingest_history(con: duckdb.DuckDBPyConnection) -> list[SchemaChange]:
    if not con.execute(statements()["has_schema_changes"]).fetchone()[0]:  # type: ignore[index]
        return []
    cursor = con.execute(exp.select("*").from_(_table("_schema_changes", "main")).sql("duckdb"))
    names = [d[0] for d in cursor.description or []]
    out = []
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        dataset = _pick(row, INGEST_CHANGE_FIELDS["dataset"])
        if dataset is None:
            continue
        name = str(dataset) if str(dataset).startswith("lake.") else f"lake.{dataset}"
        when = _pick(row, INGEST_CHANGE_FIELDS["changed_at"])
        snapshot = _pick(row, INGEST_CHANGE_FIELDS["snapshot_id"])
        out.append(SchemaChange(
            name, int(snapshot) if snapshot is not None else None, when if isinstance(when, dt.datetime) else None,
            str(_pick(row, INGEST_CHANGE_FIELDS["change"]) or "changed"), _pick(row, INGEST_CHANGE_FIELDS["column"]),
            str(_pick(row, INGEST_CHANGE_FIELDS["detail"]) or ""), "ingest",
        ))  # fmt: skip
    return out


def scan_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, comment: str, columns: list[tuple[str, str, str]],
               fresh: tuple[int, dt.datetime] | None, originals: dict[str, str]) -> tuple[DatasetRecord, list[LineageEdge]]:  # fmt: skip
    """One lake table: statistics, PII findings and source-file lineage."""
    name = qualified(schema, table)
    typed = [(c, t) for c, t, _ in columns]
    rows, stats, findings = profile(con, _table(table, schema), typed)
    records = [
        ColumnRecord(col, type_, i + 1, description, originals.get(col), (), stats[i], findings.get(col))
        for i, (col, type_, description) in enumerate(columns)
    ]
    names = {c for c, _ in typed}
    kind, layer = ("image", "image") if names >= IMAGE_COLUMNS else ("table", "raw")
    edges = []
    if "_source_uri" in names:
        uris = [r[0] for r in con.execute(sources_sql(schema, table)).fetchall()]
        edges = [LineageEdge(f"file:{uri}", name, "ingest") for uri in uris]
    record = DatasetRecord(name, kind, layer, "lake", comment, columns=tuple(records), row_count=rows,
                           snapshot_id=fresh[0] if fresh else None, updated_at=fresh[1] if fresh else None)  # fmt: skip
    return record, edges


def scan(
    con: duckdb.DuckDBPyConnection,
    *,
    only: set[str] | None = None,
    originals: dict[str, dict[str, str]] | None = None,
) -> LakeScan:
    """Everything the catalog knows about the lake attached to ``con`` as ``lake``."""
    out = LakeScan()
    columns: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for schema, table, col, type_, comment, _ in con.execute(statements()["columns"]).fetchall():
        columns[(schema, table)].append((col, type_, comment))
    fresh = _freshness(con)
    for schema, table, comment in con.execute(statements()["tables"]).fetchall():
        name = qualified(schema, table)
        if only is not None and name not in only:
            continue
        record, edges = scan_table(con, schema, table, comment, columns[(schema, table)], fresh.get((schema, table)),
                                   (originals or {}).get(name, {}))  # fmt: skip
        out.records.append(record)
        out.edges += edges
    history = _ducklake_history(con) + _ingest_history(con)
    out.changes = [c for c in history if only is None or c.dataset in only]
    return out


def parse_sql_tables(sql: str) -> set[str]:
    """Tables a query reads (for ML training-query lineage), qualified the way the catalog names them."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError:
        try:
            tree = sqlglot.parse_one(sql, read="bigquery")
        except sqlglot.errors.ParseError:
            return set()
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    out = set()
    for t in tree.find_all(exp.Table):
        if t.name and t.name not in ctes:
            out.add(".".join(p for p in (t.catalog, t.db, t.name) if p))
    return out
