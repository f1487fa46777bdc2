"""The lake: ingest JSON, CSV and images into DuckLake tables ``lake.<dataset>``.

Public surface: ``ingest`` (files → one atomic batch, with schema evolution, quarantine and an
optional quality gate), ``maintain`` (flush inlined rows, compaction, snapshot expiry, orphan
cleanup) and ``list_quarantine``. Names are resolved lazily so that ``import lake.sample`` stays
light (no DuckDB, Arrow or Pillow import). ``lake.sample`` generates the sample raw data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakehouse.lazy import exports

if TYPE_CHECKING:
    from lake.housekeeping import MaintainReport, maintain
    from lake.naming import normalize_name, validate_dataset
    from lake.pipeline import ingest
    from lake.quarantine import QuarantinedRecord, list_quarantine
    from lake.report import BatchRejected, FileReport, IngestReport, SchemaChange

_EXPORTS = {
    "ingest": "lake.pipeline",
    "maintain": "lake.housekeeping",
    "MaintainReport": "lake.housekeeping",
    "normalize_name": "lake.naming",
    "validate_dataset": "lake.naming",
    "list_quarantine": "lake.quarantine",
    "QuarantinedRecord": "lake.quarantine",
    "BatchRejected": "lake.report",
    "FileReport": "lake.report",
    "IngestReport": "lake.report",
    "SchemaChange": "lake.report",
}
__all__ = [
    "BatchRejected",
    "FileReport",
    "IngestReport",
    "MaintainReport",
    "QuarantinedRecord",
    "SchemaChange",
    "ingest",
    "list_quarantine",
    "maintain",
    "normalize_name",
    "validate_dataset",
]


__getattr__ = exports("lake", _EXPORTS)
