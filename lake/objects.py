"""The lake's content-addressed object store: ``objects/<sha256[:2]>/<sha256>``.

Storing is idempotent (same bytes, same path) and atomic (write to a temp name, then rename), so a
crash never leaves a half-written object under a real name and two ingests of the same image share
one copy. Objects are written before the batch commits; an object whose batch never committed is
harmless and is found again by the next ingest of the same bytes.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path


def object_path(objects_dir: Path, sha256: str) -> Path:
    return objects_dir / sha256[:2] / sha256


def store(objects_dir: Path, sha256: str, data: bytes) -> Path:
    """Keep ``data`` under its hash; return the object's path.

    The temporary name holds the hash, the process and the thread, so no two writers share one, and
    one left behind by a killed process holds (part of) the same bytes and may be overwritten.
    """
    target = object_path(objects_dir, sha256)
    try:
        if os.stat(target).st_size == len(data):
            return target
    except FileNotFoundError:
        pass
    tmp = target.with_name(f".tmp-{sha256}-{os.getpid()}-{threading.get_ident()}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
    try:
        fd = os.open(tmp, flags, 0o644)
    except FileNotFoundError:  # the first object under this prefix
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, flags, 0o644)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
