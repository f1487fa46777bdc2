"""Regenerate ``models/staging/sources.yml`` from the lake's current schemas, keeping what people wrote.

The lake decides which tables and columns exist (and their types); the YAML keeps everything hand-written:
source- and table-level keys (descriptions, freshness, loaders, Jinja for database/schema), and per column its
description, tests, meta and tags. New columns get a description (a known one for the lineage columns, else a
marked placeholder); columns dropped from the lake are removed and reported; tables declared in the YAML but
absent from the lake are kept (they may not have been ingested yet) and reported. Running it twice changes
nothing the second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lakehouse.connect import connect
from lakehouse.errors import InputError, NotFoundError
from lakehouse.settings import Settings

SOURCE_NAME = "lake"
SOURCES_FILE = Path("models") / "staging" / "sources.yml"
#: where ``lakehouse dbt init`` writes a project's lake sources (used when the project has no SOURCES_FILE)
INIT_SOURCES_FILE = Path("models") / "sources.yml"
HEADER = (
    "# The lake tables. Regenerate the table and column lists from the lake's current schemas with\n"
    "# `lakehouse dbt sources`; descriptions, tests and other hand-written keys are kept.\n"
)
#: descriptions of columns every lake table has
KNOWN_COLUMNS = {
    "_source_uri": "Lineage: the raw file the row was read from.",
    "_source_line": "Lineage: line (CSV, NDJSON) or record index of the row in its source file.",
    "_batch_id": "Lineage: the ingest batch (one lake commit) that landed the row.",
    "_ingested_at": "Lineage: when the row landed in the lake (UTC).",
}
PLACEHOLDER = "Undocumented {type} column (added by `lakehouse dbt sources`; describe it here)."
#: a new source block when the file has none
NEW_SOURCE: dict[str, Any] = {
    "name": SOURCE_NAME,
    "description": "The DuckLake lake, landed by `lakehouse ingest`.",
    "database": "{{ 'lake' if target.type == 'duckdb' else target.database }}",
    "schema": "{{ 'main' if target.type == 'duckdb' else env_var('LAKEHOUSE_BQ_LAKE_DATASET', 'lake') }}",
    "loader": "lakehouse ingest",
}
LAKE_COLUMNS_SQL = (Path(__file__).with_name("lake_columns.sql")).read_text(encoding="utf-8")


@dataclass(frozen=True)
class SourcesReport:
    """What ``generate_sources`` changed."""

    path: Path
    tables: list[str]
    tables_added: list[str] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)  # table.column
    columns_removed: list[str] = field(default_factory=list)
    types_changed: list[str] = field(default_factory=list)
    tables_not_in_lake: list[str] = field(default_factory=list)
    changed: bool = False


def lake_schemas(settings: Settings) -> dict[str, list[tuple[str, str]]]:
    """``{table: [(column, type), ...]}`` of the lake's user tables (internal ``_`` tables left out)."""
    con = connect(settings, lake_read_only=True)
    try:
        rows = con.execute(LAKE_COLUMNS_SQL).fetchall()
    finally:
        con.close()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    return tables


def generate_sources(
    settings: Settings, path: Path | None = None, *, tables: Sequence[str] | None = None
) -> SourcesReport:
    """Rewrite the sources file from the lake's schemas (see the module docstring); return what changed.

    ``tables`` limits the file to those lake tables (default: every table of the lake).
    """
    path = path or sources_file(settings.existing("dbt_project_dir"))
    document = _read(path)
    schemas = _only(lake_schemas(settings), tables)
    source = _lake_source(document)
    report = merge_tables(source, schemas)
    text = HEADER + yaml.dump(
        document, Dumper=_IndentedDumper, sort_keys=False, allow_unicode=True, width=110
    )
    changed = not path.exists() or path.read_text(encoding="utf-8") != text
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return SourcesReport(path=path, changed=changed, **report)


def sources_file(project: Path) -> Path:
    """The project's lake sources file: ``models/staging/sources.yml`` (the sample's), else the one ``lakehouse
    dbt init`` wrote, else a new ``models/staging/sources.yml``."""
    for candidate in (SOURCES_FILE, INIT_SOURCES_FILE):
        if (project / candidate).exists():
            return project / candidate
    return project / SOURCES_FILE


def _only(
    schemas: dict[str, list[tuple[str, str]]], tables: Sequence[str] | None
) -> dict[str, list[tuple[str, str]]]:
    if not tables:
        return schemas
    missing = [t for t in tables if t not in schemas]
    if missing:
        raise NotFoundError(
            "the lake has no table " + ", ".join(f"lake.{t}" for t in missing),
            hint="tables in the lake: " + (", ".join(sorted(schemas)) or "none yet (`lakehouse ingest`)"),
        )
    return {t: schemas[t] for t in tables}


def merge_tables(source: dict[str, Any], schemas: dict[str, list[tuple[str, str]]]) -> dict[str, list[str]]:
    """Update ``source['tables']`` in place from ``schemas``; return the lists of changes."""
    changes: dict[str, list[str]] = {
        "tables": sorted(schemas),
        "tables_added": [],
        "columns_added": [],
        "columns_removed": [],
        "types_changed": [],
        "tables_not_in_lake": [],
    }
    existing = {table["name"]: table for table in source.get("tables") or []}
    merged = []
    for name in sorted(set(existing) | set(schemas)):
        table = existing.get(name)
        if name not in schemas:
            changes["tables_not_in_lake"].append(name)
            merged.append(table)
            continue
        if table is None:
            changes["tables_added"].append(name)
            table = {"name": name, "description": f"Lake table {name} (describe it here)."}
        table["columns"] = _merge_columns(name, table.get("columns") or [], schemas[name], changes)
        merged.append(table)
    source["tables"] = merged
    return changes


def _merge_columns(
    table: str, declared: list[dict[str, Any]], actual: list[tuple[str, str]], changes: dict[str, list[str]]
) -> list[dict[str, Any]]:
    by_name = {str(column["name"]).lower(): column for column in declared}
    out = []
    for name, data_type in actual:
        column = by_name.pop(name.lower(), None)
        if column is None:
            changes["columns_added"].append(f"{table}.{name}")
            column = {
                "name": name,
                "description": KNOWN_COLUMNS.get(name, PLACEHOLDER.format(type=data_type)),
            }
        elif column.get("data_type") not in (None, data_type):
            changes["types_changed"].append(f"{table}.{name}: {column['data_type']} -> {data_type}")
        column["data_type"] = data_type
        out.append(column)
    changes["columns_removed"].extend(f"{table}.{column['name']}" for column in by_name.values())
    return out


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"version": 2, "sources": []}
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(
            f"{path}: not valid YAML: {exc}", hint="fix the file or delete it to start over"
        ) from exc
    if not isinstance(document, dict) or not isinstance(document.get("sources", []), list):
        raise InputError(f"{path}: expected a dbt properties file with a `sources:` list")
    document.setdefault("version", 2)
    document.setdefault("sources", [])
    return document


def _lake_source(document: dict[str, Any]) -> dict[str, Any]:
    for source in document["sources"]:
        if source.get("name") == SOURCE_NAME:
            return source
    source = dict(NEW_SOURCE)
    document["sources"].append(source)
    return source


class _IndentedDumper(yaml.SafeDumper):
    """Indents list items under their key, as dbt's own docs and most projects write YAML."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)
