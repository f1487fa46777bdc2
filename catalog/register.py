"""Fast, incremental catalog updates right after the work that changes a dataset.

- ``register_ingest(settings, batch)`` after an ingest commit: re-reads that one lake table
  (``batch`` is the lake's ``lakehouse.contracts.LandedBatch``); in ``catalog.ingested``, which imports
  no source but the lake's.
- ``register_dbt(settings)`` after ``dbt build``: re-reads ``target/`` and replaces the dbt models.
- ``register_models(settings)`` after ``CREATE MODEL`` / ``DROP MODEL``: replaces the ML models.

Each replaces only its datasets (and their lineage edges of that kind) under the catalog writer
lock, with ``catalog.write.update``: one SQLite transaction that also logs their index documents as
pending, searched at once and folded into the index in batches (``catalog.pending``). The rest of the
catalog is left as it is.
"""

from __future__ import annotations

import time
from pathlib import Path

from catalog import store, write
from catalog.assemble import decorate, merge, report_of, resolve_edges
from catalog.model import RefreshReport
from catalog.refresh import scan
from lakehouse.settings import Settings


def _register_source(settings: Settings, source: str, metadata_file: Path | None) -> RefreshReport:
    started = time.perf_counter()
    found = scan(settings, (source,))
    records, warnings = decorate(settings, merge(found.records), metadata_file)
    con = store.connect(settings.catalog_dir)
    try:
        with store.writer_lock(settings.catalog_dir):
            known = {r[0] for r in con.execute("SELECT name FROM datasets")}
            before = {r[0] for r in con.execute("SELECT name FROM datasets WHERE source = ?", (source,))}
            names = {r.name for r in records}
            edges = resolve_edges(found.edges, known | names)
            write.update(
                con, settings.catalog_dir, records, edges, [], via=(source,), removed=sorted(before - names)
            )
    finally:
        con.close()
    return report_of(found, records, edges, warnings, started)


def register_dbt(settings: Settings, *, metadata_file: Path | None = None) -> RefreshReport:
    """Replace the dbt models after ``dbt build`` (reads ``target/manifest.json`` and ``catalog.json``)."""
    return _register_source(settings, "dbt", metadata_file)


def register_models(settings: Settings, *, metadata_file: Path | None = None) -> RefreshReport:
    """Replace the ML models after ``CREATE MODEL`` or ``DROP MODEL`` (reads ``ml._models``)."""
    return _register_source(settings, "ml", metadata_file)
