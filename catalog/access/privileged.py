"""The privileged side: the one connection that sees raw lake and warehouse tables.

It resolves the names a query uses to canonical relation names (``lake.customers`` for lake
tables, ``SCHEMA.TABLE`` for warehouse models), reads their live schemas and versions, and builds
the principal's relation files (``store``). Principal SQL never runs here.
"""

from __future__ import annotations

import duckdb
from sqlglot import exp

from catalog.access.encryption import attach_database
from lakehouse.connect import connect
from lakehouse.settings import Settings

WAREHOUSE_ALIAS = "warehouse"


class Privileged:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.con: duckdb.DuckDBPyConnection = connect(settings, lake_read_only=True)
        self._warehouse = False
        self._relations: dict[str, tuple[str, str, str]] | None = None
        self._lake_version: str | None = None

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Privileged:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- names ---------------------------------------------------------------------------------
    def relations(self) -> dict[str, tuple[str, str, str]]:
        """canonical name -> (catalog, schema, table) of lake tables (and warehouse ones once needed)."""
        if self._relations is None:
            self._relations = self._list("lake")
        return self._relations

    def _list(self, catalog: str) -> dict[str, tuple[str, str, str]]:
        rows = self.con.execute(
            "SELECT table_catalog, table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog = ? AND NOT starts_with(table_name, '_')",
            [catalog],
        ).fetchall()
        out: dict[str, tuple[str, str, str]] = {}
        for cat, schema, table in rows:
            canonical = f"lake.{table}" if cat == "lake" else f"{schema}.{table}"
            out.setdefault(canonical.lower(), (cat, schema, table))
        return out

    def resolve(self, node: exp.Table) -> str | None:
        """The canonical name a table reference stands for, or None when there is no such relation."""
        catalog, db, name = node.catalog.lower(), node.db.lower(), node.name.lower()
        known = self.relations()
        if not (catalog == "lake" or (db == "lake" and not catalog)) and f"lake.{name}" not in known:
            self._attach_warehouse()
        if catalog == "lake" and db in ("", "main"):
            candidates = [f"lake.{name}"]
        elif catalog in ("", WAREHOUSE_ALIAS) and db == "lake":
            candidates = [f"lake.{name}"]
        elif catalog in ("", WAREHOUSE_ALIAS) and db:
            candidates = [f"{db}.{name}"]
        elif not catalog and not db:
            candidates = [f"lake.{name}", f"main.{name}"]
        else:
            candidates = []
        return next((c for c in candidates if c in known), None)

    def source(self, canonical: str) -> exp.Table:
        catalog, schema, table = self.relations()[canonical]
        return exp.table_(table, db=schema, catalog=catalog, quoted=True)

    # --- schema and versions ------------------------------------------------------------------------
    def schema(self, canonical: str) -> list[tuple[str, str]]:
        catalog, schema, table = self.relations()[canonical]
        return [
            (str(name), str(kind))
            for name, kind in self.con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_catalog = ? AND table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                [catalog, schema, table],
            ).fetchall()
        ]

    def version(self, canonical: str) -> str:
        """Changes whenever the relation's data may have changed (lake snapshot, warehouse file)."""
        if canonical.startswith("lake."):
            if self._lake_version is None:
                row = self.con.execute("SELECT max(snapshot_id) FROM ducklake_snapshots('lake')").fetchone()
                self._lake_version = f"lake{row[0] if row else 0}"
            return self._lake_version
        stat = self.settings.warehouse_file.stat()
        return f"wh{stat.st_mtime_ns}_{stat.st_size}"

    def _attach_warehouse(self) -> None:
        path = self.settings.warehouse_file
        if self._warehouse or not path.exists():
            return
        attach_database(self.con, self.settings, path, alias=WAREHOUSE_ALIAS, read_only=True)
        self._warehouse = True
        self.relations().update({k: v for k, v in self._list(WAREHOUSE_ALIAS).items() if k not in self.relations()})
