"""Lake maintenance: flush inlined rows, compact small files, expire snapshots, delete orphans.

DuckLake keeps small inserts inside its metadata (inlined) and never deletes a Parquet file on its
own. ``maintain`` runs its housekeeping functions in the safe order under the writer lock:
flush inlined data → merge adjacent small files → expire snapshots older than ``keep`` → delete the
files those snapshots no longer need → delete orphaned files (e.g. staged Parquet of an ingest that
was killed before it committed) older than ``orphan_age`` → remove staging folders of killed ingests
from the spill directory (used when the lake is encrypted).

Snapshots that kept model versions were trained on (``training``, ``lakehouse.contracts.TrainingSnapshot``,
given by the wiring) are never expired, however old: their versions' training rows stay readable with
``AT (VERSION => n)``. The report lists the ones that expiry would have removed (``kept_for_models``).
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb

from lakehouse.connect import connect
from lakehouse.contracts import TrainingSnapshot
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
#: expiry by list: the snapshots older than the cutoff except the ones kept for models (and the newest)
EXPIRE_LISTED = "CALL ducklake_expire_snapshots('lake', versions => ?::BIGINT[])"
_EXPIRABLE = (
    "SELECT snapshot_id FROM ducklake_snapshots('lake') WHERE snapshot_time < ?::TIMESTAMPTZ "
    "AND snapshot_id < (SELECT max(snapshot_id) FROM ducklake_snapshots('lake')) ORDER BY snapshot_id"
)


@dataclass
class MaintainReport:
    steps: dict[str, int] = field(default_factory=dict)  # step -> rows it reported (files, snapshots …)
    snapshots_before: int = 0
    snapshots_after: int = 0
    seconds: float = 0.0
    #: snapshots older than ``keep`` that were kept because a model version was trained on them
    kept_for_models: list[TrainingSnapshot] = field(default_factory=list)


def maintain(
    settings: Settings,
    *,
    keep: dt.timedelta = dt.timedelta(days=7),
    orphan_age: dt.timedelta = dt.timedelta(hours=1),
    training: Sequence[TrainingSnapshot] = (),
) -> MaintainReport:
    """Run every maintenance step (see the module docstring) and say what each did; the snapshots of
    ``training`` are not expired."""
    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC)
    cutoffs = {"keep": (now - keep).isoformat(), "orphan_age": (now - orphan_age).isoformat()}
    report = MaintainReport()
    with lake_writer_lock(settings):
        con = connect(settings)
        try:
            report.snapshots_before = _snapshots(con)
            for step, sql in STEPS.items():
                if step == "expire_snapshots" and training:
                    report.steps[step] = _expire_sparing(con, cutoffs["keep"], training, report)
                    continue
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


def _expire_sparing(
    con: duckdb.DuckDBPyConnection, cutoff: str, training: Sequence[TrainingSnapshot], report: MaintainReport
) -> int:
    """Expire the snapshots older than ``cutoff`` except those of ``training`` (listed in the report)."""
    old = [int(r[0]) for r in con.execute(_EXPIRABLE, [cutoff]).fetchall()]
    spared = {t.snapshot for t in training}
    report.kept_for_models = [t for t in training if t.snapshot in set(old)]
    expired = [s for s in old if s not in spared]
    if not expired:
        return 0
    return len(con.execute(EXPIRE_LISTED, [expired]).fetchall())


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
