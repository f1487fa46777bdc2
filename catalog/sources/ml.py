"""ML models from the warehouse's model registry ``ml._models``.

Each row is read as a ``lakehouse.contracts.RegisteredModel`` (the registry's own columns, selected by
name): the model's features, with their types, are its columns; its type, options, metrics, training
query and lake snapshot are properties; lineage comes from the tables the training query reads.

A model is one record however many versions the warehouse keeps: the row ``schema.name`` (the version
that serves) is the record, and the rows of its kept versions (``schema.name__v<N>``) are listed in its
``versions`` property (``catalog.model.ModelVersion``), each with the retrain decision that trained it
(``ml._retrain_decisions``, read as ``lakehouse.contracts.RetrainDecision``): promoted or kept, and why.
A ``__v<N>`` row whose model is not in the registry is listed as a model of its own.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
import sqlglot
from sqlglot import exp

from catalog import pii
from catalog.model import VERSIONS, ColumnRecord, DatasetRecord, LineageEdge, ModelVersion
from lakehouse.contracts import RegisteredModel, RetrainDecision

log = logging.getLogger(__name__)
#: the properties of a model the catalog keeps (``catalog show`` lists them)
PROPERTIES = ("model_type", "options", "metrics", "lake_snapshot", "training_query")


@dataclass
class MlScan:
    records: list[DatasetRecord] = field(default_factory=list)
    edges: list[LineageEdge] = field(default_factory=list)


def _present(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    query = (
        exp.select("count(*)")
        .from_("duckdb_tables()")
        .where(exp.column("schema_name").eq(exp.Literal.string(schema)))
        .where(exp.column("table_name").eq(exp.Literal.string(table)))
    )
    row = con.execute(query.sql("duckdb")).fetchone()
    return bool(row and row[0])


def has_registry(con: duckdb.DuckDBPyConnection) -> bool:
    return _present(con, RegisteredModel.SCHEMA, RegisteredModel.TABLE)


def _select(con: duckdb.DuckDBPyConnection, schema: str, table: str, columns: list[str]) -> list[tuple]:
    source = exp.table_(table, db=schema, quoted=True)
    query = exp.select(*[exp.column(c, quoted=True) for c in columns]).from_(source)
    return con.execute(query.sql("duckdb")).fetchall()


def models(con: duckdb.DuckDBPyConnection) -> list[RegisteredModel]:
    """Every row of the registry of the warehouse open on ``con``."""
    if not has_registry(con):
        return []
    rows = _select(con, RegisteredModel.SCHEMA, RegisteredModel.TABLE, RegisteredModel.columns())
    return [RegisteredModel.from_row(row) for row in rows]


def decisions(con: duckdb.DuckDBPyConnection) -> list[RetrainDecision]:
    """Every recorded retrain decision that trained a challenger, oldest first."""
    if not _present(con, RetrainDecision.SCHEMA, RetrainDecision.TABLE):
        return []
    rows = _select(con, RetrainDecision.SCHEMA, RetrainDecision.TABLE, RetrainDecision.columns())
    found = [RetrainDecision.from_row(row) for row in rows]
    return sorted((d for d in found if d.retrained), key=lambda d: d.decided_at)


def families(rows: Sequence[RegisteredModel]) -> dict[str, list[RegisteredModel]]:
    """Model name -> its registry rows: the one that serves first, then its kept versions by number."""
    names = {m.name for m in rows}
    out: dict[str, list[RegisteredModel]] = {}
    for model in sorted(rows, key=lambda m: (m.kept is not None, m.version)):
        kept = model.kept
        out.setdefault(kept[0] if kept and kept[0] in names else model.name, []).append(model)
    return out


def _utc(when: dt.datetime | None) -> dt.datetime | None:
    """The registry's times are UTC without a zone (as the catalog's ``updated_at`` reads them)."""
    return when.replace(tzinfo=dt.UTC) if when is not None and when.tzinfo is None else when


def version(model: RegisteredModel, serves: bool, made: Sequence[RetrainDecision]) -> ModelVersion:
    """One row as a version of its model; ``made``: the decisions about that model, oldest first.

    The decision that trained the version is the latest one naming it as the challenger since it was
    created (a model dropped and trained again restarts its numbers; older decisions are not its own)."""
    mine = [d for d in made if d.challenger_version == model.version and d.decided_at >= model.created_at]
    decided = mine[-1] if mine else None
    return ModelVersion(
        model.version, model.name, serves, (("default",) if serves else ()) + model.aliases, _utc(model.created_at),
        model.metrics, model.lake_snapshot, model.lake_snapshots,
        decision=None if decided is None else ("promoted" if decided.promoted else "kept"),
        reason=decided.reason if decided else None, decided_at=_utc(decided.decided_at) if decided else None,
        compared=decided.metric if decided else None, holdout_metrics=decided.challenger_metrics if decided else {},
    )  # fmt: skip


def record(model: RegisteredModel, versions: Sequence[ModelVersion] = ()) -> DatasetRecord:
    columns = tuple(
        ColumnRecord(
            f.name, f.dtype.upper(), i + 1, "model feature", tags=("feature",), pii=pii.detect(f.name)
        )
        for i, f in enumerate(model.features)
    )
    properties = {key: getattr(model, key) for key in PROPERTIES}
    properties[VERSIONS] = [v.to_json() for v in sorted(versions, key=lambda v: v.version)]
    return DatasetRecord(
        model.name, "model", "ml", "ml", f"{model.model_type.upper()} model", columns=columns,
        updated_at=model.created_at, properties=properties,
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
    """Models in the registry of the warehouse open on ``con`` (one record each, its kept versions listed
    in it), with the training lineage of the version that serves."""
    out = MlScan()
    made = decisions(con)
    for name, rows in families(models(con)).items():
        serving = rows[0]
        about = [d for d in made if d.model == name]
        kept = [version(m, m is serving and m.kept is None, about) for m in rows]
        out.records.append(record(serving, kept))
        tables = sorted(training_tables(serving.training_query))
        out.edges += [LineageEdge(t, name, "ml") for t in tables]
    return out
