"""The privileged side: the only place that sees raw lake and warehouse tables.

It resolves the names a query uses to canonical relation names (``lake.customers`` for lake
tables, ``SCHEMA.TABLE`` for warehouse models), knows their schemas and versions, and lends its
connection to ``store`` to build a principal's relation files. Principal SQL never runs here.

Opening the lake costs more than most queries (extensions, DuckLake attach), so the connection
opens lazily: the lake version comes straight from the SQLite metadata, and the relation list
with column types is cached per lake schema version (which only DDL changes, not an ingest) and
warehouse file version under ``HOME/access/schemas``. A query whose relation files already exist never opens the lake.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import duckdb
from sqlglot import exp

from catalog.access.encryption import attach_database
from lakehouse.connect import connect, lake_exists
from lakehouse.settings import Settings

WAREHOUSE_ALIAS = "warehouse"
SCHEMA_SQL = (
    "SELECT c.table_schema, c.table_name, list(c.column_name ORDER BY c.ordinal_position), "
    "list(c.data_type ORDER BY c.ordinal_position), any_value(t.table_type = 'VIEW') "
    "FROM information_schema.columns c JOIN information_schema.tables t "
    "USING (table_catalog, table_schema, table_name) "
    "WHERE c.table_catalog = ? AND NOT starts_with(c.table_name, '_') GROUP BY ALL"
)
#: bumped when the cached relation list changes shape (older files are removed on the next write)
CACHE_FORMAT = "v2"


@dataclass(frozen=True)
class Relation:
    catalog: str
    schema: str
    table: str
    columns: tuple[tuple[str, str], ...]  # (name, DuckDB type)
    view: bool = False


class Privileged:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._con: duckdb.DuckDBPyConnection | None = None
        self._warehouse_attached = False
        self._needs_warehouse = False
        self._lake: dict[str, Relation] | None = None
        self._warehouse: dict[str, Relation] | None = None
        self._lake_version: str | None = None
        self._lake_schema_version: str | None = None

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            self._con = connect(self.settings, lake=lake_exists(self.settings), lake_read_only=True)
        if self._needs_warehouse and not self._warehouse_attached:
            path = self.settings.warehouse_file
            attach_database(self._con, self.settings, path, alias=WAREHOUSE_ALIAS, read_only=True)
            self._warehouse_attached = True
        return self._con

    def warehouse(self) -> duckdb.DuckDBPyConnection | None:
        """A cursor whose current database is the warehouse (read-only), or None without a warehouse file.

        For the ML compiler's export of a model's registry row and parameter tables.
        """
        if not self.settings.warehouse_file.exists():
            return None
        self._needs_warehouse = True
        cursor = self.con.cursor()
        cursor.execute(f"USE {WAREHOUSE_ALIAS}")
        return cursor

    def close(self) -> None:
        if self._con is not None:
            self._con.close()

    def __enter__(self) -> Privileged:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- names and schemas -------------------------------------------------------------------------
    def resolve(self, node: exp.Table) -> str | None:
        """The canonical name a table reference stands for, or None when there is no such relation."""
        catalog, db, name = node.catalog.lower(), node.db.lower(), node.name.lower()
        if catalog == "lake" and db in ("", "main") or catalog in ("", WAREHOUSE_ALIAS) and db == "lake":
            candidates = [f"lake.{name}"]
        elif catalog in ("", WAREHOUSE_ALIAS) and db:
            candidates = [f"{db}.{name}"]
        elif not catalog and not db:
            candidates = [f"lake.{name}", f"main.{name}"]
        else:
            candidates = []
        return next((c for c in candidates if self.relation(c) is not None), None)

    def relation(self, canonical: str) -> Relation | None:
        if canonical.startswith("lake."):
            if self._lake is None:
                self._lake = (
                    self._cached("lake", self._schema_version()) if lake_exists(self.settings) else {}
                )
            return self._lake.get(canonical)
        if not self.settings.warehouse_file.exists():
            return None
        if self._warehouse is None:
            self._needs_warehouse = True  # attached when the connection opens
            self._warehouse = self._cached(WAREHOUSE_ALIAS, self.version("warehouse.*"))
        return self._warehouse.get(canonical)

    def relations(self) -> dict[str, Relation]:
        """Every lake and warehouse relation by canonical name (for INFORMATION_SCHEMA; privileged)."""
        self.relation("lake._")
        self.relation("main._")
        return {**(self._lake or {}), **(self._warehouse or {})}

    def schema(self, canonical: str) -> list[tuple[str, str]]:
        relation = self.relation(canonical)
        assert relation is not None, canonical
        return list(relation.columns)

    def source(self, canonical: str) -> exp.Table:
        relation = self.relation(canonical)
        assert relation is not None, canonical
        return exp.table_(relation.table, db=relation.schema, catalog=relation.catalog, quoted=True)

    # --- versions -------------------------------------------------------------------------------
    def version(self, canonical: str) -> str:
        """Changes whenever the relation's data may have changed (lake snapshot, warehouse file)."""
        if canonical.startswith("lake."):
            if self._lake_version is None:
                self._read_snapshot()
            assert self._lake_version is not None
            return self._lake_version
        stat = self.settings.warehouse_file.stat()
        return f"wh{stat.st_mtime_ns}_{stat.st_size}"

    def _schema_version(self) -> str:
        """Changes with DDL only (CREATE, ALTER, DROP), not with an ingest: keys the schema cache."""
        if self._lake_schema_version is None:
            self._read_snapshot()
        assert self._lake_schema_version is not None
        return self._lake_schema_version

    def _read_snapshot(self) -> None:
        meta = self.settings.lake_metadata_uri
        path = Path(meta.removeprefix("sqlite:"))
        sql = "SELECT snapshot_id, schema_version FROM {} ORDER BY snapshot_id DESC LIMIT 1"
        if meta.startswith("sqlite:") and path.exists():
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                row = db.execute(sql.format("ducklake_snapshot")).fetchone()
        else:
            row = self.con.execute(sql.format("ducklake_snapshots('lake')")).fetchone()
        snapshot, schema = (int(row[0]), int(row[1])) if row else (0, 0)
        self._lake_version, self._lake_schema_version = f"lake{snapshot}", f"s{schema}"

    # --- schema cache -----------------------------------------------------------------------------
    def _cached(self, catalog: str, version: str) -> dict[str, Relation]:
        path = self.settings.home / "access" / "schemas" / f"{catalog}-{version}-{CACHE_FORMAT}.json"
        if path.exists():
            return {
                k: Relation(v[0], v[1], v[2], tuple((c, t) for c, t in v[3]), v[4])
                for k, v in json.loads(path.read_text()).items()
            }
        relations: dict[str, Relation] = {}
        for schema, table, names, types, view in self.con.execute(SCHEMA_SQL, [catalog]).fetchall():
            canonical = f"lake.{table}" if catalog == "lake" else f"{schema}.{table}"
            columns = tuple(zip(names, types, strict=True))
            relations.setdefault(canonical.lower(), Relation(catalog, schema, table, columns, bool(view)))
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        tmp.write_text(
            json.dumps({k: [r.catalog, r.schema, r.table, r.columns, r.view] for k, r in relations.items()})
        )
        os.replace(tmp, path)
        for old in path.parent.glob(f"{catalog}-*.json"):  # older snapshots are never asked for again
            if old != path:
                old.unlink(missing_ok=True)
        return relations
