"""``publish``: lake snapshot -> Parquet -> BigQuery load jobs, so dbt's BigQuery target has its sources."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakehouse.errors import UsageError
from lakehouse.progress import ProgressCallback, ProgressEvent, report
from lakehouse.settings import Settings
from warehouse.publish.bigquery import LoadedTable, bigquery_module, ensure_dataset, load_table, make_client
from warehouse.publish.export import export_snapshot
from warehouse.publish.schema import load_spec
from warehouse.publish.target import resolve_target

TARGETS = ("bigquery",)


@dataclass(frozen=True)
class PublishReport:
    target: str
    dataset: str  # project.dataset
    snapshot: int
    tables: list[LoadedTable]
    seconds: float

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def publish(
    settings: Settings,
    target: str = "bigquery",
    *,
    tables: Sequence[str] | None = None,
    snapshot: int | None = None,
    project: str | None = None,
    dataset: str | None = None,
    location: str | None = None,
    write_disposition: str = "truncate",
    client: Any = None,
    progress: ProgressCallback | None = None,
) -> PublishReport:
    """Publish lake tables at one snapshot (default: the latest) to BigQuery (``settings.bigquery``).

    ``project``, ``dataset`` (the lake's dataset) and ``location`` are the command's flags: they win over
    ``settings.bigquery``. ``client`` is a ``google.cloud.bigquery.Client`` to use instead of one built from
    the settings.
    """
    if target not in TARGETS:
        raise UsageError(f"unknown publish target {target!r}", hint="targets: " + ", ".join(TARGETS))
    bigquery_module()  # fail fast, before exporting anything, when the extra is not installed
    resolved = resolve_target(
        settings,
        project=project or getattr(client, "project", None),
        dataset=dataset,
        location=location,
        write_disposition=write_disposition,
    )
    started = time.perf_counter()
    client = client or make_client(resolved.bigquery)
    ensure_dataset(client, resolved)
    loaded: list[LoadedTable] = []
    with tempfile.TemporaryDirectory(prefix="publish-", dir=_scratch(settings)) as scratch:
        snapshot_id, exported = export_snapshot(settings, Path(scratch), tables, snapshot)
        for i, item in enumerate(exported, 1):
            report(progress, ProgressEvent("publish", i - 1, len(exported), "tables", item.table))
            spec = load_spec(item.table, item.path)
            loaded.append(load_table(client, resolved, item, spec, snapshot_id))
        report(progress, ProgressEvent("publish", len(exported), len(exported), "tables"))
    return PublishReport("bigquery", resolved.dataset_id, snapshot_id, loaded, time.perf_counter() - started)


def _scratch(settings: Settings) -> Path:
    settings.spill_dir.mkdir(parents=True, exist_ok=True)
    return settings.spill_dir
