"""The warehouse (DuckDB file built by dbt): ML models from its registry, statistics of dbt models.

The file is opened read-only. While another process holds it for writing (``dbt build``, a
``CREATE MODEL``), DuckDB refuses even readers: the catalog then keeps going without it and says so.
The lake is attached read-only too, so dbt views over lake tables can be profiled.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field

import duckdb
from sqlglot import exp

from catalog.model import DatasetRecord
from catalog.sources import ml
from catalog.stats import profile
from lakehouse.connect import attach_lake, connect, lake_exists
from lakehouse.errors import LockedError
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


def profile_models(
    con: duckdb.DuckDBPyConnection, records: list[DatasetRecord]
) -> tuple[list[DatasetRecord], list[str]]:
    """dbt models with row counts, column statistics and value-based PII findings from the warehouse."""
    database = str(con.execute("SELECT current_database()").fetchone()[0])  # type: ignore[index]
    out, warnings = [], []
    for record in records:
        relation = record.properties.get("relation")
        if record.source != "dbt" or not relation or relation[0] != database or record.kind == "model":
            out.append(record)
            continue
        table = exp.table_(relation[2], db=relation[1], catalog=relation[0], quoted=True)
        try:
            rows, stats, findings = profile(con, table, [(c.name, c.type) for c in record.columns])
        except duckdb.Error as exc:
            warnings.append(f"no statistics for {record.name}: {str(exc).splitlines()[0]}")
            out.append(record)
            continue
        columns = tuple(
            dataclasses.replace(
                c, stats=s, pii=c.pii if c.pii and c.pii.source == "override" else findings[c.name] or c.pii
            )
            for c, s in zip(record.columns, stats, strict=True)
        )
        out.append(dataclasses.replace(record, row_count=rows, columns=columns))
    return out, warnings
