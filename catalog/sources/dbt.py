"""dbt models from ``target/manifest.json`` and ``target/catalog.json``.

The manifest gives names, descriptions (from ``schema.yml``), owners and tags (``meta.owner``,
``tags``), column docs, tests and lineage (``depends_on``); ``catalog.json`` (written by
``dbt docs generate``) adds the column types the warehouse really has. A model's catalog name is
``schema.alias``; a dbt source on the lake is named like the lake table (``lake.orders``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalog import pii
from catalog.model import ColumnRecord, DatasetRecord, LineageEdge, PiiFinding
from catalog.sources.lake import qualified

log = logging.getLogger(__name__)
LAKE_DATABASE = "lake"
RESOURCE_TYPES = ("model", "seed", "snapshot")

Node = dict[str, Any]
#: (predicate over a manifest node, layer), first match wins
LAYER_RULES: tuple[tuple[Callable[[Node], bool], str], ...] = (
    (lambda n: n.get("config", {}).get("materialized") == "model", "ml"),
    (lambda n: n["resource_type"] == "seed", "raw"),
    (lambda n: n["name"].startswith(("stg_", "int_")) or "staging" in n.get("fqn", []), "staging"),
    (lambda n: n["name"].startswith(("fct_", "dim_", "mart_")) or "marts" in n.get("fqn", []), "mart"),
    (lambda n: "ml" in n.get("fqn", []), "ml"),
)
KIND_BY_MATERIALIZATION = {"view": "view", "model": "model", "ephemeral": "view"}


@dataclass
class DbtScan:
    records: list[DatasetRecord] = field(default_factory=list)
    edges: list[LineageEdge] = field(default_factory=list)


def relation_name(node: Node) -> str:
    database, schema = node.get("database") or "", node.get("schema") or "main"
    identifier = node.get("alias") or node.get("identifier") or node["name"]
    if database == LAKE_DATABASE:
        return qualified(schema, identifier)
    return f"{schema}.{identifier}"


def layer_of(node: Node) -> str:
    return next((layer for rule, layer in LAYER_RULES if rule(node)), "mart")


def _owner(node: Node) -> str:
    meta = {**node.get("config", {}).get("meta", {}), **node.get("meta", {})}
    owner = meta.get("owner", "")
    return ", ".join(owner) if isinstance(owner, list) else str(owner)


def _pii_override(meta: dict[str, Any]) -> PiiFinding | None:
    value = meta.get("pii")
    return PiiFinding(str(value), 1.0, "override") if isinstance(value, str) and value else None


def _columns(node: Node, typed: dict[str, Any]) -> tuple[ColumnRecord, ...]:
    documented = {name.lower(): col for name, col in node.get("columns", {}).items()}
    names = (
        sorted(typed.values(), key=lambda c: c.get("index", 0))
        if typed
        else list(node.get("columns", {}).values())
    )
    out = []
    for i, col in enumerate(names):
        doc = documented.get(col["name"].lower(), {})
        type_ = col.get("type") or doc.get("data_type") or ""
        out.append(ColumnRecord(col["name"], str(type_).upper(), i + 1, doc.get("description") or col.get("comment") or "",
                                tags=tuple(doc.get("tags", [])),
                                pii=_pii_override(doc.get("meta", {})) or pii.detect(col["name"])))  # fmt: skip
    return tuple(out)


def _tests(manifest: dict[str, Any]) -> dict[str, list[str]]:
    """model unique_id -> "not_null(customer_id)"-style names of its tests."""
    out: dict[str, list[str]] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "test":
            continue
        meta = node.get("test_metadata") or {}
        label = meta.get("name") or node["name"]
        if node.get("column_name"):
            label += f"({node['column_name']})"
        target = node.get("attached_node") or next(iter(node.get("depends_on", {}).get("nodes", [])), None)
        if target:
            out.setdefault(target, []).append(label)
    return out


def _generated_at(manifest: dict[str, Any]) -> dt.datetime | None:
    text = manifest.get("metadata", {}).get("generated_at")
    if not text:
        return None
    when = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def scan(project_dir: Path) -> DbtScan:
    """Models, their columns, tests and lineage; empty when the project was never built."""
    target = project_dir / "target"
    manifest_file = target / "manifest.json"
    if not manifest_file.exists():
        return DbtScan()
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    catalog_file = target / "catalog.json"
    types = (
        json.loads(catalog_file.read_text(encoding="utf-8")).get("nodes", {}) if catalog_file.exists() else {}
    )
    names = {
        uid: relation_name(n)
        for uid, n in {**manifest.get("sources", {}), **manifest.get("nodes", {})}.items()
    }
    tests = _tests(manifest)
    built = _generated_at(manifest)
    out = DbtScan()
    for uid, node in manifest.get("nodes", {}).items():
        if node.get("resource_type") not in RESOURCE_TYPES:
            continue
        materialized = node.get("config", {}).get("materialized", "table")
        name = names[uid]
        relation = [node.get("database"), node.get("schema"), node.get("alias") or node["name"]]
        props = {"dbt_unique_id": uid, "materialized": materialized, "tests": tests.get(uid, []),
                 "path": node.get("original_file_path"), "relation": relation}  # fmt: skip
        out.records.append(DatasetRecord(
            name, KIND_BY_MATERIALIZATION.get(materialized, "table"), layer_of(node), "dbt",
            node.get("description") or "", _owner(node), tuple(node.get("tags", [])),
            _columns(node, types.get(uid, {}).get("columns", {})), updated_at=built, properties=props,
        ))  # fmt: skip
        for parent in node.get("depends_on", {}).get("nodes", []):
            if parent in names and not parent.startswith("test."):
                out.edges.append(LineageEdge(names[parent], name, "dbt"))
    return out
