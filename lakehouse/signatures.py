"""Extension files DuckDB has checked, recognised again by their content in later processes.

DuckDB checks a wheel extension's signature on every ``LOAD`` (~0.13 s of CPU for each 35 MB file, two
per lake command); a SHA-256 of the file costs a fifth of that. ``lakehouse.connect.connect`` loads the
files of the record into an in-memory database (an ingest's, a catalog scan's) with DuckDB's check
skipped only when each file's SHA-256 equals the one recorded after DuckDB checked it. A database file
(the warehouse) keeps DuckDB's check: a process may open it twice, and DuckDB refuses a second connection
whose settings differ from the first. How the signature's protection is kept:

- a digest is recorded only after DuckDB loaded the file with its signature check on, and only when the
  file's SHA-256 before and after that load agree;
- a file whose content differs from the record (or that has none) is checked by DuckDB again;
- the database opens with ``allow_unsigned_extensions`` only for those loads and turns it off before the
  connection is handed out; DuckDB refuses to turn it on again while the database runs, so no later
  ``LOAD`` (of a statement, a script, a restricted session) skips the check.

The record is ``cache_dir / RECORD``: a JSON object {extension file path: SHA-256}, rewritten atomically.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

RECORD = "checked_extensions.json"


def digests(paths: Sequence[Path]) -> dict[str, str]:
    """SHA-256 of each file (hashed side by side: hashlib releases the GIL), keyed by path."""
    if len(paths) < 2:
        return {str(p): _sha256(p) for p in paths}
    with cf.ThreadPoolExecutor(len(paths), thread_name_prefix="extension-sha") as pool:
        return dict(zip(map(str, paths), pool.map(_sha256, paths), strict=True))


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def recorded(record: Path) -> dict[str, str]:
    """The record's {path: SHA-256}; none before the first check."""
    if not record.exists():
        return {}
    try:
        found = json.loads(record.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        found = exc
    if not isinstance(found, dict) or not all(isinstance(v, str) for v in found.values()):
        # a cache: DuckDB checks the files again and the record is rewritten
        log.warning("%s: expected a JSON object of extension file path -> SHA-256; ignored", record)
        return {}
    return found


def checked_before(record: Path, found: Mapping[str, str]) -> bool:
    """Whether DuckDB checked every file of ``found`` (path -> SHA-256 now) with this very content."""
    known = recorded(record)
    return bool(found) and all(known.get(path) == sha for path, sha in found.items())


def remember(record: Path, found: Mapping[str, str]) -> None:
    """Record ``found`` (files DuckDB has just checked) next to what the record holds already."""
    merged = {**recorded(record), **found}
    record.parent.mkdir(parents=True, exist_ok=True)
    partial = record.with_name(f"{record.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(merged, indent=1, sort_keys=True), encoding="utf-8")
    partial.replace(record)
    log.debug("recorded the checked extension files in %s", record)
