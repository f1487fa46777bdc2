"""Schema evolution of a lake table: plan the ALTERs a batch needs, and say what changed.

A batch brings one schema per staged file. ``plan`` merges them with the table's schema (rules in
``lake.types``) and returns the DDL to run inside the commit transaction plus a ``SchemaChange`` per
column that was added, widened, turned into JSON, or did not appear in the batch (it reads as NULL).
A file whose types cannot be reconciled with the table (DuckLake only widens) is a conflict: the
file goes to quarantine with the reason, the rest of the batch lands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import duckdb
from duckdb.sqltypes import DuckDBPyType

from lake.naming import LINEAGE_COLUMNS, table_ref
from lake.report import SchemaChange
from lake.sql import sql_file
from lake.types import INTEGER_RANK, JSON, children, contains_json, is_json, kind, merge
from lakehouse.contracts import ChangeKind
from lakehouse.quoting import ident, literal

Schema = dict[str, DuckDBPyType]


@dataclass
class Plan:
    target: Schema
    statements: list[str] = field(default_factory=list)
    changes: list[SchemaChange] = field(default_factory=list)
    conflicts: dict[int, str] = field(default_factory=dict)  # staged file index -> reason


def _alterable(old: DuckDBPyType, new: DuckDBPyType) -> bool:
    ko, kn = kind(old), kind(new)
    if kn == "double" and (ko in INTEGER_RANK or ko in {"float", "double"}):
        return True
    if ko in INTEGER_RANK and kn in INTEGER_RANK:
        return INTEGER_RANK[ko] <= INTEGER_RANK[kn]
    if is_json(new) and ko not in {"struct", "list", "map"}:
        return True
    if ko == kn == "struct":
        old_fields = dict(children(old))
        return all(
            n not in old_fields or _alterable(old_fields[n], t) and _same_or_add(old_fields[n], t)
            for n, t in children(new)
        )
    if ko == kn == "list":
        return _alterable(old.child, new.child) and _same_or_add(old.child, new.child)
    return str(old) == str(new)


def _same_or_add(old: DuckDBPyType, new: DuckDBPyType) -> bool:
    """Nested types can only gain fields in place (DuckLake has no syntax to widen a nested field)."""
    if str(old) == str(new):
        return True
    ko = kind(old)
    if ko == "struct" and kind(new) == "struct":
        new_fields = dict(children(new))
        return all(_same_or_add(t, new_fields[str(n)]) for n, t in children(old))
    if ko == "list" and kind(new) == "list":
        return _same_or_add(old.child, new.child)
    return False


def _nested_adds(
    path: list[str], old: DuckDBPyType, new: DuckDBPyType
) -> list[tuple[list[str], DuckDBPyType]]:
    if kind(old) == "list":
        return _nested_adds([*path, "element"], old.child, new.child)
    if kind(old) != "struct":
        return []
    old_fields = dict(children(old))
    adds: list[tuple[list[str], DuckDBPyType]] = []
    for name, child in children(new):
        if name in old_fields:
            adds += _nested_adds([*path, name], old_fields[name], child)
        else:
            adds.append(([*path, name], child))
    return adds


def plan(
    dataset: str,
    existing: Schema | None,
    staged: list[Schema],
    *,
    scalar_conflict: DuckDBPyType = JSON,
    mixed: set[str] | frozenset[str] = frozenset(),
) -> Plan:
    """Merge the staged schemas into the table's; DDL for ``lake.<dataset>`` and the recorded changes.

    JSON from a file yields to a concrete type (``merge(json_wins=False)``) unless the column is in
    ``mixed`` (its JSON values turned out not to cast) or the table already holds it as JSON.
    """
    table = table_ref(dataset)
    old: Schema = dict(existing or {})
    result = Plan(target=dict(old))

    def merged(column: str, a: DuckDBPyType, b: DuckDBPyType) -> DuckDBPyType:
        wins = column in mixed or (column in old and contains_json(old[column]))
        return merge(a, b, scalar_conflict=scalar_conflict, json_wins=wins).type

    for index, schema in enumerate(staged):
        for column, new_type in schema.items():
            if column in old and not _alterable(old[column], merged(column, old[column], new_type)):
                result.conflicts[index] = (
                    f"column {column} is {old[column]} in lake.{dataset} but {new_type} in this file, "
                    "and the lake only widens types"
                )
        if index in result.conflicts:
            continue
        for column, new_type in schema.items():
            current = result.target.get(column)
            result.target[column] = new_type if current is None else merged(column, current, new_type)
    if existing is None:
        if not result.target:
            return result
        columns = ", ".join(f"{ident(c)} {t}" for c, t in result.target.items())
        result.statements.append(f"CREATE TABLE {table} ({columns})")
        result.changes += [
            SchemaChange(c, "created", None, str(t))
            for c, t in result.target.items()
            if c not in LINEAGE_COLUMNS
        ]
        return result
    seen = {c for index, s in enumerate(staged) if index not in result.conflicts for c in s}
    for column, new_type in result.target.items():
        before = old.get(column)
        if before is None:
            result.statements.append(f"ALTER TABLE {table} ADD COLUMN {ident(column)} {new_type}")
            result.changes.append(SchemaChange(column, "added", None, str(new_type)))
        elif str(before) != str(new_type):
            adds = _nested_adds([column], before, new_type)
            if kind(before) in {"struct", "list"} and adds:
                for path, child in adds:
                    dotted = ".".join(ident(p) for p in path)
                    result.statements.append(f"ALTER TABLE {table} ADD COLUMN {dotted} {child}")
            else:
                result.statements.append(
                    f"ALTER TABLE {table} ALTER COLUMN {ident(column)} SET DATA TYPE {new_type}"
                )
            change: ChangeKind = "as_json" if is_json(new_type) else "widened"
            result.changes.append(SchemaChange(column, change, str(before), str(new_type)))
        elif column not in seen and not column.startswith("_"):
            result.changes.append(SchemaChange(column, "missing", str(before), None))
    return result


def read_schema(con: duckdb.DuckDBPyConnection, dataset: str) -> Schema | None:
    """The columns of ``lake.<dataset>``, or None if the table does not exist yet."""
    found = con.execute(sql_file("table_present.sql").format(name=literal(dataset))).fetchone()
    if found is None:
        return None
    rel = con.sql(f"SELECT * FROM {table_ref(dataset)} LIMIT 0")
    return dict(zip(rel.columns, rel.types, strict=True))


def as_mapping(schema: Mapping[str, DuckDBPyType]) -> dict[str, str]:
    return {c: str(t) for c, t in schema.items()}
