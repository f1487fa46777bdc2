"""The catalog store: SQLite in WAL mode under ``settings.catalog_dir``.

WAL lets any number of processes read (``catalog show``, search result details) while one process
writes; writers (refresh, register after ingest) are serialized by ``writer_lock``, which also
guards the search index. A full refresh replaces everything in one transaction, so a reader sees
the old catalog or the new one, never half of each. Updates of a few datasets also log their index
documents here (``catalog.pending``), so each commit is synced (``synchronous=FULL``: one fdatasync
of the WAL) to make an update durable, not only crash-consistent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from catalog.model import (
    ColumnRecord,
    ColumnStats,
    DatasetRecord,
    LineageEdge,
    PiiFinding,
    QualityStatus,
    SchemaChange,
)
from lakehouse import locks

STORE_FILE = "catalog.sqlite"
LOCK_FILE = "writer.lock"


@cache
def statements() -> dict[str, str]:
    text = (Path(__file__).with_name("store.sql")).read_text(encoding="utf-8")
    parts = re.split(r"^-- name: (\w+)\s*$", text, flags=re.M)
    return {name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)}


def connect(catalog_dir: Path, *, readonly: bool = False) -> sqlite3.Connection:
    catalog_dir.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(catalog_dir / STORE_FILE, timeout=30.0, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")  # a commit syncs the WAL once: an update survives power loss
    con.execute("PRAGMA foreign_keys=ON")
    if not readonly:
        con.executescript(statements()["schema"])
    _migrate(con)
    return con


#: columns added to tables of a store after it was first released (table -> column -> SQL type)
MIGRATIONS = {"schema_history": {"old_type": "TEXT", "new_type": "TEXT"}}


def _migrate(con: sqlite3.Connection) -> None:
    """Add the columns an older store lacks (an ALTER of an empty column is instant in SQLite)."""
    for table, columns in MIGRATIONS.items():
        have = {row[1] for row in con.execute(f"PRAGMA table_info({table})")}
        for column, type_ in columns.items():
            if have and column not in have:
                con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {type_}")  # fixed names (above)


@contextmanager
def writer_lock(catalog_dir: Path, timeout: float = 60.0) -> Iterator[None]:
    """Serialize catalog writers across processes (store and search index)."""
    with locks.writer_lock(
        catalog_dir / LOCK_FILE,
        timeout=timeout,
        name="the catalog writer lock",
        hint="a refresh is probably running; wait for it or stop it",
    ):
        yield


@contextmanager
def transaction(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


@contextmanager
def snapshot(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A read transaction: every read inside sees the same commit, whatever writers do meanwhile."""
    con.execute("BEGIN")
    try:
        yield con
    finally:
        con.execute("COMMIT")


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _dataset_row(r: DatasetRecord) -> tuple[Any, ...]:
    quality = json.dumps(dataclasses.asdict(r.quality), default=str) if r.quality else None
    return (r.name, r.kind, r.layer, r.source, r.description, r.owner, json.dumps(list(r.tags)), r.row_count,
            r.snapshot_id, _iso(r.updated_at), quality, json.dumps(r.properties, default=str))  # fmt: skip


def _column_row(dataset: str, c: ColumnRecord) -> tuple[Any, ...]:
    s = c.stats
    stats = json.dumps({"null_fraction": s.null_fraction, "distinct_count": s.distinct_count, "min": s.min,
                        "max": s.max, "top_values": list(s.top_values)}, default=str)  # fmt: skip
    pii = (c.pii.kind, c.pii.confidence, c.pii.source) if c.pii else (None, None, None)
    return (
        dataset,
        c.position,
        c.name,
        c.type,
        c.description,
        c.original_name,
        json.dumps(list(c.tags)),
        stats,
        *pii,
    )


def write_datasets(
    con: sqlite3.Connection, records: Iterable[DatasetRecord], *, replace: bool = True
) -> None:
    """Insert datasets with their columns (``replace``: delete each one first)."""
    sql = statements()
    for record in records:
        if replace:
            con.execute(sql["delete_dataset"], (record.name,))
        con.execute(sql["insert_dataset"], _dataset_row(record))
        con.executemany(sql["insert_column"], [_column_row(record.name, c) for c in record.columns])


def write_edges(con: sqlite3.Connection, edges: Iterable[LineageEdge]) -> None:
    con.executemany(statements()["insert_edge"], [(e.upstream, e.downstream, e.via) for e in edges])


def write_history(con: sqlite3.Connection, changes: Iterable[SchemaChange]) -> None:
    rows = [
        (
            c.dataset,
            c.snapshot_id,
            _iso(c.changed_at),
            c.change,
            c.column,
            c.old_type,
            c.new_type,
            c.detail,
            c.source,
        )
        for c in changes
    ]
    con.executemany(statements()["insert_change"], rows)


def replace_all(
    con: sqlite3.Connection,
    records: list[DatasetRecord],
    edges: list[LineageEdge],
    changes: list[SchemaChange],
) -> None:
    with transaction(con):
        for table in ("columns", "datasets", "lineage", "schema_history"):
            con.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
        write_datasets(con, records, replace=False)
        write_edges(con, edges)
        write_history(con, changes)


def _column(row: tuple[Any, ...]) -> ColumnRecord:
    _, position, name, type_, description, original, tags, stats, pii_kind, pii_conf, pii_source = row
    s = json.loads(stats)
    pii = PiiFinding(pii_kind, pii_conf, pii_source) if pii_kind else None
    stats_record = ColumnStats(s.get("null_fraction"), s.get("distinct_count"), s.get("min"), s.get("max"),
                               tuple(s.get("top_values") or ()))  # fmt: skip
    return ColumnRecord(
        name, type_, position, description, original, tuple(json.loads(tags)), stats_record, pii
    )


def _quality(text: str | None) -> QualityStatus | None:
    if not text:
        return None
    q = json.loads(text)
    return QualityStatus(
        q["passed"], q["checks"], q["failed_critical"], q["failed_warning"], _time(q.get("validated_at"))
    )


def _dataset(row: tuple[Any, ...], columns: list[ColumnRecord]) -> DatasetRecord:
    name, kind, layer, source, description, owner, tags, rows, snapshot, updated, quality, props = row
    return DatasetRecord(name, kind, layer, source, description, owner, tuple(json.loads(tags)), tuple(columns), rows,
                         snapshot, _time(updated), _quality(quality), json.loads(props))  # fmt: skip


def load(con: sqlite3.Connection, name: str) -> DatasetRecord | None:
    sql = statements()
    row = con.execute(sql["select_dataset"], (name,)).fetchone()
    if row is None:
        return None
    return _dataset(row, [_column(r) for r in con.execute(sql["select_dataset_columns"], (name,))])


def load_all(con: sqlite3.Connection) -> Iterator[DatasetRecord]:
    """Every dataset with its columns, in name order (one pass over each table)."""
    sql = statements()
    columns = con.execute(sql["select_columns"])
    pending = columns.fetchone()
    for row in con.execute(sql["select_datasets"]).fetchall():
        own: list[ColumnRecord] = []
        while pending is not None and pending[0] < row[0]:
            pending = columns.fetchone()
        while pending is not None and pending[0] == row[0]:
            own.append(_column(pending))
            pending = columns.fetchone()
        yield _dataset(row, own)


def find_names(con: sqlite3.Connection, name: str) -> list[str]:
    """Datasets named ``name``, or whose name ends with ``.name`` (any case; two index lookups)."""
    last = name.rsplit(".", 1)[-1].lower()
    return [r[0] for r in con.execute(statements()["find_names"], (name, last))]


def names_starting(con: sqlite3.Connection, prefix: str, limit: int) -> list[str]:
    """Up to ``limit`` datasets whose short name starts with ``prefix`` (any case; one index range)."""
    low = prefix.lower()
    high = low[:-1] + chr(ord(low[-1]) + 1) if low else "\U0010ffff"
    return [r[0] for r in con.execute(statements()["names_starting"], (low, high, limit))]


def kinds(con: sqlite3.Connection, names: Iterable[str]) -> dict[str, str]:
    """name -> kind (``table``, ``view``, ``model``, ...) of the catalogued ones among ``names``."""
    return dict(con.execute(statements()["kinds"], (json.dumps(sorted(set(names))),)).fetchall())


def edges(con: sqlite3.Connection, name: str, direction: str) -> list[LineageEdge]:
    return [LineageEdge(*r) for r in con.execute(statements()[direction], (name,))]


def history(con: sqlite3.Connection, name: str) -> list[SchemaChange]:
    rows = con.execute(statements()["select_history"], (name,)).fetchall()
    return [
        SchemaChange(dataset, snapshot, _time(at), change, column, old_type, new_type, detail, source)
        for dataset, snapshot, at, change, column, old_type, new_type, detail, source in rows
    ]
