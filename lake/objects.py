"""The lake's content-addressed object store: ``objects/<sha256[:2]>/<sha256>``.

Storing is idempotent (same bytes, same path) and atomic (write to a temp name, then rename), so a
crash never leaves a half-written object under a real name and two ingests of the same image share
one copy. Objects are written before the batch commits; an object whose batch never committed is
harmless and is found again by the next ingest of the same bytes.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def object_path(objects_dir: Path, sha256: str) -> Path:
    return objects_dir / sha256[:2] / sha256


def store(objects_dir: Path, sha256: str, data: bytes) -> Path:
    """Keep ``data`` under its hash; return the object's path."""
    target = object_path(objects_dir, sha256)
    if target.exists() and target.stat().st_size == len(data):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
