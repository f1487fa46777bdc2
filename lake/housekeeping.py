"""Lake maintenance: flush inlined rows, compact small files, expire snapshots, delete orphans.

DuckLake keeps small inserts inside its metadata (inlined) and never deletes a Parquet file on its
own. ``maintain`` runs its housekeeping functions in the safe order under the writer lock:
flush inlined data → merge adjacent small files → expire snapshots older than ``keep`` → delete the
files those snapshots no longer need → delete orphaned files (e.g. staged Parquet of an ingest that
was killed before it committed) older than ``orphan_age`` → remove staging folders of killed ingests
from the spill directory (used when the lake is encrypted).
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from dataclasses import dataclass, field

import duckdb

from lakehouse.connect import connect
from lakehouse.locks import lake_writer_lock
from lakehouse.settings import Settings

#: step name -> SQL; ``?`` is the cutoff timestamp where a step takes one
STEPS: dict[str, str] = {
    "flush_inlined": "CALL ducklake_flush_inlined_data('lake')",
    "merge_files": "CALL ducklake_merge_adjacent_files('lake')",
    "expire_snapshots": "CALL ducklake_expire_snapshots('lake', older_than => ?::TIMESTAMPTZ)",
    "cleanup_old_files": "CALL ducklake_cleanup_old_files('lake', cleanup_all => true)",
    "delete_orphans": "CALL ducklake_delete_orphaned_files('lake', older_than => ?::TIMESTAMPTZ)",
}
CUTOFF = {"expire_snapshots": "keep", "delete_orphans": "orphan_age"}


@dataclass
class MaintainReport:
    steps: dict[str, int] = field(default_factory=dict)  # step -> rows it reported (files, snapshots …)
    snapshots_before: int = 0
    snapshots_after: int = 0
    seconds: float = 0.0


def maintain(
    settings: Settings,
    *,
    keep: dt.timedelta = dt.timedelta(days=7),
    orphan_age: dt.timedelta = dt.timedelta(hours=1),
) -> MaintainReport:
    """Run every maintenance step (see the module docstring) and say what each did."""
    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC)
    cutoffs = {"keep": (now - keep).isoformat(), "orphan_age": (now - orphan_age).isoformat()}
    report = MaintainReport()
    with lake_writer_lock(settings):
        con = connect(settings)
        try:
            report.snapshots_before = _snapshots(con)
            for step, sql in STEPS.items():
                params = [cutoffs[CUTOFF[step]]] if step in CUTOFF else []
                report.steps[step] = len(con.execute(sql, params).fetchall())
            report.snapshots_after = _snapshots(con)
            report.steps["stale_staging"] = _remove_stale_staging(
                settings, time.time() - orphan_age.total_seconds()
            )
        finally:
            con.close()
    report.seconds = time.perf_counter() - started
    return report


def _snapshots(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM ducklake_snapshots('lake')").fetchone()
    return int(row[0]) if row else 0


def _remove_stale_staging(settings: Settings, cutoff: float) -> int:
    """Staging folders of ingests that never finished (killed): no ingest runs while we hold the lock.

    A shared (PostgreSQL) catalog has no lock, so ingests may be running: only folders older than
    ``cutoff`` (a Unix time, ``orphan_age`` ago) are removed there.
    """
    shared = settings.lake_catalog_shared
    stale = [
        p
        for p in settings.spill_dir.glob("ingest-*")
        if p.is_dir() and not (shared and p.stat().st_mtime > cutoff)
    ]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return len(stale)
