"""``lakehouse dbt init DIR``: make any existing dbt project build on the lake, as ``dbt_project/`` does.

Two files, neither written over a user's file without ``force``:

- ``DIR/profiles.yml``: the profile the project names (``profile:`` in ``dbt_project.yml``) with a ``dev``
  target on the home's DuckDB warehouse and the lake attached read-only by the ``warehouse.dbt_plugin``
  plugin, exactly as ``dbt_project/profiles.yml``. The home is the one ``init`` ran with, unless
  ``LAKEHOUSE_HOME`` says otherwise when dbt runs.
- ``DIR/models/sources.yml``: a source ``lake`` with the lake tables the project wants (all of them unless
  named), their columns and types read from the lake (``warehouse.dbt.sources``); models read them as
  ``{{ source('lake', 'TABLE') }}``. With ``force`` an existing file is merged (its other sources and
  hand-written descriptions are kept).

Then ``lakehouse dbt build --project-dir DIR`` or plain ``dbt build`` inside DIR builds it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lakehouse.errors import InputError, NotFoundError, UsageError
from lakehouse.settings import Settings
from warehouse.dbt.sources import INIT_SOURCES_FILE, generate_sources

PROFILES_FILE = "profiles.yml"
SOURCES_FILE = INIT_SOURCES_FILE
#: the target ``lakehouse dbt build`` selects (``warehouse.dbt.runner.TARGETS``)
TARGET = "dev"
PROFILE_HEADER = (
    "# Written by `lakehouse dbt init`: the warehouse in LAKEHOUSE_HOME (default: the home init ran with),\n"
    "# the lake attached read-only as `lake` by the warehouse.dbt_plugin plugin (as dbt_project/profiles.yml).\n"
    "# `lakehouse dbt build --project-dir .` and plain `dbt build` here both use it; after a plain dbt run\n"
    "# the plugin updates the catalog of the home.\n"
)
#: characters that cannot stand in the Jinja default of the home path
_UNSAFE_IN_JINJA = ("'", "{", "}", "\\")


@dataclass(frozen=True)
class InitReport:
    """What ``init_project`` wrote."""

    project_dir: Path
    profile: str
    profiles_file: Path
    sources_file: Path
    tables: list[str]
    replaced: list[Path] = field(default_factory=list)  # existing files written over (``force``)


def init_project(
    settings: Settings, project_dir: Path, *, tables: Sequence[str] | None = None, force: bool = False
) -> InitReport:
    """Write the profile and the lake sources of the dbt project in ``project_dir`` (module docstring)."""
    project_dir = Path(os.path.normpath(project_dir.absolute()))
    profile = profile_name(project_dir)
    profiles_file, sources_file = project_dir / PROFILES_FILE, project_dir / SOURCES_FILE
    existing = [p for p in (profiles_file, sources_file) if p.exists()]
    if existing and not force:
        raise UsageError(
            "will not write over " + ", ".join(str(p) for p in existing),
            hint="pass --force to replace them (or move them away first)",
        )
    text = PROFILE_HEADER + yaml.safe_dump(profile_document(settings, profile), sort_keys=False, width=200)
    profiles_file.write_text(text, encoding="utf-8")
    report = generate_sources(settings, sources_file, tables=tables)
    return InitReport(project_dir, profile, profiles_file, sources_file, report.tables, existing)


def profile_name(project_dir: Path) -> str:
    """The profile ``dbt_project.yml`` in ``project_dir`` asks for."""
    path = project_dir / "dbt_project.yml"
    if not path.exists():
        raise NotFoundError(
            f"no dbt project at {project_dir} (no dbt_project.yml)", hint="give the project's folder"
        )
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {exc}") from exc
    profile = document.get("profile") if isinstance(document, dict) else None
    if not isinstance(profile, str) or not profile:
        raise InputError(f"{path}: no `profile:` name", hint="add `profile: NAME` (dbt needs one to connect)")
    return profile


def profile_document(settings: Settings, profile: str) -> dict[str, Any]:
    """The profile: a DuckDB ``dev`` target on the home's warehouse with the lake plugin."""
    home = os.path.normpath(settings.home.absolute())
    if any(ch in home for ch in _UNSAFE_IN_JINJA):
        raise UsageError(f"the home {home!r} has a character dbt's Jinja cannot take (' {{ }} \\)")
    home_var = f"env_var('LAKEHOUSE_HOME', '{home}')"
    output = {
        "type": "duckdb",
        "path": f"{{{{ env_var('LAKEHOUSE_WAREHOUSE_PATH', {home_var} ~ '/warehouse.duckdb') }}}}",
        "threads": 4,
        "settings": {"TimeZone": "UTC"},
        "plugins": [
            {
                "module": "warehouse.dbt_plugin",
                "alias": "lakehouse",
                "config": {"home": f"{{{{ {home_var} }}}}"},
            }
        ],
    }
    return {profile: {"target": TARGET, "outputs": {TARGET: output}}}
