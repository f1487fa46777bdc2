"""Decisions the access policy makes for the floor: whether a new lake is encrypted.

DuckLake fixes encryption when a lake is created, so the policy's answer (any dataset listed under
``sensitive_datasets``) is handed to the floor as the ``lake_encrypted`` setting before any command
opens the lake. A setting given explicitly (flag, environment, ``lakehouse.toml``) wins. A missing
policy file is said out loud: the new lake is then plain, with a warning naming the file.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from catalog.access.policy import load_policy_file
from lakehouse.settings import Settings

log = logging.getLogger(__name__)


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
    return settings.model_copy(update={"lake_encrypted": _sensitive(str(path), path.stat().st_mtime_ns)})


@functools.lru_cache(maxsize=8)
def _sensitive(path: str, mtime_ns: int) -> bool:
    """Whether the policy file lists sensitive datasets (parsed once per file version)."""
    return bool(load_policy_file(Path(path)).sensitive_datasets)


def _lake_not_created(settings: Settings) -> bool:
    meta = settings.lake_metadata_uri
    return meta.startswith("sqlite:") and not Path(meta.removeprefix("sqlite:")).exists()
