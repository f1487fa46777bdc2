"""Quality status: the latest validation of each table, from the quality package's result files.

The quality package writes one result file per validation (``lakehouse.contracts.ValidationSummary``
in each); the catalog reads the latest one per dataset through ``contracts.latest_summaries`` and
keys it by the table it validated (``lake.orders``, ``marts.dim_customers``), which is the catalog's
name for it. A result file this version cannot read is reported as a refresh warning.
"""

from __future__ import annotations

from catalog.model import QualityStatus
from lakehouse import contracts
from lakehouse.errors import InputError
from lakehouse.settings import Settings


def status(summary: contracts.ValidationSummary) -> QualityStatus:
    return QualityStatus(
        passed=summary.passed,
        checks=summary.checks,
        failed_critical=summary.failed_critical,
        failed_warning=summary.failed_warning,
        validated_at=summary.validated_at,
    )


def latest(settings: Settings) -> tuple[dict[str, QualityStatus], list[str]]:
    """Catalog name -> status of its latest validation, and warnings."""
    try:
        summaries = contracts.latest_summaries(settings.quality_dir)
    except InputError as exc:
        return {}, [f"quality status skipped: {exc}"]
    return {summary.table: status(summary) for summary, _ in summaries.values()}, []
