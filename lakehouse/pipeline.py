"""The ingest path of the data flow, end to end: readers → gate → one lake commit → catalog.

``lake.ingest`` knows nothing of Great Expectations or the catalog; this function connects them the
way architecture.md draws it, so the CLI and the demo take the same path.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lakehouse.progress import ProgressCallback
from lakehouse.settings import Settings

if TYPE_CHECKING:
    from lake import IngestReport

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
    import lake

    quality_gate = None
    if gate:
        import quality

        quality_gate = quality.gate_for(settings)
    report = lake.ingest(settings, paths, dataset, gate=quality_gate, progress=progress, **options)
    if report.committed:
        _register(settings, report)
    return report


def _register(settings: Settings, report: IngestReport) -> None:
    import catalog

    catalog.register_ingest(settings, report)

