"""Fill the catalog from every source: the lake, dbt artifacts and the warehouse.

Sources, in order: the lake (DuckLake metadata + statistics), the dbt project's ``target/``
artifacts (profiled in the warehouse when it can be opened), the warehouse's ML registry; then
quality status and the repository's YAML metadata are laid over them. A name found by several
sources is merged (the ML registry and dbt both know a dbt ``model`` materialization; the first
non-empty value wins, in source order ml > dbt > lake). The store and the index are replaced in one
transaction and one commit each, under the catalog writer lock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

import duckdb

from catalog import ingested, store, write
from catalog.assemble import Scan, decorate, merge, report_of, resolve_edges, scan_lake
from catalog.model import DatasetRecord, LineageEdge, RefreshReport
from catalog.sources import dbt, ml, warehouse
from lakehouse.progress import ProgressCallback, ProgressEvent, report
from lakehouse.settings import Settings

log = logging.getLogger(__name__)
SOURCES = ("lake", "dbt", "ml")


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

    With ``datasets`` only those lake tables are re-read and replaced (``catalog.ingested.update_lake``,
    what ``register_ingest`` does). ``lake_con``: a connection for the lake scan (``scan_lake``).
    """
    if datasets:
        return ingested.update_lake(
            settings, datasets, metadata_file=metadata_file, lake_con=lake_con, progress=progress
        )
    started = time.perf_counter()
    found = scan(settings, SOURCES, progress=progress, lake_con=lake_con)
    records, warnings = decorate(settings, merge(found.records), metadata_file)
    con = store.connect(settings.catalog_dir)
    try:
        with store.writer_lock(settings.catalog_dir):
            edges = resolve_edges(found.edges, {r.name for r in records})
            write.replace_all(con, settings.catalog_dir, records, edges, found.changes,
                              threads=settings.threads or 2)  # fmt: skip
    finally:
        con.close()
    return report_of(found, records, edges, warnings, started)
