"""Fill the catalog from every source: the lake, dbt artifacts and the warehouse.

Sources, in order: the lake (DuckLake metadata + statistics), the dbt project's ``target/``
artifacts (profiled in the warehouse when it can be opened), the warehouse's ML registry; then
quality status and the repository's YAML metadata are laid over them. A name found by several
sources is merged (the ML registry and dbt both know a dbt ``model`` materialization; the first
non-empty value wins, in source order ml > dbt > lake). The store and the index are replaced in one
transaction and one commit each, under the catalog writer lock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from catalog import metadata, store, write
from catalog.model import ColumnStats, DatasetRecord, LineageEdge, RefreshReport, SchemaChange
from catalog.sources import dbt, lake, ml, quality, warehouse
from lakehouse.connect import attach_lake, connect, lake_exists
from lakehouse.progress import ProgressCallback, ProgressEvent, report
from lakehouse.settings import Settings

log = logging.getLogger(__name__)
SOURCE_PRIORITY = {"ml": 0, "dbt": 1, "lake": 2}
SOURCES = ("lake", "dbt", "ml")


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


def scan(settings: Settings, sources: Sequence[str], *, only: set[str] | None = None,
         progress: ProgressCallback | None = None, lake_con: duckdb.DuckDBPyConnection | None = None) -> Scan:  # fmt: skip
    """Read the given sources (a subset of ``SOURCES``); ``only`` limits the lake to some tables.

    ``lake_con``: a connection for the lake scan (``scan_lake``)."""
    out = Scan()
    task = "catalog scan"
    if "lake" in sources:
        report(progress, ProgressEvent(task, 0, 3, "sources", "lake"))
        found = scan_lake(settings, only, lake_con)
        out.records += found.records
        out.edges += found.edges
        out.changes += found.changes
        out.counts["lake"] = len(found.records)
    dbt_records: list[DatasetRecord] = []
    found_dbt = dbt.DbtScan()
    if "dbt" in sources:
        report(progress, ProgressEvent(task, 1, 3, "sources", "dbt"))
        found_dbt = dbt.scan(settings.dbt_project_dir)
        dbt_records = found_dbt.records
        out.warnings += found_dbt.warnings
    if dbt_records and not settings.warehouse_file.exists():
        out.warnings.append(
            f"the dbt project in {settings.dbt_project_dir} was built, but not into this home (no warehouse at "
            f"{settings.warehouse_file}): its {len(dbt_records)} models are not listed (`lakehouse dbt build`)"
        )
        dbt_records = []
    if "dbt" in sources or "ml" in sources:
        report(progress, ProgressEvent(task, 2, 3, "sources", "warehouse"))
        con_wh, why = warehouse.open_warehouse(settings)
        if why:
            out.warnings.append(why)
        if con_wh is not None:
            try:
                if "ml" in sources:
                    models = ml.scan(con_wh)
                    out.records += models.records
                    out.edges += models.edges
                    out.counts["ml"] = len(models.records)
                dbt_records, stats_warnings = warehouse.profile_models(
                    con_wh, dbt_records, found_dbt.documented
                )
                out.warnings += stats_warnings
            finally:
                con_wh.close()
        if "ml" in sources:
            out.counts.setdefault("ml", 0)
    if "dbt" in sources:
        out.counts["dbt"] = len(dbt_records)
        out.edges += _edges_of_listed(found_dbt, {r.name for r in dbt_records})
    out.records += dbt_records
    report(progress, ProgressEvent(task, 3, 3, "sources", "done"))
    return out


def _edges_of_listed(found: dbt.DbtScan, listed: set[str]) -> list[LineageEdge]:
    """dbt's lineage without the models left out (not in this home's warehouse)."""
    left_out = {r.name for r in found.records} - listed
    return [e for e in found.edges if e.upstream not in left_out and e.downstream not in left_out]


def refresh(settings: Settings, *, datasets: Sequence[str] | None = None, progress: ProgressCallback | None = None,
            metadata_file: Path | None = None, lake_con: duckdb.DuckDBPyConnection | None = None) -> RefreshReport:  # fmt: skip
    """Rebuild the catalog from every source and its search index.

    With ``datasets`` only those lake tables are re-read and replaced (what ``register_ingest`` does).
    ``lake_con``: a connection for the lake scan (``scan_lake``).
    """
    started = time.perf_counter()
    only = {n if n.startswith("lake.") else f"lake.{n}" for n in datasets} if datasets else None
    found = scan(settings, ("lake",) if only else SOURCES, only=only, progress=progress, lake_con=lake_con)
    records, warnings = decorate(settings, merge(found.records), metadata_file)
    con = store.connect(settings.catalog_dir)
    try:
        with store.writer_lock(settings.catalog_dir):
            if only is None:
                edges = resolve_edges(found.edges, {r.name for r in records})
                write.replace_all(con, settings.catalog_dir, records, edges, found.changes,
                                  threads=settings.threads or 2)  # fmt: skip
            else:
                edges = found.edges
                write.update(con, settings.catalog_dir, records, edges, found.changes, via=("ingest",))
    finally:
        con.close()
    return report_of(found, records, edges, warnings, started)
