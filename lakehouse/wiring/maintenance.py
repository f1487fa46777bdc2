"""Lake maintenance that knows about the models: the snapshots kept model versions were trained on stay.

``maintain`` reads, from the warehouse's model registry, the lake snapshot of every kept version
(``warehouse.ml.versions.training_snapshots``) and hands them to ``lake.maintain``, which expires every
other snapshot older than ``keep`` and lists the ones it kept for models in its report. A warehouse
that does not exist yet has no models; one held by a writer is an error (nothing is expired blindly).
"""

from __future__ import annotations

import datetime as dt

import lake
import warehouse
from lakehouse.contracts import TrainingSnapshot
from lakehouse.settings import Settings
from warehouse.ml import versions


def training_snapshots(settings: Settings) -> list[TrainingSnapshot]:
    """The lake snapshots of every kept model version (none without a warehouse)."""
    if not settings.warehouse_file.exists():
        return []
    con = warehouse.connect(settings, read_only=True, lake=False)
    try:
        return versions.training_snapshots(con)
    finally:
        con.close()


def maintain(
    settings: Settings,
    *,
    keep: dt.timedelta = dt.timedelta(days=7),
    orphan_age: dt.timedelta = dt.timedelta(hours=1),
) -> lake.MaintainReport:
    """``lake.maintain`` sparing the snapshots kept model versions were trained on."""
    return lake.maintain(settings, keep=keep, orphan_age=orphan_age, training=training_snapshots(settings))
