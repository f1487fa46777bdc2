"""The sample project bundled with the package, and how ``lakehouse demo`` uses it.

The demo runs on generated sample data, which fits the sample project: this repository's dbt project,
expectation suites, access policy and business metadata. For each of the four the demo uses the user's own
when the settings name one (flag, ``LAKEHOUSE_*``, lakehouse.toml) or the default place holds one (as in this
repository), and the sample's otherwise, and its report says so.

Where the sample lives: the dbt project ships as the package ``lakehouse.wiring.sample_dbt_project`` (setup.py
maps ``dbt_project/`` to that name, in a wheel and in an editable checkout alike); the suites, the policy and
the metadata are package data of ``quality`` and ``catalog``.

dbt writes target/ and logs/ (and partial-parse state) into its project folder, and an installed package must
not be written to, so the parts the demo needs are copied into ``HOME/sample_project`` (this repository's
layout) and the demo's settings point there. A copy rather than dbt's --target-path/--log-path: the catalog
reads the manifest from ``<dbt_project_dir>/target`` as for every project, dbt's other writes land in the copy
too, and the user gets a project to look at. Each demo refreshes the copy from the package (dbt's output
folders are kept, for partial parsing).
"""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path

import catalog
import quality
from lakehouse.errors import LakehouseError
from lakehouse.project_files import PROJECT_FILES, default_paths
from lakehouse.settings import Settings

#: the package the sample dbt project ships as (setup.py)
SAMPLE_DBT_PROJECT = "lakehouse.wiring.sample_dbt_project"
#: what dbt writes into a project folder, and the file that only makes it a package: never copied
NOT_COPIED = ("target", "logs", "dbt_packages", "__init__.py", "__pycache__")


@dataclass(frozen=True)
class SampleUse:
    """Which project files the demo takes from the sample, and where the copy is."""

    root: Path
    settings: tuple[str, ...]  # setting names, in PROJECT_FILES order

    def describe(self) -> str:
        what = ", ".join(PROJECT_FILES[name].what for name in self.settings)
        return f"using the sample project in {self.root} ({what})"


def bundled() -> dict[str, Path]:
    """The sample's files where the installed package keeps them (read-only), by setting name."""
    spec = importlib.util.find_spec(SAMPLE_DBT_PROJECT)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise LakehouseError(
            f"the sample dbt project ({SAMPLE_DBT_PROJECT}) is not installed",
            hint="reinstall lakehouse-toolkit (in a checkout: pip install -e .)",
        )
    catalog_dir = Path(catalog.__file__).parent
    return {
        "dbt_project_dir": Path(locations[0]),
        "quality_suites_dir": Path(quality.__file__).parent / "expectations",
        "policy_file": catalog_dir / "policy.yml",
        "metadata_file": catalog_dir / "metadata.yml",
    }


def with_sample_project(settings: Settings) -> tuple[Settings, SampleUse | None]:
    """``settings`` pointing at a copy of the sample for every project file the user has none of."""
    needed = tuple(
        name
        for name, spec in PROJECT_FILES.items()
        if settings.is_default(name) and spec.problem(getattr(settings, name)) is not None
    )
    if not needed:
        return settings, None
    root = settings.sample_project_dir
    source, target = bundled(), default_paths(root)
    for name in needed:
        _copy(source[name], target[name])
    origin = f"the sample project bundled with lakehouse-toolkit, copied to {root}"
    return settings.with_values(origin, **{name: target[name] for name in needed}), SampleUse(root, needed)


def _copy(source: Path, target: Path) -> None:
    """Copy a file, or a folder without dbt's output (removing what the package no longer has)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_file():
        shutil.copy2(source, target)
        return
    if target.is_dir():
        for entry in target.iterdir():
            if entry.name not in NOT_COPIED:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*NOT_COPIED))
