"""ML models from the warehouse's model registry ``ml._models``.

Each row is read as a ``lakehouse.contracts.RegisteredModel`` (the registry's own columns, selected by
name): the model's features, with their types, are its columns; its type, options, metrics, training
query and lake snapshot are properties; lineage comes from the tables the training query reads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import duckdb
import sqlglot
from sqlglot import exp

from catalog import pii
from catalog.model import ColumnRecord, DatasetRecord, LineageEdge
from lakehouse.contracts import RegisteredModel

log = logging.getLogger(__name__)
#: the properties of a model the catalog keeps (``catalog show`` lists them)
PROPERTIES = ("model_type", "options", "metrics", "lake_snapshot", "training_query")


@dataclass
class MlScan:
    records: list[DatasetRecord] = field(default_factory=list)
    edges: list[LineageEdge] = field(default_factory=list)


def has_registry(con: duckdb.DuckDBPyConnection) -> bool:
    query = "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?"
    row = con.execute(query, [RegisteredModel.SCHEMA, RegisteredModel.TABLE]).fetchone()
    return bool(row and row[0])


def models(con: duckdb.DuckDBPyConnection) -> list[RegisteredModel]:
    """Every row of the registry of the warehouse open on ``con``."""
    if not has_registry(con):
        return []
    registry = exp.table_(RegisteredModel.TABLE, db=RegisteredModel.SCHEMA, quoted=True)
    query = exp.select(*[exp.column(c, quoted=True) for c in RegisteredModel.columns()]).from_(registry)
    return [RegisteredModel.from_row(row) for row in con.execute(query.sql("duckdb")).fetchall()]


def record(model: RegisteredModel) -> DatasetRecord:
    columns = tuple(
        ColumnRecord(
            f.name, f.dtype.upper(), i + 1, "model feature", tags=("feature",), pii=pii.detect(f.name)
        )
        for i, f in enumerate(model.features)
    )
    return DatasetRecord(
        model.name, "model", "ml", "ml", f"{model.model_type.upper()} model", columns=columns,
        updated_at=model.created_at, properties={key: getattr(model, key) for key in PROPERTIES},
    )  # fmt: skip


def training_tables(sql: str) -> set[str]:
    """Tables a training query (BigQuery SQL) reads, qualified the way the catalog names them."""
    try:
        tree = sqlglot.parse_one(sql, read="bigquery")
    except sqlglot.errors.ParseError as exc:
        log.warning("no lineage for a training query sqlglot cannot parse: %s", exc)
        return set()
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    return {
        ".".join(p for p in (t.catalog, t.db, t.name) if p)
        for t in tree.find_all(exp.Table)
        if t.name and t.name not in ctes
    }


def scan(con: duckdb.DuckDBPyConnection) -> MlScan:
    """Models in the registry of the warehouse open on ``con``, with their training lineage."""
    out = MlScan()
    for model in models(con):
        out.records.append(record(model))
        out.edges += [LineageEdge(t, model.name, "ml") for t in sorted(training_tables(model.training_query))]
    return out
