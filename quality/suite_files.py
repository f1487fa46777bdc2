"""Where a dataset's expectation suite lives, and whether it has one (no parsing, no heavy imports).

The ingest gate asks ``has_suite`` first: a batch whose dataset has no suite is not validated, and that
answer must not cost the imports of the suite parser and the validation engines.
"""

from __future__ import annotations

from pathlib import Path

from lakehouse.settings import Settings

SUITE_SUFFIX = ".json"


def suite_path(settings: Settings, dataset: str) -> Path:
    return settings.existing("quality_suites_dir") / f"{dataset}{SUITE_SUFFIX}"


def available(settings: Settings) -> list[str]:
    """Datasets (and models) that have a suite, sorted."""
    return sorted(p.stem for p in settings.existing("quality_suites_dir").glob(f"*{SUITE_SUFFIX}"))


def has_suite(settings: Settings, dataset: str) -> bool:
    return suite_path(settings, dataset).is_file()
