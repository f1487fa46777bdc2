"""ML models from the warehouse registry table ``ml._models``.

Registry columns (written by the ML engine): name, model_type, options JSON, features JSON,
training_query, lake_snapshot, metrics JSON, created_at. Features may be a list of names or of
objects with ``name`` and ``type``. Lineage comes from the tables the training query reads.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import duckdb
from sqlglot import exp

from catalog import pii
from catalog.model import ColumnRecord, DatasetRecord, LineageEdge
from catalog.sources.lake import parse_sql_tables

log = logging.getLogger(__name__)
REGISTRY = ("ml", "_models")


@dataclass
class MlScan:
    records: list[DatasetRecord] = field(default_factory=list)
    edges: list[LineageEdge] = field(default_factory=list)


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _features(value: Any) -> tuple[ColumnRecord, ...]:
    items = _json(value) or []
    if isinstance(items, dict):
        items = [{"name": k, **(v if isinstance(v, dict) else {})} for k, v in items.items()]
    out = []
    for i, item in enumerate(items if isinstance(items, list) else []):
        name = item.get("name") if isinstance(item, dict) else str(item)
        type_ = str(item.get("type") or item.get("data_type") or "") if isinstance(item, dict) else ""
        if name:
            finding = pii.detect(str(name))
            out.append(
                ColumnRecord(str(name), type_.upper(), i + 1, "model feature", tags=("feature",), pii=finding)
            )
    return tuple(out)


def has_registry(con: duckdb.DuckDBPyConnection) -> bool:
    query = "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?"
    row = con.execute(query, list(REGISTRY)).fetchone()
    return bool(row and row[0])


def scan(con: duckdb.DuckDBPyConnection) -> MlScan:
    """Models in the registry of the warehouse open on ``con``."""
    out = MlScan()
    if not has_registry(con):
        return out
    cursor = con.execute(
        exp.select("*").from_(exp.table_(REGISTRY[1], db=REGISTRY[0], quoted=True)).sql("duckdb")
    )
    names = [d[0] for d in cursor.description or []]
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        raw_name = str(row["name"])
        name = raw_name if "." in raw_name else f"ml.{raw_name}"
        created = row.get("created_at")
        props = {
            key: _json(row.get(key))
            for key in ("model_type", "options", "metrics", "lake_snapshot", "training_query")
        }
        description = f"{str(row.get('model_type') or 'ML').upper()} model"
        out.records.append(DatasetRecord(name, "model", "ml", "ml", description, columns=_features(row.get("features")),
                                         updated_at=created, properties=props))  # fmt: skip
        for table in sorted(parse_sql_tables(str(row.get("training_query") or ""))):
            out.edges.append(LineageEdge(table, name, "ml"))
    return out
