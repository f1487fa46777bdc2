"""Per-principal relations, built on the privileged side: filtered, masked and projected.

A relation holds exactly what a principal may see of one table, and only the columns the query
reads: the rows its row rules keep (filtered on raw values, pushed down into the lake scan) and
those of its visible columns the query touches (``SELECT *``: all visible ones), masked. Only the
columns a query reads are masked, so a query that never touches a masked column pays no masking.

The privileged connection returns the relation as an Arrow table, which the restricted instance
registers directly (no file on the query's path). Relations are cached on disk per (table,
snapshot, effective rules, column set): as an uncompressed Arrow IPC file, memory-mapped by the
next query with the same access, or - for datasets marked sensitive, when a key is configured -
as an encrypted DuckDB file. A new lake commit or policy change builds anew; principals with
identical access share a cache entry. ``RANDOM_HASH`` needs a new salt per query, and a sensitive
dataset without a key must never rest unencrypted, so those relations stay in memory only.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp

from catalog.access.decisions import TableAccess
from catalog.access.encryption import encryption_key
from catalog.access.masking import mask_expression
from lakehouse.connect import load_extensions
from lakehouse.settings import Settings

STORE_FORMAT = 2
NO_COLUMNS = "_no_visible_columns"  # a query reading no column still needs the row count


@dataclass(frozen=True)
class RelationFile:
    table: str
    path: Path | None  # the cache file (None: in memory only)
    temporary: bool  # built for one query only (delete after use)
    built: bool  # built now (False: reused)
    key: str | None = None  # encryption key of the file (sensitive datasets)
    data: pa.Table | None = None  # the relation itself, when the sandbox registers Arrow data


def store_dir(settings: Settings) -> Path:
    return settings.home / "access" / "relations"


def relation_select(
    access: TableAccess,
    source: exp.Table,
    *,
    salt: str,
    routines: Mapping[str, str],
    columns: AbstractSet[str] | None = None,
) -> exp.Select:
    """``SELECT masked columns FROM (SELECT * FROM source WHERE row filter)``.

    ``columns``: lower-cased names the query reads (None: every visible column).
    """
    inner = exp.select("*").from_(source.copy())
    if access.rows.filter_sql is not None:
        inner = inner.where(sqlglot.parse_one(access.rows.filter_sql, read="duckdb"))
    projections: list[exp.Expr] = []
    wanted = [c for c in access.visible_columns if columns is None or c.name.lower() in columns]
    for column in wanted:
        value: exp.Expr = exp.column(column.name, table="_raw", quoted=True)
        if column.kind == "masked" and column.rule:
            where = f"{access.table}.{column.name}"
            value = mask_expression(
                column.rule, value, column.type, salt=salt, routines=routines, where=where
            )
        projections.append(exp.alias_(value, column.name, quoted=True))
    if not projections:  # nothing visible still needs a relation with the right row count
        projections.append(exp.alias_(exp.null(), NO_COLUMNS, quoted=True))
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
    columns: AbstractSet[str] | None = None,
) -> RelationFile:
    """Build (or reuse) the relation of ``access``; ``connection()`` opens the privileged side.

    ``columns``: the lower-cased column names the query reads (None: every visible column).
    """
    folder = store_dir(settings)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = encryption_key(settings) if sensitive else None
    per_query = any(c.rule == "RANDOM_HASH" for c in access.visible_columns) or (sensitive and key is None)
    salt = secrets.token_hex(16) if per_query else ""
    select = relation_select(access, source, salt=salt, routines=routines, columns=columns)
    if per_query:  # nothing rests on disk
        data = connection().sql(select.sql("duckdb")).to_arrow_table()
        return RelationFile(access.table, None, temporary=True, built=True, data=data)
    prefix = access.table.replace(".", "__")
    if key is not None:
        path = folder / f"{prefix}-v{_safe(version)}-{_digest(access, version, select, routines, key)}.duckdb"
        built = not path.exists()
        if built:
            _write_encrypted(connection(), select, path, key)
            _remove_stale(folder, prefix, version)
        return RelationFile(access.table, path, temporary=False, built=built, key=key)
    # one entry per (rules, column set); any entry of the same rules with more columns serves too
    every = relation_select(access, source, salt=salt, routines=routines)
    stem = f"{prefix}-v{_safe(version)}-{_digest(access, version, every, routines, key)}"
    wanted = list(select.named_selects)
    reused = _reuse(folder, stem, wanted)
    if reused is not None:
        return RelationFile(access.table, reused[0], temporary=False, built=False, data=reused[1])
    data = connection().sql(select.sql("duckdb")).to_arrow_table()
    names = hashlib.sha256("\n".join(sorted(wanted)).encode()).hexdigest()[:12]
    path = folder / f"{stem}-{names}.arrow"
    tmp = _tmp(path)
    try:
        with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, data.schema) as writer:
            writer.write_table(data)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _remove_stale(folder, prefix, version)
    return RelationFile(access.table, path, temporary=False, built=True, data=data)


def _reuse(folder: Path, stem: str, wanted: list[str]) -> tuple[Path, pa.Table] | None:
    """The narrowest cached relation holding every ``wanted`` column, memory-mapped (zero-copy)."""
    best: tuple[int, Path] | None = None
    for path in folder.glob(f"{stem}-*.arrow"):
        try:
            names = pa.ipc.open_file(pa.memory_map(str(path))).schema.names
        except (OSError, pa.ArrowInvalid):  # replaced or removed by another session meanwhile
            continue
        if (wanted == [NO_COLUMNS] or set(wanted) <= set(names)) and (best is None or len(names) < best[0]):
            best = (len(names), path)
    if best is None:
        return None
    try:
        table = pa.ipc.open_file(pa.memory_map(str(best[1]))).read_all()  # pages in on demand
    except (OSError, pa.ArrowInvalid):
        return None
    if wanted == [NO_COLUMNS] and NO_COLUMNS not in table.column_names:
        return best[1], pa.table({NO_COLUMNS: pa.nulls(table.num_rows)})
    return best[1], table.select(wanted)


def _write_encrypted(con: duckdb.DuckDBPyConnection, select: exp.Select, path: Path, key: str) -> None:
    """An encrypted DuckDB file holding ``select``'s result as table ``data``."""
    tmp = _tmp(path)
    alias = "_access_build"
    load_extensions(con, ["httpfs"])  # DuckDB's writable crypto module
    con.execute(
        f"ATTACH {exp.Literal.string(str(tmp)).sql('duckdb')} AS {alias} ({', '.join(key_options(key))})"
    )
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


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


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
    for old in folder.glob(f"{prefix}-v*.*"):
        if not old.name.startswith(keep):
            old.unlink(missing_ok=True)
