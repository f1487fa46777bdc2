"""Writing scanned records into the catalog: everything at once, or a few datasets.

- ``replace_all``: a full refresh replaces the store in one transaction and rebuilds the search index.
- ``update``: the datasets of one ingest, one dbt build or one ``CREATE MODEL`` replace theirs in one
  SQLite transaction that also logs their index documents as pending (``catalog.pending``); the index
  catches up in batches.

Both run under ``store.writer_lock``, which the caller holds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from catalog import index, pending, store
from catalog.model import DatasetRecord, LineageEdge, SchemaChange


def replace_all(
    con: sqlite3.Connection, catalog_dir: Path, records: list[DatasetRecord], edges: list[LineageEdge],
    changes: list[SchemaChange], *, threads: int,
) -> None:  # fmt: skip
    """Replace the whole catalog: the store in one transaction, then the index."""
    last = pending.rebase(con, records)  # see catalog.pending: a crash below loses nothing
    store.replace_all(con, records, edges, changes)
    index.replace_all(catalog_dir, records, threads=threads)
    pending.forget(con, last)


def update(con: sqlite3.Connection, catalog_dir: Path, records: list[DatasetRecord], edges: list[LineageEdge],
           changes: list[SchemaChange], *, via: Sequence[str], removed: Sequence[str] = ()) -> None:  # fmt: skip
    """Replace some datasets (with their lineage edges of the kinds in ``via`` and their history), durably
    and visibly to searches, in one SQLite transaction; the index catches up in batches."""
    sql = store.statements()
    with store.transaction(con):
        for name in [*removed, *(r.name for r in records)]:
            con.execute(sql["delete_dataset"], (name,))
            for kind in via:
                con.execute(sql["delete_dataset_edges"], (name, kind))
        for r in records:
            con.execute(sql["delete_dataset_history"], (r.name,))
        store.write_datasets(con, records)
        store.write_edges(con, edges)
        store.write_history(con, changes)
        pending.record(con, records, removed)
    if not index.exists(catalog_dir):  # none yet, or one of an older INDEX_VERSION: build it whole
        last = pending.read(con).last_seq  # every pending document is in the store: the index will hold it
        index.replace_all(catalog_dir, store.load_all(con))
        pending.forget(con, last)
    elif pending.count(con) > pending.FOLD_AT:
        pending.fold(con, catalog_dir)
