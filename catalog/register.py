"""Fast, incremental catalog updates right after the work that changes a dataset.

- ``register_ingest(settings, report)`` after an ingest commit: re-reads that one lake table.
- ``register_dbt(settings)`` after ``dbt build``: re-reads ``target/`` and replaces the dbt models.
- ``register_models(settings)`` after ``CREATE MODEL`` / ``DROP MODEL``: replaces the ML models.

Each replaces only its datasets (and their lineage edges of that kind) under the catalog writer
lock, in one SQLite transaction that also logs their index documents as pending: searched at once,
folded into the index in batches (``catalog.pending``). The rest of the catalog is left as it is.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from catalog import index, pending, store
from catalog.model import DatasetRecord, LineageEdge, RefreshReport, SchemaChange
from catalog.refresh import decorate, merge, refresh, resolve_edges, scan
from lakehouse.settings import Settings


class IngestReport(Protocol):
    """What ``register_ingest`` needs from an ingest report (any object with these attributes).

    ``files`` holds paths/URIs, or objects with a ``source_uri``, ``uri`` or ``path`` attribute.
    Optional: ``original_names`` mapping normalized column names to the names in the source files.
    """

    @property
    def dataset(self) -> str: ...

    @property
    def snapshot_id(self) -> int | None: ...

    @property
    def files(self) -> Sequence[Any]: ...


def update(con: sqlite3.Connection, catalog_dir: Path, records: list[DatasetRecord], edges: list[LineageEdge],
           changes: list[SchemaChange], *, via: Sequence[str], removed: Sequence[str] = ()) -> None:  # fmt: skip
    """Replace some datasets in the store, durably and visibly to searches, in one SQLite transaction
    (hold ``store.writer_lock``); the index catches up in batches (``catalog.pending``)."""
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


def _uri(item: Any) -> str:
    for attr in ("source_uri", "uri", "path"):
        value = getattr(item, attr, None)
        if value:
            return str(value)
    return str(item)


def register_ingest(
    settings: Settings, ingest: IngestReport, *, metadata_file: Path | None = None
) -> RefreshReport:
    """Update one lake dataset right after an ingest commit (statistics, PII, lineage, history)."""
    name = ingest.dataset if ingest.dataset.startswith("lake.") else f"lake.{ingest.dataset}"
    originals = dict(getattr(ingest, "original_names", None) or {})
    con = store.connect(settings.catalog_dir)
    try:
        if originals:
            with store.transaction(con):
                store.remember_origins(con, name, originals)
        result = refresh(settings, datasets=[name], metadata_file=metadata_file)
        files = [_uri(f) for f in ingest.files]
        if files:
            with store.writer_lock(settings.catalog_dir), store.transaction(con):
                store.write_edges(con, [LineageEdge(f"file:{uri}", name, "ingest") for uri in files])
    finally:
        con.close()
    return result


def _register_source(settings: Settings, source: str, metadata_file: Path | None) -> RefreshReport:
    started = time.perf_counter()
    found = scan(settings, (source,))
    records, warnings = decorate(settings, merge(found.records), metadata_file)
    con = store.connect(settings.catalog_dir)
    try:
        with store.writer_lock(settings.catalog_dir):
            known = {r[0] for r in con.execute("SELECT name FROM datasets")}
            before = {r[0] for r in con.execute("SELECT name FROM datasets WHERE source = ?", (source,))}
            names = {r.name for r in records}
            edges = resolve_edges(found.edges, known | names)
            update(
                con, settings.catalog_dir, records, edges, [], via=(source,), removed=sorted(before - names)
            )
    finally:
        con.close()
    return RefreshReport(len(records), sum(len(r.columns) for r in records), len(edges),
                         sum(len(r.pii_columns) for r in records), round(time.perf_counter() - started, 3),
                         found.counts, tuple(found.warnings + warnings))  # fmt: skip


def register_dbt(settings: Settings, *, metadata_file: Path | None = None) -> RefreshReport:
    """Replace the dbt models after ``dbt build`` (reads ``target/manifest.json`` and ``catalog.json``)."""
    return _register_source(settings, "dbt", metadata_file)


def register_models(settings: Settings, *, metadata_file: Path | None = None) -> RefreshReport:
    """Replace the ML models after ``CREATE MODEL`` or ``DROP MODEL`` (reads ``ml._models``)."""
    return _register_source(settings, "ml", metadata_file)
