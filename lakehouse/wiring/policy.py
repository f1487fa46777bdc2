"""Decisions the access policy makes for the floor: whether a new lake is encrypted.

DuckLake fixes encryption when a lake is created, so the policy's answer (any dataset listed under
``sensitive_datasets``) is handed to the floor as the ``lake_encrypted`` setting before any command
opens the lake. A setting given explicitly (flag, environment, ``lakehouse.toml``) wins. A missing
policy file is said out loud: the new lake is then plain, with a warning naming the file.

Start-up time: parsing the policy (YAML, pydantic, sqlglot for the row filters) is a large part of a
short command, so the answer is cached by the SHA-256 of the policy file's bytes in
``HOME/cache/policy/`` (a changed file has another hash: nothing to invalidate). The cache is read only
when the lake's SQLite catalog exists already: its encryption is then fixed in the lake itself, and the
setting only decides whether ``httpfs`` is loaded up front (a writer to an encrypted lake loads it from
the lake's own flag anyway, ``lakehouse.connect.attach_lake``). A lake about to be created always gets
the answer from the policy file itself, so a forged or stale cache entry can never create a plain lake.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from pathlib import Path

from lakehouse.settings import Settings

log = logging.getLogger(__name__)

CACHE_FORMAT = 1  # part of the key: bump it when the cached answer changes meaning


def with_policy_decisions(settings: Settings) -> Settings:
    """``settings`` with ``lake_encrypted`` decided by the policy when it was left unset."""
    if settings.lake_encrypted is not None:
        return settings
    path = settings.policy_file
    if not path.exists():
        if _lake_not_created(settings):
            log.warning(
                "no access policy at %s: a new lake is created unencrypted "
                "(set lake_encrypted = true in lakehouse.toml, or LAKEHOUSE_LAKE_ENCRYPTED=1, to encrypt it)",
                path,
            )
        return settings.model_copy(update={"lake_encrypted": False})
    data = path.read_bytes()
    cache = cache_file(settings, data) if _sqlite_lake_exists(settings) else None
    return settings.model_copy(update={"lake_encrypted": _sensitive(str(path), data, cache)})


def cache_file(settings: Settings, policy: bytes) -> Path:
    """Where the decisions for a policy file with these bytes are cached."""
    key = hashlib.sha256(f"lakehouse-policy-decisions-v{CACHE_FORMAT}\n".encode() + policy).hexdigest()
    return settings.home / "cache" / "policy" / f"{key}.json"


@functools.lru_cache(maxsize=8)
def _sensitive(path: str, data: bytes, cache: Path | None) -> bool:
    """Whether the policy file lists sensitive datasets (from the cache when it may be trusted)."""
    if cache is not None:
        cached = _read(cache)
        if cached is not None:
            return cached
    from catalog.access.policy import parse_policy_text  # start-up time: only on a cache miss

    sensitive = bool(parse_policy_text(data.decode("utf-8"), source=path).sensitive_datasets)
    if cache is not None:
        _write(cache, sensitive)
    return sensitive


def _read(cache: Path) -> bool | None:
    """The cached answer, or None when there is none or it is not one this module wrote (a miss)."""
    try:
        entry = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = entry.get("sensitive") if isinstance(entry, dict) else None
    return value if isinstance(value, bool) else None


def _write(cache: Path, sensitive: bool) -> None:
    """Write the entry atomically (a reader sees the old file, none, or the whole new one)."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    partial = cache.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps({"sensitive": sensitive}), encoding="utf-8")
    os.replace(partial, cache)


def _lake_not_created(settings: Settings) -> bool:
    meta = settings.lake_metadata_uri
    return meta.startswith("sqlite:") and not Path(meta.removeprefix("sqlite:")).exists()


def _sqlite_lake_exists(settings: Settings) -> bool:
    """A lake whose encryption is fixed already (a PostgreSQL catalog's existence is not checked here)."""
    meta = settings.lake_metadata_uri
    return meta.startswith("sqlite:") and Path(meta.removeprefix("sqlite:")).exists()
