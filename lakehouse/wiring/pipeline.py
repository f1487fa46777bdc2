"""The ingest path of the data flow, end to end: readers → gate → one lake commit → catalog.

``lake.ingest`` knows nothing of Great Expectations or the catalog; this function connects them the
way architecture.md draws it, so the CLI and the demo take the same path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import catalog
import lake
import quality
from lake import IngestReport
from lakehouse.connect import DEFAULT_EXTENSIONS, connect
from lakehouse.errors import LakehouseError
from lakehouse.progress import ProgressCallback
from lakehouse.settings import Settings
from lakehouse.wiring.policy import with_policy_decisions
from warehouse.dbt import DbtReport, build

log = logging.getLogger(__name__)


def ingest(
    settings: Settings,
    paths: Sequence[str | Path],
    dataset: str,
    *,
    gate: bool = True,
    progress: ProgressCallback | None = None,
    **options: Any,
) -> IngestReport:
    """Ingest ``paths`` into ``lake.<dataset>`` behind the dataset's quality gate, then update the catalog.

    ``gate=False`` skips validation (the report records it). Raises ``lake.BatchRejected`` when a
    critical expectation fails; the lake is then unchanged and the batch is in quarantine.
    """
    settings = with_policy_decisions(settings)  # a new lake is encrypted when the policy says so
    quality_gate = None
    if gate:
        quality_gate = quality.gate_for(settings)
    # one DuckDB instance for the commit and the catalog's read of the table after it: each extension's
    # signature is checked once per command (the lake is attached by each step, in its own mode)
    encrypted = ("httpfs",) if settings.lake_encrypted else ()  # loaded side by side with the others
    with closing(connect(settings, lake=False, extensions=(*DEFAULT_EXTENSIONS, *encrypted))) as con:
        report = lake.ingest(
            settings, paths, dataset, gate=quality_gate, progress=progress, con=con, **options
        )
        if report.committed:
            if not gate:
                quality.record_ungated(settings, dataset)  # the catalog shows the batch was not checked
            _update_catalog(catalog.register_ingest, settings, report.landed(), lake_con=con)
    return report


def build_warehouse(settings: Settings, **options: Any) -> DbtReport:
    """``dbt build`` (which also trains the project's ML models), then update the catalog from its manifest."""
    report = build(settings, **options)
    if report.target == "dev":
        _update_catalog(catalog.register_dbt, settings)
        _update_catalog(catalog.register_models, settings)
    return report


def models_changed(settings: Settings) -> None:
    """After CREATE MODEL / DROP MODEL: refresh the catalog's models (the warehouse must be closed)."""
    _update_catalog(catalog.register_models, settings)


def _update_catalog(register: Callable[..., Any], settings: Settings, *args: Any, **kwargs: Any) -> None:
    """The data is committed already; a catalog that cannot follow is a warning, not a failed command."""
    try:
        register(settings, *args, **kwargs)
    except LakehouseError as exc:
        log.warning("catalog not updated (run `lakehouse catalog refresh`): %s", exc)
