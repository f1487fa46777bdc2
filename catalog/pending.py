"""Pending changes: a one-dataset update reaches the store at once and the search index in batches.

A tantivy commit syncs every file of the new segment, the delete bitmap, ``meta.json`` and the folder
(about 18 fdatasyncs); on a busy disk that alone is over 100 ms. So an update (``catalog.register``)
writes the dataset's index document to the ``pending`` table, in the same SQLite transaction as the
dataset's rows: one WAL commit, durable and visible to ``show`` and ``search`` as soon as it returns.
Searches overlay the pending documents on the index (``catalog.overlay``): stale index documents of
pending datasets are excluded and the pending ones are matched and scored like indexed ones.

A writer folds the pending documents into the index in one commit when more than ``FOLD_AT`` are
waiting; a full refresh rebuilds the index and forgets them. Rows are deleted only after the commit
that holds them, and folding is idempotent (delete by id, then add), so a crash in between loses
nothing: the next fold applies them again. Readers read the pending rows *before* they open the
index, so a fold that lands in between is seen twice (harmless), never missed.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalog import index, store
from catalog.model import DatasetRecord

#: fold into the index once more than this many datasets are pending (each search scores them in Python)
FOLD_AT = 32
Document = dict[str, Any]


@dataclass(frozen=True)
class Pending:
    """Datasets changed since the index last caught up: id -> index fields, or None when removed."""

    documents: dict[str, Document | None] = field(default_factory=dict)
    last_seq: int = 0

    @property
    def ids(self) -> list[str]:
        return list(self.documents)

    @property
    def live(self) -> list[Document]:
        return [d for d in self.documents.values() if d is not None]


def _json(values: Document) -> str:
    return json.dumps(values, separators=(",", ":"), default=str)


def record(con: sqlite3.Connection, records: Iterable[DatasetRecord], removed: Iterable[str] = ()) -> None:
    """Log changed and removed datasets (call inside the transaction that writes their store rows)."""
    sql = store.statements()
    changes = [
        *((n.lower(), None) for n in removed),
        *((r.name.lower(), _json(index.fields(r))) for r in records),
    ]
    for change in changes:
        con.execute(sql["bump_pending_seq"])
        con.execute(sql["upsert_pending"], change)


def read(con: sqlite3.Connection) -> Pending:
    documents: dict[str, Document | None] = {}
    last = 0
    for id_, seq, text in con.execute(store.statements()["select_pending"]):
        documents[id_] = json.loads(text) if text is not None else None
        last = max(last, seq)
    return Pending(documents, last)


def count(con: sqlite3.Connection) -> int:
    return int(con.execute(store.statements()["count_pending"]).fetchone()[0])


def fold(con: sqlite3.Connection, catalog_dir: Path) -> int:
    """Apply every pending change to the index in one commit, then forget them (hold the writer lock)."""
    pending = read(con)
    if pending.documents:
        index.apply(catalog_dir, pending.documents.items())
        forget(con, pending.last_seq)
    return len(pending.documents)


def forget(con: sqlite3.Connection, last_seq: int) -> None:
    """Drop the pending rows up to ``last_seq`` (the index now holds them)."""
    with store.transaction(con):
        con.execute(store.statements()["delete_folded"], (last_seq,))


def rebase(con: sqlite3.Connection, records: Iterable[DatasetRecord]) -> int:
    """Before a full rebuild: point pending rows at the rebuilt datasets, so that a crash between the
    rebuild and ``forget`` leaves the same documents pending as the new index holds. Returns the last seq.
    """
    pending = read(con)
    if not pending.documents:
        return 0
    by_id = {r.name.lower(): r for r in records}
    rows = [(_json(index.fields(by_id[i])) if i in by_id else None, i) for i in pending.documents]
    with store.transaction(con):
        con.executemany(store.statements()["rebase_pending"], rows)
    return pending.last_seq


#: per thread (a SQLite connection serves only the thread that opened it; a server searches from many):
#: ``readers`` maps a catalog folder to (store inode, reader)
_LOCAL = threading.local()
_PARSED: dict[tuple[str, int], Document] = {}  # (id, seq) -> document: parsed once per change, shared
_PARSED_LOCK = threading.Lock()


def _readers() -> dict[Path, tuple[int, sqlite3.Connection]]:
    if not hasattr(_LOCAL, "readers"):
        _LOCAL.readers = {}
    readers: dict[Path, tuple[int, sqlite3.Connection]] = _LOCAL.readers
    return readers


def snapshot(catalog_dir: Path) -> Pending:
    """The pending changes as a search sees them (a cached read-only connection; none: nothing pending)."""
    path = catalog_dir / store.STORE_FILE
    try:
        inode = path.stat().st_ino
    except FileNotFoundError:
        return Pending()
    readers = _readers()
    cached = readers.get(catalog_dir)
    if cached is None or cached[0] != inode:  # first search here, or the catalog was deleted and rebuilt
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=30.0, isolation_level=None)
        readers[catalog_dir] = (inode, con)
    else:
        con = cached[1]
    sql = store.statements()
    with _PARSED_LOCK:
        try:
            with store.snapshot(con):
                keys = con.execute(sql["select_pending_keys"]).fetchall()
                for id_, seq, present in keys:
                    if present and (id_, seq) not in _PARSED:
                        text = con.execute(sql["select_pending_document"], (id_,)).fetchone()[0]
                        _PARSED[(id_, seq)] = json.loads(text)
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):  # a store written before pending changes existed
                return Pending()
            raise
        live = set(keys)
        for key in [k for k in _PARSED if (*k, 1) not in live]:
            del _PARSED[key]
        docs = {id_: _PARSED[(id_, seq)] if present else None for id_, seq, present in keys}
    return Pending(docs, max((seq for _, seq, _ in keys), default=0))
