"""Export lake tables, all at one DuckLake snapshot, to Parquet files that BigQuery can load.

BigQuery cannot read a DuckLake table (inlined rows and deletes live only in the metadata), so publishing
goes through Parquet written from a snapshot: every table of one publish sees the same lake state. Types
BigQuery's Parquet loader does not take are converted on the way out (declarative table below): JSON and MAP
become JSON text, naive TIMESTAMPs (UTC by the lake's contract) become UTC timestamps, 128-bit integers
become decimals, UUIDs become text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
from sqlglot import exp

from lakehouse.connect import connect
from lakehouse.errors import NotFoundError
from lakehouse.settings import Settings

#: DuckDB type (regular expression, full match) -> conversion of the column for BigQuery
CONVERSIONS: list[tuple[str, Callable[[exp.Expr], exp.Expr]]] = [
    (r"JSON", lambda c: exp.cast(c, "VARCHAR")),
    (r"MAP\(.*\)", lambda c: exp.cast(exp.Anonymous(this="to_json", expressions=[c]), "VARCHAR")),
    (r"TIMESTAMP(_NS|_MS|_S)?", lambda c: exp.cast(c, "TIMESTAMPTZ")),
    (r"U?HUGEINT|UBIGINT", lambda c: exp.cast(c, "DECIMAL(38, 0)")),
    (r"UUID", lambda c: exp.cast(c, "VARCHAR")),
]


@dataclass(frozen=True, slots=True)
class ExportedTable:
    table: str
    path: Path
    rows: int
    bytes: int


def current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    """The lake's latest snapshot id."""
    row = con.execute("SELECT max(snapshot_id) FROM ducklake_snapshots('lake')").fetchone()
    if row is None or row[0] is None:
        raise NotFoundError("the lake has no snapshot yet", hint="ingest something first")
    return int(row[0])


def lake_tables(con: duckdb.DuckDBPyConnection, snapshot: int) -> list[str]:
    """User tables of the lake at ``snapshot`` (internal ``_`` tables left out)."""
    rows = con.execute("SELECT table_name FROM ducklake_table_info('lake') ORDER BY table_name").fetchall()
    names = [row[0] for row in rows if not row[0].startswith("_")]
    return [name for name in names if _exists_at(con, name, snapshot)]


def export_snapshot(
    settings: Settings,
    out_dir: Path,
    tables: Sequence[str] | None = None,
    snapshot: int | None = None,
    *,
    on_table: Callable[[ExportedTable], None] | None = None,
) -> tuple[int, list[ExportedTable]]:
    """Write ``out_dir/<table>.parquet`` for each table at ``snapshot`` (default: the latest); return both."""
    out_dir.mkdir(parents=True, exist_ok=True)
    con = connect(settings, lake_read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        snapshot = current_snapshot(con) if snapshot is None else int(snapshot)
        available = lake_tables(con, snapshot)
        wanted = list(tables) if tables else available
        unknown = [name for name in wanted if name not in available]
        if unknown:
            raise NotFoundError(
                f"no lake table {', '.join(unknown)} at snapshot {snapshot}",
                hint="tables there: " + (", ".join(available) or "none"),
            )
        exported = []
        for name in wanted:
            item = _export_table(con, name, snapshot, out_dir / f"{name}.parquet")
            exported.append(item)
            if on_table is not None:
                on_table(item)
        return snapshot, exported
    finally:
        con.close()


def _relation(table: str, snapshot: int) -> str:
    name = exp.to_identifier(table, quoted=True).sql("duckdb")
    return f"lake.{name} AT (VERSION => {int(snapshot)})"


def _exists_at(con: duckdb.DuckDBPyConnection, table: str, snapshot: int) -> bool:
    try:
        con.execute(f"DESCRIBE SELECT * FROM {_relation(table, snapshot)}")
    except duckdb.CatalogException:
        return False
    return True


def export_query(con: duckdb.DuckDBPyConnection, table: str, snapshot: int) -> str:
    """The SELECT that reads ``table`` at ``snapshot`` with BigQuery-loadable column types."""
    columns = con.execute(f"DESCRIBE SELECT * FROM {_relation(table, snapshot)}").fetchall()
    select = []
    for name, data_type, *_ in columns:
        column: exp.Expr = exp.column(name, quoted=True)
        for pattern, convert in CONVERSIONS:
            if re.fullmatch(pattern, data_type):
                column = exp.alias_(convert(column), name, quoted=True)
                break
        select.append(column)
    return f"SELECT {', '.join(c.sql('duckdb') for c in select)} FROM {_relation(table, snapshot)}"


def _export_table(con: duckdb.DuckDBPyConnection, table: str, snapshot: int, path: Path) -> ExportedTable:
    target = exp.Literal.string(str(path)).sql("duckdb")
    query = export_query(con, table, snapshot)
    con.execute(f"COPY ({query}) TO {target} (FORMAT parquet, COMPRESSION zstd)")
    rows = con.execute(f"SELECT count(*) FROM read_parquet({target})").fetchone()
    return ExportedTable(table=table, path=path, rows=int(rows[0]) if rows else 0, bytes=path.stat().st_size)
