"""DuckLake's own metadata, read the same way by the lake scan and the schema history.

Statements are in ``lake.sql`` (named by ``-- name:`` lines). The lake is attached as ``lake``; its
metadata catalog is visible as ``__ducklake_metadata_lake``. A table's catalog name is ``lake.<table>``
in the main schema and ``lake.<schema>.<table>`` in any other.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from lakehouse.quoting import ident
from lakehouse.quoting import qualified as quoted

#: a target in DuckLake's ``changes_made`` text: ``inserted_into_table:3`` or ``altered_table:"main"."t"``
_CHANGE = re.compile(r'(\w+):("(?:[^"]|"")*"(?:\."(?:[^"]|"")*")?|\d+)')


@cache
def statements() -> dict[str, str]:
    text = Path(__file__).with_name("lake.sql").read_text(encoding="utf-8")
    parts = re.split(r"^-- name: (\w+)\s*$", text, flags=re.M)
    return {name: body.strip().rstrip(";") for name, body in zip(parts[1::2], parts[2::2], strict=True)}


def qualified(schema: str, table: str) -> str:
    """The catalog's name of a lake table."""
    return f"lake.{table}" if schema == "main" else f"lake.{schema}.{table}"


def relation(schema: str, table: str) -> str:
    """The quoted SQL name of a lake table: ``"lake"."main"."orders"``."""
    return quoted("lake", schema, table)


def select_bookkeeping(table: str, columns: Iterable[str]) -> str:
    """``SELECT`` the named columns of one of the lake's own tables (``lake.main._columns`` …), names quoted."""
    return f"SELECT {', '.join(ident(c) for c in columns)} FROM {relation('main', table)}"  # noqa: S608 - quoted


@dataclass(frozen=True)
class LakeTableId:
    """A live table in DuckLake's metadata."""

    table_id: int
    schema: str
    name: str
    created: int  # the snapshot that created it

    @property
    def qualified(self) -> str:
        return qualified(self.schema, self.name)


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: int
    at: dt.datetime
    changes: str  # DuckLake's changes_made text, "" when it recorded none


def table_ids(con: duckdb.DuckDBPyConnection) -> dict[int, LakeTableId]:
    return {row[0]: LakeTableId(*row) for row in con.execute(statements()["table_ids"]).fetchall()}


def snapshots(con: duckdb.DuckDBPyConnection) -> dict[int, Snapshot]:
    rows = con.execute(statements()["snapshots"]).fetchall()
    return {sid: Snapshot(sid, at, changes or "") for sid, at, changes in rows}


def bookkeeping_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The lake's own tables (``_schema_changes``, ``_columns`` …) that exist, created by the first ingest."""
    return {row[0] for row in con.execute(statements()["bookkeeping_tables"]).fetchall()}


def bookkeeping_of(ids: dict[int, LakeTableId]) -> set[str]:
    """``bookkeeping_tables`` from DuckLake's own metadata (``table_ids``), without asking DuckDB's catalog
    functions (``duckdb_tables()`` makes DuckLake gather every table's statistics, ~0.1-0.3 s)."""
    return {t.name for t in ids.values() if t.schema == "main" and t.name.startswith("_")}


def table_comments(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """Table id -> its comment (``COMMENT ON TABLE``), from DuckLake's tags."""
    return dict(con.execute(statements()["live_comments"]).fetchall())


def freshness(
    con: duckdb.DuckDBPyConnection, ids: dict[int, LakeTableId] | None = None
) -> dict[str, Snapshot]:
    """Catalog name -> the last snapshot that touched the table (data, schema or comment); ``ids``: the
    live tables when the caller has read them (``table_ids``)."""
    tables = (table_ids(con) if ids is None else ids).values()
    targets = {str(t.table_id): t.qualified for t in tables} | {
        f'"{t.schema}"."{t.name}"': t.qualified for t in tables
    }
    latest: dict[str, Snapshot] = {}
    for snapshot in snapshots(con).values():  # in snapshot order: the last one wins
        for _, target in _CHANGE.findall(snapshot.changes):
            name = targets.get(target)  # a table id or a quoted "schema"."table"
            if name is not None:
                latest[name] = snapshot
    return latest
