"""What the catalog's sources found, turned into its records: merged, linked, redacted and decorated.

Shared by the full refresh (``catalog.refresh``, every source) and the update after an ingest
(``catalog.ingested``, the lake alone), so that an ingest imports no other source (dbt's YAML reader,
the ML registry's SQL parser) and both write the same records for the same lake.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from catalog import metadata
from catalog.model import ColumnStats, DatasetRecord, LineageEdge, RefreshReport, SchemaChange
from catalog.sources import lake, quality
from lakehouse.connect import attach_lake, connect, lake_exists
from lakehouse.settings import Settings

SOURCE_PRIORITY = {"ml": 0, "dbt": 1, "lake": 2}


@dataclass
class Scan:
    """What the sources found, before merging and decoration."""

    records: list[DatasetRecord] = field(default_factory=list)
    edges: list[LineageEdge] = field(default_factory=list)
    changes: list[SchemaChange] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _aware(when: dt.datetime | None) -> dt.datetime | None:
    return when.replace(tzinfo=dt.UTC) if when is not None and when.tzinfo is None else when


def merge(records: Iterable[DatasetRecord]) -> list[DatasetRecord]:
    """One record per name; fields filled from the highest-priority source that has them."""
    by_name: dict[str, list[DatasetRecord]] = {}
    for r in records:
        by_name.setdefault(r.name, []).append(r)
    out = []
    for name in sorted(by_name):
        group = sorted(by_name[name], key=lambda r: SOURCE_PRIORITY.get(r.source, 9))
        merged = group[0]
        for other in group[1:]:
            fill = {f.name: getattr(other, f.name) for f in dataclasses.fields(other)
                    if f.name != "properties" and not getattr(merged, f.name) and getattr(other, f.name)}  # fmt: skip
            merged = dataclasses.replace(merged, **fill, properties={**other.properties, **merged.properties})
        out.append(dataclasses.replace(merged, updated_at=_aware(merged.updated_at)))
    return out


def resolve_edges(edges: Iterable[LineageEdge], names: set[str]) -> list[LineageEdge]:
    """Point edges that name a table by its short name at the catalog's full name when unambiguous."""
    by_short: dict[str, list[str]] = {}
    for n in names:
        by_short.setdefault(n.rsplit(".", 1)[-1].lower(), []).append(n)

    def resolve(node: str) -> str:
        if node in names or node.startswith("file:"):
            return node
        found = by_short.get(node.rsplit(".", 1)[-1].lower(), [])
        return found[0] if len(found) == 1 else node

    return sorted({LineageEdge(resolve(e.upstream), resolve(e.downstream), e.via) for e in edges},
                  key=lambda e: (e.downstream, e.upstream))  # fmt: skip


def redact(record: DatasetRecord) -> DatasetRecord:
    """No PII values in the catalog: min, max and top values of PII columns are dropped."""
    empty = ColumnStats()
    columns = tuple(
        dataclasses.replace(
            c, stats=dataclasses.replace(c.stats, min=empty.min, max=empty.max, top_values=())
        )
        if c.pii
        else c
        for c in record.columns
    )
    return dataclasses.replace(record, columns=columns)


def decorate(
    settings: Settings, records: list[DatasetRecord], metadata_file: Path | None
) -> tuple[list[DatasetRecord], list[str]]:
    """Lay quality status and YAML business metadata over the scanned records."""
    statuses, warnings = quality.latest(settings)
    entries = metadata.load(settings, metadata_file)
    out = []
    for r in records:
        status = statuses.get(r.name, r.quality)
        out.append(redact(metadata.apply(dataclasses.replace(r, quality=status), entries)))
    return out, warnings


def report_of(found: Scan, records: list[DatasetRecord], edges: list[LineageEdge], warnings: list[str],
              started: float) -> RefreshReport:  # fmt: skip
    return RefreshReport(len(records), sum(len(r.columns) for r in records), len(edges),
                         sum(len(r.pii_columns) for r in records), round(time.perf_counter() - started, 3),
                         found.counts, tuple(found.warnings + warnings))  # fmt: skip


def scan_lake(
    settings: Settings, only: set[str] | None, con: duckdb.DuckDBPyConnection | None = None
) -> lake.LakeScan:
    """The lake's tables (``only`` some); on ``con``, a caller's connection without the lake attached
    (it is attached read-only for the scan and detached after), or on a connection of its own."""
    if not lake_exists(settings):
        return lake.LakeScan()
    if con is not None:
        attach_lake(con, settings, read_only=True)
        try:
            return lake.scan(con, only=only)
        finally:
            con.execute("DETACH lake")
    own = connect(settings, lake_read_only=True)
    try:
        return lake.scan(own, only=only)
    finally:
        own.close()
