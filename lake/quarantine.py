"""The quarantine: every rejected record or file, queryable in ``lake._quarantine``.

Readers put rejected lines into the ``_quarantine_stage`` temp table while they stage; the commit
moves them into the lake with the batch. A batch the gate rejects, or a file whose types cannot be
reconciled with the table, is quarantined row by row (``raw`` is the row as JSON).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from lake.naming import LINEAGE_COLUMNS
from lakehouse.connect import connect
from lakehouse.quoting import ident, literal, string_list
from lakehouse.settings import Settings


@dataclass(frozen=True)
class QuarantinedRecord:
    dataset: str
    batch_id: str
    source_uri: str
    source_line: int | None
    reason: str
    raw: str | None
    quarantined_at: dt.datetime


def rows_as_quarantine(files: Sequence[Path], columns: Iterable[str], dataset: str, reason: str) -> str:
    """SELECT yielding quarantine rows for the staged rows in ``files`` (raw = the data columns as JSON)."""
    paths = string_list([str(p) for p in files])
    record = ", ".join(f"{ident(c)} := {ident(c)}" for c in columns if c not in LINEAGE_COLUMNS)
    return (
        f"SELECT {literal(dataset)} AS dataset, _batch_id AS batch_id, _source_uri AS source_uri, "
        f"_source_line AS source_line, {literal(reason)} AS reason, to_json(struct_pack({record}))::VARCHAR AS raw, "
        f"_ingested_at AS quarantined_at FROM read_parquet({paths}, union_by_name = true)"
    )


def list_quarantine(
    settings: Settings, dataset: str | None = None, *, batch_id: str | None = None, limit: int = 100
) -> list[QuarantinedRecord]:
    """The newest quarantined records, optionally of one dataset or batch."""
    con = connect(settings, lake_read_only=True)
    try:
        if not _exists(con):
            return []
        rows = con.execute(
            "SELECT dataset, batch_id, source_uri, source_line, reason, raw, quarantined_at FROM lake.main._quarantine "
            "WHERE (? IS NULL OR dataset = ?) AND (? IS NULL OR batch_id = ?) "
            "ORDER BY quarantined_at DESC, source_uri, source_line LIMIT ?",
            [dataset, dataset, batch_id, batch_id, limit],
        ).fetchall()
    finally:
        con.close()
    return [QuarantinedRecord(*row) for row in rows]


def _exists(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "SELECT 1 FROM duckdb_tables() WHERE database_name = 'lake' AND table_name = '_quarantine'"
    ).fetchone()
    return found is not None
