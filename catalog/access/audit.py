"""The access audit log: one JSON line per principal query, allowed or denied.

Lines go to ``settings.audit_dir / "access.jsonl"``, appended with one write each so concurrent
processes do not interleave. Fields: time (UTC, ISO-8601), user, groups, roles, relations
touched, rows returned, allowed, outcome (allowed / denied / failed), reason, the query text
and its SHA-256.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from catalog.access.policy import Principal
from lakehouse.settings import Settings

AUDIT_FILE = "access.jsonl"


@dataclass(frozen=True)
class AuditRecord:
    user: str | None
    groups: list[str]
    roles: list[str]
    relations: list[str]
    rows: int | None
    allowed: bool
    outcome: str  # "allowed", "denied" (access rules said no) or "failed" (bad SQL, timeout ...)
    reason: str | None
    query: str
    query_sha256: str
    elapsed_s: float
    time: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"))


def audit_path(settings: Settings) -> Path:
    return settings.audit_dir / AUDIT_FILE


def record(
    settings: Settings,
    principal: Principal,
    query: str,
    *,
    relations: Iterable[str],
    rows: int | None,
    allowed: bool,
    outcome: str | None = None,
    reason: str | None = None,
    elapsed_s: float = 0.0,
) -> AuditRecord:
    entry = AuditRecord(
        user=principal.user,
        groups=sorted(principal.groups),
        roles=sorted(principal.roles),
        relations=sorted(set(relations)),
        rows=rows,
        allowed=allowed,
        outcome=outcome or ("allowed" if allowed else "denied"),
        reason=reason,
        query=query,
        query_sha256=hashlib.sha256(query.encode()).hexdigest(),
        elapsed_s=round(elapsed_s, 4),
    )
    path = audit_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(asdict(entry), ensure_ascii=False) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
    return entry


def read_log(settings: Settings) -> Iterator[dict[str, Any]]:
    path = audit_path(settings)
    if not path.exists():
        return
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)
