"""Type widening: the one place that decides what type a column gets when inputs disagree.

Rules, first match wins (``merge``):

- equal types stay; a NULL-typed side (a field that was always null) takes the other side;
- integers widen along TINYINT → SMALLINT → INTEGER → BIGINT → HUGEINT; integers and floats meet
  at DOUBLE; FLOAT → DOUBLE; DATE → TIMESTAMP → TIMESTAMP WITH TIME ZONE;
- STRUCTs merge field by field (new fields are added), LISTs merge their element types, MAPs their
  keys and values;
- an object or array meeting a scalar, or anything meeting JSON, becomes JSON — the values are
  kept verbatim and a warning is recorded, never coerced or dropped;
- two other scalars (a date and a number, say) meet at VARCHAR for CSV and at JSON for JSON input.

DuckLake itself allows only widening on ALTER (see ``lake.schema``), so a table's type never narrows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb
from duckdb.sqltypes import DuckDBPyType

INTEGER_RANK = {"tinyint": 1, "smallint": 2, "integer": 3, "bigint": 4, "hugeint": 5}
UNSIGNED_AS_SIGNED = {
    "utinyint": "smallint",
    "usmallint": "integer",
    "uinteger": "bigint",
    "ubigint": "hugeint",
}
FLOATS = {"float", "double", "decimal"}
NESTED = {"struct", "list", "map", "array", "union"}
#: other scalar pairs that widen without loss (kind ids as DuckDB names them)
WIDER = {
    frozenset({"date", "timestamp"}): "TIMESTAMP",
    frozenset({"timestamp", "timestamp with time zone"}): "TIMESTAMP WITH TIME ZONE",
    frozenset({"date", "timestamp with time zone"}): "TIMESTAMP WITH TIME ZONE",
}
HUGEINT = re.compile(r'(?<!")\bU?HUGEINT\b(?!")')
JSON = duckdb.sqltype("JSON")
VARCHAR = duckdb.sqltype("VARCHAR")
DOUBLE = duckdb.sqltype("DOUBLE")


@dataclass(frozen=True)
class Merged:
    type: DuckDBPyType
    as_json: bool = False  # a conflict was resolved by keeping the values as JSON


def is_json(t: DuckDBPyType) -> bool:
    return str(t) == "JSON"


def kind(t: DuckDBPyType) -> str:
    kind = str(t.id)
    return UNSIGNED_AS_SIGNED.get(kind, kind)


def children(t: DuckDBPyType) -> list[tuple[str, DuckDBPyType]]:
    """(name, type) of a STRUCT's fields."""
    return [(str(name), child) for name, child in t.children if isinstance(child, DuckDBPyType)]


def _numeric(a: str, b: str) -> DuckDBPyType | None:
    if a in INTEGER_RANK and b in INTEGER_RANK:
        return duckdb.sqltype(max(a, b, key=INTEGER_RANK.__getitem__).upper())
    if {a, b} <= FLOATS | set(INTEGER_RANK):
        return DOUBLE
    return None


def merge(
    a: DuckDBPyType, b: DuckDBPyType, *, scalar_conflict: DuckDBPyType = JSON, json_wins: bool = True
) -> Merged:
    """The narrowest type that holds every value of ``a`` and of ``b`` (see module docstring).

    With ``json_wins=False`` a JSON side yields to a concrete type: DuckDB types a field JSON also
    when it saw only nulls or empty arrays, and such a field should not turn a typed column into
    JSON. The caller must then check that the JSON values really cast (``lake.pipeline`` does).
    """
    if str(a) == str(b):
        return Merged(a)
    ka, kb = kind(a), kind(b)
    if ka == "null" or kb == "null":
        return Merged(b if ka == "null" else a)
    if is_json(a) or is_json(b):
        if not json_wins:
            return Merged(b if is_json(a) else a)
        return Merged(JSON, as_json=True)
    sub = {"scalar_conflict": scalar_conflict, "json_wins": json_wins}
    if ka == kb == "struct":
        fields = dict(children(a))
        as_json = False
        for name, child in children(b):
            if name in fields:
                merged = merge(fields[name], child, **sub)  # type: ignore[arg-type]
                fields[name], as_json = merged.type, as_json or merged.as_json
            else:
                fields[name] = child
        return Merged(duckdb.struct_type(fields), as_json)
    if ka == kb == "list":
        merged = merge(a.child, b.child, **sub)  # type: ignore[arg-type]
        return Merged(duckdb.list_type(merged.type), merged.as_json)
    if ka == kb == "map":
        key = merge(a.key, b.key, **sub)  # type: ignore[arg-type]
        value = merge(a.value, b.value, **sub)  # type: ignore[arg-type]
        return Merged(duckdb.map_type(key.type, value.type), key.as_json or value.as_json)
    if ka in NESTED or kb in NESTED:
        return Merged(JSON, as_json=True)
    numeric = _numeric(ka, kb)
    if numeric is not None:
        return Merged(numeric)
    if frozenset({ka, kb}) in WIDER:
        return Merged(duckdb.sqltype(WIDER[frozenset({ka, kb})]))
    return Merged(scalar_conflict, as_json=is_json(scalar_conflict))


def fits(small: DuckDBPyType, big: DuckDBPyType) -> bool:
    """True if a Parquet column of type ``small`` can be read as ``big`` without rewriting the file."""
    if str(small) == str(big):
        return True
    ks, kb = kind(small), kind(big)
    if ks in INTEGER_RANK and kb in INTEGER_RANK:
        return INTEGER_RANK[ks] <= INTEGER_RANK[kb]
    if ks == "float" and kb == "double":
        return True
    if ks == kb == "struct":
        fields = dict(children(big))
        return all(name in fields and fits(child, fields[name]) for name, child in children(small))
    if ks == kb == "list":
        return fits(small.child, big.child)
    return False


def storable(type_sql: str) -> str:
    """``type_sql`` with 128-bit integers as BIGINT: Parquet has none (DuckDB would write DOUBLE).

    A value beyond BIGINT then fails loudly instead of losing precision silently.
    """
    return HUGEINT.sub("BIGINT", type_sql)


def contains_json(t: DuckDBPyType) -> bool:
    """True if ``t`` is JSON or has JSON somewhere inside (a field with mixed shapes)."""
    if is_json(t):
        return True
    k = kind(t)
    if k == "struct":
        return any(contains_json(child) for _, child in children(t))
    if k == "list":
        return contains_json(t.child)
    if k == "map":
        return contains_json(t.key) or contains_json(t.value)
    return False
