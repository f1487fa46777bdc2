"""The schema history of lake tables, from two records of it.

- DuckLake's column versions (``source="ducklake"``): a table's creation, and each column added, renamed,
  retyped or dropped since, at the snapshot that did it. Any writer's changes show up here.
- The lake's ``lake._schema_changes`` (``source="ingest"``), a ``lakehouse.contracts.LakeSchemaChange``
  per column an ingest batch created, added, widened, turned into JSON, or did not bring; read back
  with the snapshot that committed the batch.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import NamedTuple

import duckdb

from catalog.model import SchemaChange
from catalog.sources import ducklake
from lakehouse.contracts import LakeSchemaChange


class ColumnVersion(NamedTuple):
    """A row of DuckLake's ``ducklake_column``: one version of a top-level column."""

    table_id: int
    column_id: int
    name: str
    type: str
    begin: int  # the snapshot that made this version
    end: int | None  # the snapshot that replaced or dropped it


def changes(
    con: duckdb.DuckDBPyConnection,
    present: set[str] | None = None,
    ids: dict[int, ducklake.LakeTableId] | None = None,
) -> list[SchemaChange]:
    """Every lake table's schema history: DuckLake's, then the ingest records (``present``: the
    bookkeeping tables, ``ids``: the live tables, when the caller has read them)."""
    return ducklake_changes(con, ids) + ingest_changes(con, present)


def ducklake_changes(
    con: duckdb.DuckDBPyConnection, ids: dict[int, ducklake.LakeTableId] | None = None
) -> list[SchemaChange]:
    versions: dict[int, list[ColumnVersion]] = defaultdict(list)
    for row in con.execute(ducklake.statements()["column_versions"]).fetchall():
        versions[row[0]].append(ColumnVersion(*row))
    times = {s.snapshot_id: s.at for s in ducklake.snapshots(con).values()}
    out: list[SchemaChange] = []
    for table in (ducklake.table_ids(con) if ids is None else ids).values():
        history = History(table.qualified, times)
        out += history.of_table(table.created, versions[table.table_id])
    return out


@dataclass(frozen=True)
class History:
    """Turns one table's column versions into its schema changes."""

    dataset: str
    times: dict[int, dt.datetime]  # snapshot id -> its time

    def change(
        self, snapshot: int, change: str, column: str | None = None, *,
        old_type: str | None = None, new_type: str | None = None, detail: str = "",
    ) -> SchemaChange:  # fmt: skip
        return SchemaChange(self.dataset, snapshot, self.times.get(snapshot), change, column, old_type, new_type,
                            detail)  # fmt: skip

    def of_table(self, created: int, versions: list[ColumnVersion]) -> Iterator[SchemaChange]:
        initial = [v for v in versions if v.begin == created]
        if initial:
            yield self.change(created, "created", detail=", ".join(f"{v.name} {v.type}" for v in initial))
        chains: dict[int, list[ColumnVersion]] = defaultdict(list)
        for v in versions:
            chains[v.column_id].append(v)
        for chain in chains.values():
            yield from self.of_column(created, chain)

    def of_column(self, created: int, chain: list[ColumnVersion]) -> Iterator[SchemaChange]:
        first, last = chain[0], chain[-1]
        if first.begin != created:
            yield self.change(first.begin, "added", first.name, new_type=first.type)
        for before, after in zip(chain, chain[1:], strict=False):
            if before.name != after.name:
                yield self.change(after.begin, "renamed", after.name, detail=f"{before.name} -> {after.name}")
            else:
                yield self.change(
                    after.begin, "type_changed", after.name, old_type=before.type, new_type=after.type
                )
        if last.end is not None:
            yield self.change(last.end, "dropped", last.name, old_type=last.type)


def ingest_changes(con: duckdb.DuckDBPyConnection, present: set[str] | None = None) -> list[SchemaChange]:
    """``lake._schema_changes``, each row with the snapshot that committed it (DuckLake's ``snapshot_id``)."""
    if LakeSchemaChange.TABLE not in (ducklake.bookkeeping_tables(con) if present is None else present):
        return []
    query = ducklake.select_bookkeeping(LakeSchemaChange.TABLE, [f.name for f in fields(LakeSchemaChange)])
    return [_from_ingest(LakeSchemaChange(*row)) for row in con.execute(query).fetchall()]


def _from_ingest(row: LakeSchemaChange) -> SchemaChange:
    return SchemaChange(
        dataset=ducklake.qualified("main", row.dataset),
        snapshot_id=row.snapshot_id,
        changed_at=row.changed_at,
        change=row.change,
        column=row.column_name,
        old_type=row.old_type,
        new_type=row.new_type,
        source="ingest",
    )
