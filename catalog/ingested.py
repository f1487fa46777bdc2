"""The catalog's update right after an ingest commit: only the lake tables the batch wrote.

``register_ingest(settings, batch)`` (``batch``: the lake's ``lakehouse.contracts.LandedBatch``) re-reads
that one table — its statistics, PII, original names, lineage and history; the table list, comment and
columns come from DuckLake's metadata rather than DuckDB's catalog functions (``catalog.sources.lake.scan``
with ``only``) — and replaces it under the catalog writer lock with ``catalog.write.update``: one SQLite
transaction that also logs its index document as pending (``catalog.pending``). The rest of the catalog
is left as it is; what is written equals what a full refresh (``catalog.refresh``) writes for that table.

Start-up time: this module reads the lake alone, so an ingest imports neither the dbt nor the ML source
(``catalog.refresh`` does, for the full refresh).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import duckdb

from catalog import store, write
from catalog.assemble import Scan, decorate, merge, report_of, scan_lake
from catalog.model import LineageEdge, RefreshReport
from lakehouse.contracts import LandedBatch
from lakehouse.progress import ProgressCallback, ProgressEvent, report
from lakehouse.settings import Settings


def register_ingest(
    settings: Settings,
    batch: LandedBatch,
    *,
    metadata_file: Path | None = None,
    lake_con: duckdb.DuckDBPyConnection | None = None,
) -> RefreshReport:
    """Update one lake dataset right after an ingest commit (statistics, PII, original names, lineage,
    history); the wiring (``lakehouse.wiring.pipeline.ingest``) calls it with ``IngestReport.landed()``
    and the connection the ingest used (``lake_con``, without the lake attached: ``catalog.assemble.scan_lake``)."""
    result = update_lake(settings, [batch.table], metadata_file=metadata_file, lake_con=lake_con)
    if batch.source_uris:  # the scan finds them too, unless the table has more source files than it lists
        con = store.connect(settings.catalog_dir)
        try:
            with store.writer_lock(settings.catalog_dir), store.transaction(con):
                store.write_edges(
                    con, [LineageEdge(f"file:{uri}", batch.table, "ingest") for uri in batch.source_uris]
                )
        finally:
            con.close()
    return result


def update_lake(
    settings: Settings,
    datasets: Sequence[str],
    *,
    metadata_file: Path | None = None,
    lake_con: duckdb.DuckDBPyConnection | None = None,
    progress: ProgressCallback | None = None,
) -> RefreshReport:
    """Re-read the lake tables ``datasets`` (``orders`` or ``lake.orders``) and replace them in the catalog."""
    started = time.perf_counter()
    only = {n if n.startswith("lake.") else f"lake.{n}" for n in datasets}
    report(progress, ProgressEvent("catalog scan", 0, 1, "sources", "lake"))
    lake = scan_lake(settings, only, lake_con)
    report(progress, ProgressEvent("catalog scan", 1, 1, "sources", "done"))
    found = Scan(lake.records, lake.edges, lake.changes, counts={"lake": len(lake.records)})
    records, warnings = decorate(settings, merge(found.records), metadata_file)
    con = store.connect(settings.catalog_dir)
    try:
        with store.writer_lock(settings.catalog_dir):
            write.update(con, settings.catalog_dir, records, found.edges, found.changes, via=("ingest",))
    finally:
        con.close()
    return report_of(found, records, found.edges, warnings, started)
