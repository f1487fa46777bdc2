"""The warehouse (DuckDB file built by dbt): ML models from its registry; columns, types, row counts and
statistics of dbt models read from the relations dbt built (the YAML's docs laid over them, ``dbt.overlay``).

A dbt model whose relation is not in this warehouse (a manifest left by a build into another home, a model
never built) is not listed; one warning says how many were left out.

The file is opened read-only. While another process holds it for writing (``dbt build``, a
``CREATE MODEL``), DuckDB refuses even readers: the catalog then keeps going without it and says so.
The lake is attached read-only too, so dbt views over lake tables can be profiled.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import duckdb

from catalog.model import DatasetRecord
from catalog.sources import dbt, ml
from catalog.stats import profile
from lakehouse.connect import attach_lake, connect, lake_exists
from lakehouse.contracts import DbtColumn
from lakehouse.errors import LockedError
from lakehouse.quoting import qualified
from lakehouse.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class WarehouseScan:
    models: ml.MlScan = field(default_factory=ml.MlScan)
    warnings: list[str] = field(default_factory=list)


def open_warehouse(settings: Settings) -> tuple[duckdb.DuckDBPyConnection | None, str | None]:
    """A read-only connection to the warehouse, or None and why not."""
    if not settings.warehouse_file.exists():
        return None, None
    try:
        con = connect(settings, database=settings.warehouse_file, read_only=True, lake=False)
    except (LockedError, duckdb.Error) as exc:
        return None, f"warehouse skipped: {exc}"
    if lake_exists(settings):
        try:
            attach_lake(con, settings, read_only=True)
        except (LockedError, duckdb.Error) as exc:  # views over the lake will simply not be profiled
            log.info("lake not attached to the warehouse: %s", exc)
    return con, None


#: a relation's columns in table order
RELATION_COLUMNS_SQL = (
    "SELECT column_name, data_type FROM information_schema.columns "
    "WHERE table_catalog = $1 AND table_schema = $2 AND table_name = $3 ORDER BY ordinal_position"
)


def profile_models(
    con: duckdb.DuckDBPyConnection,
    records: list[DatasetRecord],
    documented: Mapping[str, tuple[DbtColumn, ...]],
) -> tuple[list[DatasetRecord], list[str]]:
    """dbt models with the columns and types of their relation in the warehouse, the YAML's docs laid over
    them, row counts, column statistics and value-based PII findings; models not in the warehouse dropped."""
    database = str(con.execute("SELECT current_database()").fetchone()[0])  # type: ignore[index]
    out, warnings, absent = [], [], []
    for record in records:
        relation = record.properties.get("relation")
        if record.source != "dbt" or not relation or record.kind == "model":
            out.append(record)
            continue
        actual = (
            con.execute(RELATION_COLUMNS_SQL, list(relation)).fetchall() if relation[0] == database else []
        )
        if not actual:
            absent.append(record.name)
            continue
        record = from_relation(record, actual, documented.get(record.name, ()))
        profiled, problem = _with_statistics(con, record)
        out.append(profiled)
        warnings += [problem] if problem else []
    if absent:
        warnings.append(
            f"{len(absent)} dbt models of the manifest are not in the warehouse {database!r} of this home and "
            f"are not listed ({', '.join(sorted(absent)[:5])}{', ...' if len(absent) > 5 else ''}); "
            "build the project into this home (`lakehouse dbt build`)"
        )
    return out, warnings


def from_relation(
    record: DatasetRecord, actual: list[tuple[str, str]], documented: tuple[DbtColumn, ...]
) -> DatasetRecord:
    """The record with the relation's real columns (docs overlaid) and the documented ones it lacks."""
    columns, missing = dbt.overlay(actual, documented)
    properties = {**record.properties, dbt.COLUMNS_FROM: "warehouse", dbt.NOT_IN_WAREHOUSE: missing}
    return dataclasses.replace(record, columns=columns, properties=properties)


def _with_statistics(
    con: duckdb.DuckDBPyConnection, record: DatasetRecord
) -> tuple[DatasetRecord, str | None]:
    relation = record.properties["relation"]
    try:
        rows, stats, findings = profile(con, qualified(*relation), [(c.name, c.type) for c in record.columns])
    except duckdb.Error as exc:
        return record, f"no statistics for {record.name}: {str(exc).splitlines()[0]}"
    columns = tuple(
        dataclasses.replace(
            c, stats=s, pii=c.pii if c.pii and c.pii.source == "override" else findings[c.name] or c.pii
        )
        for c, s in zip(record.columns, stats, strict=True)
    )
    return dataclasses.replace(record, row_count=rows, columns=columns), None
