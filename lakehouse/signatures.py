"""Extension files DuckDB has checked, recognised again in later processes.

DuckDB checks a wheel extension's signature on every ``LOAD`` (~0.13 s of CPU for each 35 MB file, two
per lake command); a SHA-256 of the file costs a fifth of that, and reading the file's status (``os.stat``)
nothing. ``lakehouse.connect.connect`` loads the files of the record into a database (an ingest's,
a catalog scan's, the warehouse of ``lakehouse sql``) with DuckDB's check skipped only when each file is the one DuckDB checked: its
status (device, inode, size, modification and change times) equals the recorded one, or, failing that, its
SHA-256 equals the recorded digest. A database file (the warehouse) is treated alike; a second connection
of the same process to a database file joins it with the setting it was opened with (DuckDB refuses other
settings), after turning ``allow_unsigned_extensions`` off (``lakehouse.connect._open``). How the
signature's protection is kept:

- a digest is recorded only after DuckDB loaded the file with its signature check on, and only when the
  file's SHA-256 before and after that load agree;
- a status is recorded with a digest only when the file's status was the same before it was hashed and
  after, and its change time (``st_ctime``, which every write, rename, ``chmod`` or ``utime`` sets to the
  clock and which no unprivileged process can set back) is older than the hashing by ``SETTLED_NS``: a
  change after the status was read gives the file a change time the record does not hold (the rule git
  uses for its index, where a change within the clock's granularity could otherwise go unseen);
- a file whose status and content differ from the record (or that has none) is checked by DuckDB again;
- the database opens with ``allow_unsigned_extensions`` only for those loads and turns it off before the
  connection is handed out; DuckDB refuses to turn it on again while the database runs, so no later
  ``LOAD`` (of a statement, a script, a restricted session) skips the check.

The record is ``cache_dir / RECORD``: a JSON object {extension file path: {"sha256": hex digest,
"stat": [device, inode, size, mtime_ns, ctime_ns]}} (``"stat"`` left out when it was not settled; a
bare digest as the value, the earlier form, is read as such), rewritten atomically.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import logging
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

RECORD = "checked_extensions.json"
#: a file changed less than this long before it was hashed gets no status in the record (only its digest)
SETTLED_NS = 2_000_000_000

Status = tuple[int, int, int, int, int]


def digests(paths: Sequence[Path]) -> dict[str, str]:
    """SHA-256 of each file (hashed side by side: hashlib releases the GIL), keyed by path."""
    if len(paths) < 2:
        return {str(p): _sha256(p) for p in paths}
    with cf.ThreadPoolExecutor(len(paths), thread_name_prefix="extension-sha") as pool:
        return dict(zip(map(str, paths), pool.map(_sha256, paths), strict=True))


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def status(path: Path | str) -> Status:
    """What tells a file from any other, or from itself after a change: device, inode, size, mtime, ctime."""
    st = os.stat(path)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _entries(record: Path) -> dict[str, tuple[str, Status | None]]:
    """The record's {path: (SHA-256, status or None)}; none before the first check."""
    if not record.exists():
        return {}
    try:
        found = json.loads(record.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        found = None
    entries = {path: _entry(value) for path, value in found.items()} if isinstance(found, dict) else None
    if entries is None or any(entry is None for entry in entries.values()):
        # a cache: DuckDB checks the files again and the record is rewritten
        log.warning("%s: expected a JSON object of extension file path -> SHA-256; ignored", record)
        return {}
    return {path: entry for path, entry in entries.items() if entry is not None}


def _entry(value: object) -> tuple[str, Status | None] | None:
    """One path's value: a digest (the earlier form) or {"sha256": digest, "stat": [5 integers]}."""
    if isinstance(value, str):
        return value, None
    if not isinstance(value, dict) or not isinstance(value.get("sha256"), str):
        return None
    stat = value.get("stat")
    if isinstance(stat, list) and len(stat) == 5 and all(type(n) is int for n in stat):
        return value["sha256"], (stat[0], stat[1], stat[2], stat[3], stat[4])
    return value["sha256"], None


def recorded(record: Path) -> dict[str, str]:
    """The record's {path: SHA-256}; none before the first check."""
    return {path: sha for path, (sha, _) in _entries(record).items()}


@dataclass(frozen=True)
class Check:
    """What ``check`` found of the files a connection is about to load."""

    record: Path
    #: path -> status before hashing (and, for ``by_status``, the recorded one)
    statuses: dict[str, Status]
    #: path -> SHA-256; empty when the statuses alone showed the files DuckDB checked
    digests: dict[str, str]
    #: every file is one DuckDB checked before: load it without a second signature check
    checked: bool
    #: wall clock (ns) before the statuses were read
    since_ns: int

    @property
    def by_status(self) -> bool:
        return self.checked and not self.digests


def check(record: Path, paths: Sequence[Path]) -> Check:
    """Whether DuckDB checked each of ``paths`` with its present content: by status when the record holds
    one equal to the file's, else by SHA-256."""
    since = time.time_ns()
    statuses = {str(p): status(p) for p in paths}
    known = _entries(record)
    if statuses and all(known.get(p, ("", None))[1] == s for p, s in statuses.items()):
        return Check(record, statuses, {}, True, since)
    found = digests(paths)
    checked = bool(found) and all(known.get(p, ("", None))[0] == sha for p, sha in found.items())
    return Check(record, statuses, found, checked, since)


def settle(found: Check, loaded: Sequence[str]) -> None:
    """After the files ``loaded`` (paths) were loaded: record the digests DuckDB's check (or an earlier one)
    stands for, each with its file's status when that did not change since ``check`` and is old enough to be
    trusted alone."""
    if found.by_status:
        return  # the record holds them already
    hashed = {p: sha for p, sha in found.digests.items() if p in loaded}
    if not hashed:
        return
    if not found.checked and digests([Path(p) for p in hashed]) != hashed:
        return  # changed while DuckDB read it: nothing is recorded, the next process checks again
    statuses = {p: status(p) for p in hashed}
    settled = {
        p: s
        for p, s in statuses.items()
        if s == found.statuses[p] and max(s[3], s[4]) < found.since_ns - SETTLED_NS
    }
    if found.checked and not settled:
        return  # the record holds the digests already, and there is no status to add
    remember(found.record, hashed, settled)


def remember(record: Path, found: Mapping[str, str], statuses: Mapping[str, Status] | None = None) -> None:
    """Record ``found`` (files DuckDB has checked) next to what the record holds already, with their
    ``statuses`` where given."""
    merged: dict[str, dict[str, object]] = {
        path: {"sha256": sha, **({"stat": list(stat)} if stat else {})}
        for path, (sha, stat) in _entries(record).items()
        if path not in found
    }
    for path, sha in found.items():
        stat = (statuses or {}).get(path)
        merged[path] = {"sha256": sha, **({"stat": list(stat)} if stat else {})}
    record.parent.mkdir(parents=True, exist_ok=True)
    partial = record.with_name(f"{record.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(merged, indent=1, sort_keys=True), encoding="utf-8")
    partial.replace(record)
    log.debug("recorded the checked extension files in %s", record)
