"""Per-principal relations, built on the privileged side: filtered, masked, written to small DuckDB files.

A relation file holds exactly what a principal may see of one table - the rows its row rules
keep (filtered on raw values, pushed down into the lake scan) and its visible columns, masked.
Files are keyed by the lake snapshot (or warehouse file version) and the effective rules, so the
next query with the same access reuses the file and a new lake commit or policy change builds a
new one. Principals with identical access share a file. ``RANDOM_HASH`` needs a new salt per
query, so relations using it are built per query and deleted afterwards.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

from catalog.access.decisions import TableAccess
from catalog.access.encryption import encryption_key
from catalog.access.masking import mask_expression
from lakehouse.connect import load_extensions
from lakehouse.settings import Settings

STORE_FORMAT = 1


@dataclass(frozen=True)
class RelationFile:
    table: str
    path: Path
    temporary: bool  # built for one query only (delete after use)
    built: bool  # built now (False: reused)
    key: str | None = None  # encryption key of the file (sensitive datasets)


def store_dir(settings: Settings) -> Path:
    return settings.home / "access" / "relations"


def relation_select(
    access: TableAccess, source: exp.Table, *, salt: str, routines: Mapping[str, str]
) -> exp.Select:
    """``SELECT masked visible columns FROM (SELECT * FROM source WHERE row filter)``."""
    inner = exp.select("*").from_(source.copy())
    if access.rows.filter_sql is not None:
        inner = inner.where(sqlglot.parse_one(access.rows.filter_sql, read="duckdb"))
    projections: list[exp.Expr] = []
    for column in access.visible_columns:
        value: exp.Expr = exp.column(column.name, table="_raw", quoted=True)
        if column.kind == "masked" and column.rule:
            where = f"{access.table}.{column.name}"
            value = mask_expression(
                column.rule, value, column.type, salt=salt, routines=routines, where=where
            )
        projections.append(exp.alias_(value, column.name, quoted=True))
    if not projections:  # nothing visible still needs a relation with the right row count
        projections.append(exp.alias_(exp.null(), "_no_visible_columns", quoted=True))
    return exp.select(*projections).from_(inner.subquery("_raw"))


def materialize(
    connection: Callable[[], duckdb.DuckDBPyConnection],
    settings: Settings,
    access: TableAccess,
    source: exp.Table,
    version: str,
    *,
    routines: Mapping[str, str],
    sensitive: bool = False,
) -> RelationFile:
    """Write (or reuse) the relation file of ``access``; ``connection()`` opens the privileged side.

    A ``sensitive`` relation is encrypted at rest: with the configured key (and then cached), or
    without one with a random key for this query only.
    """
    folder = store_dir(settings)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = (encryption_key(settings) or secrets.token_hex(32)) if sensitive else None
    per_query = any(c.rule == "RANDOM_HASH" for c in access.visible_columns)
    per_query = per_query or (sensitive and encryption_key(settings) is None)
    salt = secrets.token_hex(16) if per_query else ""
    select = relation_select(access, source, salt=salt, routines=routines)
    digest = _digest(access, version, select, routines, key)
    prefix = access.table.replace(".", "__")
    if per_query:
        path = folder / f"{prefix}-query-{secrets.token_hex(8)}.duckdb"
    else:
        path = folder / f"{prefix}-v{_safe(version)}-{digest}.duckdb"
        if path.exists():
            return RelationFile(access.table, path, temporary=False, built=False, key=key)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    alias = "_access_build"
    con = connection()
    if key is not None:
        load_extensions(con, ["httpfs"])  # DuckDB's writable crypto module
    options = f" ({', '.join(key_options(key))})" if key else ""
    con.execute(f"ATTACH {exp.Literal.string(str(tmp)).sql('duckdb')} AS {alias}{options}")
    create = exp.Create(this=exp.table_("data", db="main", catalog=alias), kind="TABLE", expression=select)
    try:
        try:
            con.execute(create.sql("duckdb"))
        finally:
            con.execute(f"DETACH {alias}")
    except BaseException:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
        raise
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    if not per_query:
        _remove_stale(folder, prefix, version)
    return RelationFile(access.table, path, temporary=per_query, built=True, key=key)


def key_options(key: str | None) -> list[str]:
    """ATTACH options for a relation file encrypted with ``key`` (none when not encrypted)."""
    return [f"ENCRYPTION_KEY {exp.Literal.string(key).sql('duckdb')}"] if key else []


def _digest(
    access: TableAccess, version: str, select: exp.Select, routines: Mapping[str, str], key: str | None
) -> str:
    payload: dict[str, object] = {"format": STORE_FORMAT, "table": access.table, "version": version}
    payload["select"] = select.sql("duckdb")
    payload["key"] = hashlib.sha256(key.encode()).hexdigest() if key else None  # a new key, a new file
    payload["routines"] = dict(sorted(routines.items()))
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]


def _safe(version: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in version)


def _remove_stale(folder: Path, prefix: str, version: str) -> None:
    """Files of the same table built from an older lake snapshot or warehouse file are dead."""
    keep = f"{prefix}-v{_safe(version)}-"
    for old in folder.glob(f"{prefix}-v*.duckdb"):
        if not old.name.startswith(keep):
            old.unlink(missing_ok=True)
