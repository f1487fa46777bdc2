"""Writer locks: one writer at a time on the lake's embedded (SQLite) catalog, and on the metadata catalog.

DuckLake retries commit conflicts itself, but two writers on a SQLite catalog still hit "database is
locked" on a few percent of commits (see environment.md), so writers take an advisory ``flock`` on
``settings.lock_file`` first. Readers never take it. The holder's PID is written into the file so a
waiting writer can say who it is waiting for. The kernel drops the lock when the holder dies, so a
killed writer never leaves a stale lock behind. The metadata catalog (``catalog.store``) serializes
its writers with the same lock on a file of its own.

On the team layout (the lake's catalog on PostgreSQL, ``Settings.lake_catalog_shared``) there is no lock
file: writers on several machines commit concurrently and DuckLake resolves conflicts in the catalog
(``lake_writer_lock`` is then a no-op).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

from lakehouse.errors import LockedError
from lakehouse.settings import Settings

POLL_SECONDS = 0.1


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii").strip() or "unknown"
    except OSError:
        return "unknown"


@contextmanager
def writer_lock(
    path: Path,
    *,
    timeout: float = 60.0,
    name: str = "the lake writer lock",
    hint: str = "raise lock_timeout or wait for the other ingest to finish",
) -> Iterator[None]:
    """Hold the exclusive writer lock at ``path``; wait up to ``timeout`` seconds, then ``LockedError``
    naming the lock (``name``), the holder's PID and what to do (``hint``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockedError(
                        f"{name} {path} is held by another process (PID {_holder(path)})",
                        hint=f"waited {timeout:g}s; {hint}",
                    ) from None
                time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def lake_writer_lock(settings: Settings) -> AbstractContextManager[None]:
    """The lake writer lock for an embedded (SQLite/DuckDB) catalog; nothing for a shared (PostgreSQL) one."""
    if settings.lake_catalog_shared:
        return nullcontext()
    return writer_lock(settings.lock_file, timeout=settings.lock_timeout)
