"""dbt models from the project's ``target/`` (read as ``lakehouse.contracts.DbtArtifacts``).

The manifest gives names, descriptions (from ``schema.yml``), owners and tags (``config.meta.owner``,
``tags``), column docs, tests and lineage (``depends_on``); ``catalog.json`` (written by
``dbt docs generate``) adds the columns and types the warehouse really has. A model's catalog name is
``schema.alias``; a dbt source on the lake is named like the lake table (``lake.orders``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    (lambda n: n.name.startswith(("stg_", "int_")) or "staging" in n.fqn, "staging"),
    (lambda n: n.name.startswith(("fct_", "dim_", "mart_")) or "marts" in n.fqn, "mart"),
    (lambda n: "ml" in n.fqn, "ml"),
)
KIND_BY_MATERIALIZATION = {"view": "view", "model": "model", "ephemeral": "view"}


@dataclass
class DbtScan:
    records: list[DatasetRecord] = field(default_factory=list)
    edges: list[LineageEdge] = field(default_factory=list)


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


def _columns(node: DbtNode, in_warehouse: tuple[DbtColumn, ...]) -> tuple[ColumnRecord, ...]:
    """The warehouse's columns and types when ``catalog.json`` has the node, else the documented ones;
    descriptions, tags and PII overrides from the documentation."""
    documented = {c.name.lower(): c for c in node.columns}
    out = []
    for i, column in enumerate(in_warehouse or node.columns):
        doc = documented.get(column.name.lower(), DbtColumn(column.name))
        finding = _pii_override(doc.meta) or pii.detect(column.name)
        type_ = (column.data_type or "").upper()
        out.append(ColumnRecord(column.name, type_, i + 1, doc.description, tags=doc.tags, pii=finding))
    return tuple(out)


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
    columns = _columns(node, artifacts.warehouse_columns.get(node.unique_id, ()))
    return DatasetRecord(
        relation_name(node), KIND_BY_MATERIALIZATION.get(materialized, "table"), layer_of(node), "dbt",
        node.description, _owner(node), node.tags, columns, updated_at=artifacts.generated_at, properties=props,
    )  # fmt: skip


def scan(project_dir: Path) -> DbtScan:
    """Models, their columns, tests and lineage; empty when the project was never built."""
    artifacts = DbtArtifacts.read(project_dir / "target")
    if artifacts is None:
        return DbtScan()
    names = {n.unique_id: relation_name(n) for n in artifacts.nodes if n.resource_type != "test"}
    tests = _tests(artifacts.nodes)
    out = DbtScan()
    for node in (n for n in artifacts.nodes if n.resource_type in RESOURCE_TYPES):
        out.records.append(_record(node, artifacts, tests.get(node.unique_id, [])))
        out.edges += [
            LineageEdge(names[p], names[node.unique_id], "dbt") for p in node.depends_on if p in names
        ]
    return out
