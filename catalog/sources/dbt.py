"""dbt models from the project's ``target/`` (read as ``lakehouse.contracts.DbtArtifacts``).

The manifest gives names, descriptions (from ``schema.yml``), owners and tags (``config.meta.owner``,
``tags``), column docs, tests and lineage (``depends_on``). The columns a model really has come from the
warehouse (``catalog.sources.warehouse`` reads the built relation), else from ``catalog.json`` (written by
``dbt docs generate``); the YAML only lays descriptions, tags and PII overrides over them (``overlay``). A
column documented in YAML that the relation lacks is never listed as a column: the dataset's
``documented_not_in_warehouse`` property names it. Until a warehouse confirms them, YAML columns are kept
with ``columns_from: yaml``.

Only the project the home is configured with is read: a manifest whose ``project_name`` is not the one in
the project's ``dbt_project.yml`` is ignored with a warning. A model's catalog name is ``schema.alias``; a
dbt source on the lake is named like the lake table (``lake.orders``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from catalog import pii
from catalog.model import ColumnRecord, DatasetRecord, LineageEdge, PiiFinding
from catalog.sources.ducklake import qualified
from lakehouse.contracts import DbtArtifacts, DbtColumn, DbtNode

log = logging.getLogger(__name__)
LAKE_DATABASE = "lake"
RESOURCE_TYPES = ("model", "seed", "snapshot")

#: (predicate over a node, layer), first match wins
LAYER_RULES: tuple[tuple[Callable[[DbtNode], bool], str], ...] = (
    (lambda n: n.materialized == "model", "ml"),
    (lambda n: n.resource_type == "seed", "raw"),
    # a snapshot is a source's own rows with their history (dbt_valid_from/to): raw, not a mart
    (lambda n: n.resource_type == "snapshot", "raw"),
    (lambda n: n.name.startswith(("stg_", "int_")) or "staging" in n.fqn, "staging"),
    (lambda n: n.name.startswith(("fct_", "dim_", "mart_")) or "marts" in n.fqn, "mart"),
    (lambda n: "ml" in n.fqn, "ml"),
)
KIND_BY_MATERIALIZATION = {"view": "view", "model": "model", "ephemeral": "view"}
#: dataset properties: where the columns came from, and documented columns the relation does not have
COLUMNS_FROM, NOT_IN_WAREHOUSE = "columns_from", "documented_not_in_warehouse"


@dataclass
class DbtScan:
    records: list[DatasetRecord] = field(default_factory=list)
    edges: list[LineageEdge] = field(default_factory=list)
    documented: dict[str, tuple[DbtColumn, ...]] = field(default_factory=dict)  # record name -> YAML columns
    warnings: list[str] = field(default_factory=list)


def relation_name(node: DbtNode) -> str:
    if node.database == LAKE_DATABASE:
        return qualified(node.schema, node.alias)
    return f"{node.schema}.{node.alias}"


def layer_of(node: DbtNode) -> str:
    return next((layer for rule, layer in LAYER_RULES if rule(node)), "mart")


def _owner(node: DbtNode) -> str:
    owner = node.meta.get("owner", "")
    return ", ".join(owner) if isinstance(owner, list) else str(owner)


def _pii_override(meta: dict[str, Any]) -> PiiFinding | None:
    value = meta.get("pii")
    return PiiFinding(str(value), 1.0, "override") if isinstance(value, str) and value else None


def overlay(
    actual: Sequence[tuple[str, str]], documented: Sequence[DbtColumn]
) -> tuple[tuple[ColumnRecord, ...], list[str]]:
    """The relation's real ``(name, type)`` columns with the YAML's descriptions, tags and PII overrides laid
    over them, and the documented columns the relation does not have (matched case-insensitively)."""
    docs = {c.name.lower(): c for c in documented}
    out = []
    for i, (name, data_type) in enumerate(actual):
        doc = docs.pop(name.lower(), DbtColumn(name))
        finding = _pii_override(doc.meta) or pii.detect(name)
        out.append(ColumnRecord(name, data_type.upper(), i + 1, doc.description, tags=doc.tags, pii=finding))
    return tuple(out), [c.name for c in docs.values()]


def _columns(
    node: DbtNode, in_warehouse: tuple[DbtColumn, ...]
) -> tuple[tuple[ColumnRecord, ...], dict[str, Any]]:
    """Columns from ``catalog.json`` when it has the node, else the documented ones (unverified), and the
    properties that say which."""
    if in_warehouse:
        columns, missing = overlay([(c.name, c.data_type or "") for c in in_warehouse], node.columns)
        return columns, {COLUMNS_FROM: "catalog.json", NOT_IN_WAREHOUSE: missing}
    columns, _ = overlay([(c.name, c.data_type or "") for c in node.columns], node.columns)
    return columns, {COLUMNS_FROM: "yaml"}


def _tests(nodes: tuple[DbtNode, ...]) -> dict[str, list[str]]:
    """Tested node's unique id -> ``not_null(customer_id)``-style names of its tests, sorted."""
    out: dict[str, list[str]] = {}
    for test in (n for n in nodes if n.resource_type == "test" and n.attached_node):
        label = (test.test_name or test.name) + (f"({test.column_name})" if test.column_name else "")
        out.setdefault(str(test.attached_node), []).append(label)
    return {uid: sorted(labels) for uid, labels in out.items()}


def _record(node: DbtNode, artifacts: DbtArtifacts, tests: list[str]) -> DatasetRecord:
    materialized = node.materialized or "table"
    props = {"dbt_unique_id": node.unique_id, "materialized": materialized, "tests": tests, "path": node.path,
             "relation": [node.database, node.schema, node.alias]}  # fmt: skip
    columns, found = _columns(node, artifacts.warehouse_columns.get(node.unique_id, ()))
    props.update(found)
    return DatasetRecord(
        relation_name(node), KIND_BY_MATERIALIZATION.get(materialized, "table"), layer_of(node), "dbt",
        node.description, _owner(node), node.tags, columns, updated_at=artifacts.generated_at, properties=props,
    )  # fmt: skip


def project_name(project_dir: Path) -> str | None:
    """The ``name:`` in the project's ``dbt_project.yml`` (None without one)."""
    path = project_dir / "dbt_project.yml"
    if not path.exists():
        return None
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return str(document.get("name")) if isinstance(document, dict) else None


def scan(project_dir: Path) -> DbtScan:
    """Models, their documented columns, tests and lineage; empty when the project was never built."""
    artifacts = DbtArtifacts.read(project_dir / "target")
    if artifacts is None:
        return DbtScan()
    expected = project_name(project_dir)
    if artifacts.project_name != expected:
        why = f"ignored {project_dir / 'target' / 'manifest.json'}: written by dbt project {artifacts.project_name!r}"
        return DbtScan(warnings=[f"{why}, not by the configured project {expected!r} in {project_dir}"])
    names = {n.unique_id: relation_name(n) for n in artifacts.nodes if n.resource_type != "test"}
    tests = _tests(artifacts.nodes)
    out = DbtScan()
    for node in (n for n in artifacts.nodes if n.resource_type in RESOURCE_TYPES):
        out.records.append(_record(node, artifacts, tests.get(node.unique_id, [])))
        out.documented[names[node.unique_id]] = node.columns
        out.edges += [
            LineageEdge(names[p], names[node.unique_id], "dbt") for p in node.depends_on if p in names
        ]
    return out
