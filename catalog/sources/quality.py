"""Quality status from the ``quality`` package, read defensively.

Contract (owned by the quality helper): ``quality.latest_results(settings)`` returns a mapping
dataset -> {passed: bool, checks: int, failed_critical: int, failed_warning: int,
validated_at: datetime | ISO string}, the last validation of each dataset. Keys may be short
(``orders``) or qualified (``lake.orders``). When the package or the function is missing, or it
fails, the catalog carries on without quality status and says so in the refresh warnings.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Mapping
from typing import Any

from catalog.model import QualityStatus
from lakehouse.settings import Settings

log = logging.getLogger(__name__)


def _time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, str) and value:
        return _time(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
    return None


def status(entry: Mapping[str, Any] | Any) -> QualityStatus:
    get = entry.get if isinstance(entry, Mapping) else lambda k, d=None: getattr(entry, k, d)
    return QualityStatus(
        passed=bool(get("passed", False)),
        checks=int(get("checks", 0) or 0),
        failed_critical=int(get("failed_critical", 0) or 0),
        failed_warning=int(get("failed_warning", 0) or 0),
        validated_at=_time(get("validated_at")),
    )


def latest(settings: Settings) -> tuple[dict[str, QualityStatus], list[str]]:
    """dataset name (as given) -> status, and warnings."""
    try:
        module = importlib.import_module("quality")
        reader = module.latest_results
    except (ImportError, AttributeError):
        return {}, []
    try:
        results = reader(settings)
        return {str(name): status(entry) for name, entry in dict(results).items()}, []
    except Exception as exc:  # another package's bug must not break the catalog
        log.warning("quality.latest_results failed: %s", exc)
        return {}, [f"quality status skipped: quality.latest_results failed ({type(exc).__name__}: {exc})"]


def lookup(statuses: dict[str, QualityStatus], name: str) -> QualityStatus | None:
    short = name.rsplit(".", 1)[-1]
    return statuses.get(name) or statuses.get(name.removeprefix("lake.")) or statuses.get(short)
