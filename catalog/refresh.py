"""Fill the catalog: a full refresh from every source, or a fast update of one dataset after ingest.

Sources, in order: the lake (DuckLake metadata + statistics), the dbt project's ``target/``
artifacts, the warehouse's ML registry; then quality status and the repository's YAML metadata are
laid over them. A name found by several sources is merged (the ML registry and dbt both know a dbt
``model`` materialization; the first non-empty value wins, in source order ml > dbt > lake).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import duckdb

from catalog import index, metadata, store
from catalog.model import ColumnStats, DatasetRecord, LineageEdge, RefreshReport, SchemaChange
from catalog.sources import dbt, lake, ml, quality
from lakehouse.connect import connect
from lakehouse.errors import LockedError
from lakehouse.progress import ProgressCallback, ProgressEvent, report
from lakehouse.settings import Settings

log = logging.getLogger(__name__)
SOURCE_PRIORITY = {"ml": 0, "dbt": 1, "lake": 2}


class IngestReport(Protocol):
    """What ``register_ingest`` needs from an ingest report (any object with these attributes)."""

    dataset: str
    snapshot_id: int | None
    files: Sequence[Any]  # paths/URIs, or objects with a ``uri``/``source_uri``/``path`` attribute


def _aware(when: dt.datetime | None) -> dt.datetime | None:
    return when.replace(tzinfo=dt.UTC) if when is not None and when.tzinfo is None else when


def lake_exists(settings: Settings) -> bool:
    uri = settings.lake_metadata_uri
    return not uri.startswith("sqlite:") or Path(uri[len("sqlite:") :]).exists()


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
    empty = ColumnStats(null_fraction=None)
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
    entries = metadata.load(metadata_file)
    out = []
    for r in records:
        status = quality.lookup(statuses, r.name) or r.quality
        out.append(redact(metadata.apply(dataclasses.replace(r, quality=status), entries)))
    return out, warnings


def _scan_warehouse(settings: Settings) -> tuple[ml.MlScan, list[str]]:
    if not settings.warehouse_file.exists():
        return ml.MlScan(), []
    try:
        con = connect(settings, database=settings.warehouse_file, read_only=True, lake=False)
    except (LockedError, duckdb.Error) as exc:
        return ml.MlScan(), [f"ML models skipped: {exc}"]
    try:
        return ml.scan(con), []
    finally:
        con.close()


def _scan_lake(
    settings: Settings, only: set[str] | None, origins: dict[str, dict[str, str]]
) -> lake.LakeScan:
    if not lake_exists(settings):
        return lake.LakeScan()
    con = connect(settings, lake_read_only=True)
    try:
        return lake.scan(con, only=only, originals=origins)
    finally:
        con.close()


def refresh(settings: Settings, *, datasets: Sequence[str] | None = None, progress: ProgressCallback | None = None,
            metadata_file: Path | None = None) -> RefreshReport:  # fmt: skip
    """Rebuild the catalog from every source (or only the named lake ``datasets``) and its search index."""
    started = time.perf_counter()
    task = "catalog refresh"
    con = store.connect(settings.catalog_dir)
    origins: dict[str, dict[str, str]] = {
        r[0]: {} for r in con.execute("SELECT DISTINCT dataset FROM column_origins")
    }
    for name in origins:
        origins[name] = store.origins(con, name)
    only = {n if n.startswith("lake.") else f"lake.{n}" for n in datasets} if datasets else None
    report(progress, ProgressEvent(task, 0, 4, "sources", "lake"))
    lake_scan = _scan_lake(settings, only, origins)
    report(progress, ProgressEvent(task, 1, 4, "sources", "dbt"))
    dbt_scan = dbt.scan(settings.dbt_project_dir) if only is None else dbt.DbtScan()
    report(progress, ProgressEvent(task, 2, 4, "sources", "ML models"))
    ml_scan, warnings = _scan_warehouse(settings) if only is None else (ml.MlScan(), [])
    records = merge([*lake_scan.records, *dbt_scan.records, *ml_scan.records])
    records, quality_warnings = decorate(settings, records, metadata_file)
    warnings += quality_warnings
    names = {r.name for r in records}
    report(progress, ProgressEvent(task, 3, 4, "sources", "writing store and index"))
    with store.writer_lock(settings.catalog_dir):
        if only is None:
            edges = resolve_edges([*lake_scan.edges, *dbt_scan.edges, *ml_scan.edges], names)
            store.replace_all(con, records, edges, lake_scan.changes)
            index.replace_all(settings.catalog_dir, records, threads=settings.threads or 2)
        else:
            edges = lake_scan.edges
            update(con, settings.catalog_dir, records, edges, lake_scan.changes)
    con.close()
    report(progress, ProgressEvent(task, 4, 4, "sources", "done"))
    sources = {"lake": len(lake_scan.records), "dbt": len(dbt_scan.records), "ml": len(ml_scan.records)}
    return RefreshReport(len(records), sum(len(r.columns) for r in records), len(edges),
                         sum(len(r.pii_columns) for r in records), round(time.perf_counter() - started, 3),
                         sources, tuple(warnings))  # fmt: skip


def update(
    con: Any,
    catalog_dir: Path,
    records: list[DatasetRecord],
    edges: list[LineageEdge],
    changes: list[SchemaChange],
) -> None:
    """Replace a few datasets in the store and the index (hold ``store.writer_lock``)."""
    sql = store.statements()
    with store.transaction(con):
        for r in records:
            con.execute(sql["delete_dataset_edges"], (r.name, "ingest"))
            con.execute(sql["delete_dataset_history"], (r.name,))
        store.write_datasets(con, records)
        store.write_edges(con, edges)
        store.write_history(con, changes)
    index.upsert(catalog_dir, records)


def _uri(item: Any) -> str:
    for attr in ("source_uri", "uri", "path"):
        value = getattr(item, attr, None)
        if value:
            return str(value)
    return str(item)


def register_ingest(
    settings: Settings, ingest: IngestReport, *, metadata_file: Path | None = None
) -> RefreshReport:
    """Update one lake dataset right after an ingest commit (statistics, PII, lineage, history).

    Optional extras on the report: ``original_names`` (normalized -> original column name).
    """
    name = ingest.dataset if ingest.dataset.startswith("lake.") else f"lake.{ingest.dataset}"
    con = store.connect(settings.catalog_dir)
    originals = dict(getattr(ingest, "original_names", None) or {})
    if originals:
        with store.transaction(con):
            store.remember_origins(con, name, originals)
    con.close()
    result = refresh(settings, datasets=[name], metadata_file=metadata_file)
    files = [_uri(f) for f in ingest.files]
    if files:
        con = store.connect(settings.catalog_dir)
        with store.writer_lock(settings.catalog_dir), store.transaction(con):
            store.write_edges(con, [LineageEdge(f"file:{uri}", name, "ingest") for uri in files])
        con.close()
    return result
