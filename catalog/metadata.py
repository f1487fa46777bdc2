"""Business metadata kept in the project (``settings.metadata_file``, default ``catalog/metadata.yml``),
applied on every refresh.

    datasets:
      lake.customers:                  # full name, or the short name if it is unambiguous
        description: Customers from the shop's CRM
        owner: crm-team
        tags: [crm, gdpr]
        columns:
          email: {description: Contact address, pii: email, tags: [contact]}
          customer_id: {pii: false}    # not PII, whatever the detector thinks

YAML wins over dbt ``schema.yml`` and over detection; tags are merged. ``pii: KIND`` forces a
finding (confidence 1, source "override"); ``pii: false`` clears one.

The file is optional: when the setting is left at its default and the file is absent, the catalog has no
business metadata (logged); a file named by a flag, ``LAKEHOUSE_METADATA_FILE`` or lakehouse.toml must exist.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import yaml

from catalog.model import ColumnRecord, DatasetRecord, PiiFinding
from lakehouse.errors import InputError
from lakehouse.settings import Settings

log = logging.getLogger(__name__)
DATASET_KEYS = {"description", "owner", "tags", "columns"}
COLUMN_KEYS = {"description", "pii", "tags"}


def load(settings: Settings, path: Path | None = None) -> dict[str, dict[str, Any]]:
    """The ``datasets`` mapping of ``path`` (default: the ``metadata_file`` setting); see the module docstring."""
    if path is None:
        path = settings.metadata_file
        if not path.exists() and not settings.is_default("metadata_file"):
            settings.existing("metadata_file")  # raises, naming the setting and where it looked
    if not path.exists():
        log.info("no business metadata file at %s: the catalog has none", path)
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {exc}") from exc
    datasets = data.get("datasets", {}) if isinstance(data, dict) else None
    if not isinstance(datasets, dict):
        raise InputError(
            f"{path}: expected a mapping under 'datasets:'", hint="see catalog/metadata.py for the format"
        )
    for name, entry in datasets.items():
        unknown = set(entry or {}) - DATASET_KEYS
        if unknown:
            raise InputError(
                f"{path}: dataset {name!r} has unknown keys {sorted(unknown)} (valid: {sorted(DATASET_KEYS)})"
            )
        for column, spec in ((entry or {}).get("columns") or {}).items():
            bad = set(spec or {}) - COLUMN_KEYS
            if bad:
                raise InputError(
                    f"{path}: column {name}.{column} has unknown keys {sorted(bad)} (valid: {sorted(COLUMN_KEYS)})"
                )
    return {str(k): v or {} for k, v in datasets.items()}


def _pii(value: Any, current: PiiFinding | None) -> PiiFinding | None:
    if value is None:
        return current
    if value is False or str(value).lower() in ("false", "none", "no"):
        return None
    return PiiFinding(str(value), 1.0, "override")


def _column(column: ColumnRecord, spec: dict[str, Any]) -> ColumnRecord:
    return dataclasses.replace(
        column,
        description=spec.get("description", column.description),
        tags=tuple(dict.fromkeys([*column.tags, *spec.get("tags", [])])),
        pii=_pii(spec.get("pii"), column.pii) if "pii" in spec else column.pii,
    )


def apply(record: DatasetRecord, entries: dict[str, dict[str, Any]]) -> DatasetRecord:
    """``record`` with the YAML entry for it (by full or short name) applied."""
    entry = entries.get(record.name) or entries.get(record.short_name)
    if not entry:
        return record
    columns = entry.get("columns") or {}
    return dataclasses.replace(
        record,
        description=entry.get("description", record.description),
        owner=str(entry.get("owner", record.owner)),
        tags=tuple(dict.fromkeys([*record.tags, *entry.get("tags", [])])),
        columns=tuple(_column(c, columns[c.name]) if c.name in columns else c for c in record.columns),
    )
