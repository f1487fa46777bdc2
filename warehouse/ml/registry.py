"""The model registry (``ml._models``) and the tables that hold each model's state.

A model ``schema.name`` keeps its parameters in tables ``schema."name__<part>"`` (``training_info``
and whatever its model type writes with ``write_state``); the registry row lists them in
``state.tables`` so DROP MODEL removes exactly those. The catalog reads the registry as
``lakehouse.contracts.RegisteredModel`` rows; each feature is written by ``ModelFeature.to_json``
(``preprocessing.automatic.Feature`` is one, with its statistics).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import duckdb
from sqlglot import exp

from lakehouse.contracts import kept_version
from lakehouse.errors import NotFoundError, UsageError
from lakehouse.quoting import literal
from warehouse.ml.preprocessing.automatic import Dim, Feature
from warehouse.ml.sqlexpr import ident, sql, table

REGISTRY = "ml._models"
_DDL = resources.files(__package__).joinpath("registry.sql").read_text()


@dataclass
class Model:
    """A trained model as the registry holds it."""

    schema: str
    name: str
    model_type: str
    options: dict[str, Any]
    features: list[Feature]
    training_query: str
    transform: str | None = None
    lake_snapshot: int | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def dims(self) -> list[Dim]:
        return [Dim(**d) for d in self.state.get("dims", [])]

    def state_table(self, part: str) -> exp.Table:
        return table(self.schema, f"{self.name}__{part}")


def present(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse on ``con`` has a registry (a model was ever created)."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'ml' AND table_name = '_models'"
    ).fetchone()
    return bool(row and row[0])


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """Create the registry on first use (a read-only warehouse without one simply has no models)."""
    if present(con):
        return
    for statement in _DDL.split(";"):
        if statement.strip():
            con.execute(statement)


#: connections inside an ``atomic`` block (by id): a nested block joins the outer transaction (a second
#: BEGIN would fail, and a failed statement aborts DuckDB's transaction)
_OPEN: set[int] = set()


@contextmanager
def atomic(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction around the block, unless the caller already holds one (then it is theirs)."""
    if id(con) in _OPEN:
        yield
        return
    try:
        con.execute("BEGIN TRANSACTION")
    except duckdb.TransactionException:
        yield
        return
    _OPEN.add(id(con))
    try:
        yield
    except BaseException:
        _OPEN.discard(id(con))
        con.execute("ROLLBACK")
        raise
    _OPEN.discard(id(con))
    con.execute("COMMIT")


def exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    ensure(con)
    row = con.execute(
        f"SELECT count(*) FROM {REGISTRY} WHERE name = {literal(f'{schema}.{name}')}"
    ).fetchone()
    return bool(row and row[0])


_COLUMNS = "model_type, options, features, training_query, transform, lake_snapshot, metrics, state"


def _row(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> tuple[str, tuple[Any, ...] | None]:
    """(the name the model is stored under, its registry row); ``name__v<N>`` finds version N also when
    it is the default version, stored as ``name``."""
    row = con.execute(
        f"SELECT {_COLUMNS} FROM {REGISTRY} WHERE name = {literal(f'{schema}.{name}')}"
    ).fetchone()
    versioned = kept_version(name)  # ``name__v<N>``: the spelling lakehouse.contracts owns
    if row is not None or versioned is None:
        return name, row
    base, version = versioned
    row = con.execute(
        f"SELECT {_COLUMNS} FROM {REGISTRY} WHERE name = {literal(f'{schema}.{base}')}"
    ).fetchone()
    if row is not None and int(json.loads(row[-1]).get("version", 1)) == version:
        return base, row
    return name, None


def load(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> Model:
    """Model ``schema.name`` (``name__v<N>`` is version N of ``name``, see warehouse.ml.versions)."""
    ensure(con)
    name, row = _row(con, schema, name)
    if row is None:
        known = [r[0] for r in con.execute(f"SELECT name FROM {REGISTRY} ORDER BY name").fetchall()]
        raise NotFoundError(
            f"model {schema}.{name} does not exist",
            hint=f"models: {', '.join(known)}" if known else "no models yet; train one with CREATE MODEL",
        )
    model_type, options, features, query, transform, snapshot, metrics, state = row
    return Model(
        schema=schema,
        name=name,
        model_type=model_type,
        options=json.loads(options),
        features=[Feature.from_json(f) for f in json.loads(features)],
        training_query=query,
        transform=transform,
        lake_snapshot=snapshot,
        metrics=json.loads(metrics),
        state=json.loads(state),
    )


def save(con: duckdb.DuckDBPyConnection, model: Model) -> None:
    ensure(con)
    con.execute(f"DELETE FROM {REGISTRY} WHERE name = {literal(model.qualified_name)}")
    values = [
        model.qualified_name,
        model.model_type,
        json.dumps(model.options),
        json.dumps([f.to_json() for f in model.features]),
        model.transform,
        model.training_query,
        model.lake_snapshot,
        json.dumps(model.metrics, default=float),
        json.dumps(model.state),
    ]
    con.execute(
        f"INSERT INTO {REGISTRY} (name, model_type, options, features, transform, training_query, lake_snapshot, "
        f"metrics, state) VALUES ({', '.join(literal(v) for v in values)})"
    )


def drop(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> None:
    """Remove the registry row and every state table of the model (one version of it)."""
    model = load(con, schema, name)
    for part in model.state.get("tables", []):
        con.execute(sql(exp.Drop(tables=[model.state_table(part)], kind="TABLE", exists=True)))
    con.execute(f"DELETE FROM {REGISTRY} WHERE name = {literal(model.qualified_name)}")


def rename(con: duckdb.DuckDBPyConnection, schema: str, name: str, new_name: str) -> Model:
    """Give model ``schema.name`` the name ``schema.new_name`` (its state tables follow); the moved model."""
    model = load(con, schema, name)
    if exists(con, schema, new_name):
        raise UsageError(f"model {schema}.{new_name} already exists", hint="drop it or choose another name")
    for part in model.state.get("tables", []):
        # identifiers quoted by sqlglot (the new name is the model's name plus a generated suffix)
        con.execute(
            f"ALTER TABLE {sql(model.state_table(part))} RENAME TO {sql(ident(f'{new_name}__{part}'))}"
        )
    con.execute(
        f"UPDATE {REGISTRY} SET name = {literal(f'{schema}.{new_name}')} WHERE name = {literal(model.qualified_name)}"
    )
    model.name = new_name
    return model


def create_schema(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    con.execute(sql(exp.Create(this=exp.Table(this=ident(schema)), kind="SCHEMA", exists=True)))


def lake_snapshot(con: duckdb.DuckDBPyConnection) -> int | None:
    """The attached lake's current snapshot id, or None when no lake is attached."""
    attached = con.execute(
        "SELECT count(*) FROM duckdb_databases() WHERE database_name = 'lake' AND type = 'ducklake'"
    ).fetchone()
    if not attached or not attached[0]:
        return None
    row = con.execute("SELECT * FROM lake.current_snapshot()").fetchone()
    return None if row is None else int(row[0])


def write_state(con: duckdb.DuckDBPyConnection, model: Model, part: str, data: Any) -> None:
    """Store one state table of ``model`` (a pyarrow table) as ``schema."name__part"``."""
    target = sql(model.state_table(part))
    view = f"__state_{part}"
    con.register(view, data)
    try:
        con.execute(f'CREATE OR REPLACE TABLE {target} AS SELECT * FROM "{view}"')
    finally:
        con.unregister(view)
    tables = model.state.setdefault("tables", [])
    if part not in tables:
        tables.append(part)


def create_state(con: duckdb.DuckDBPyConnection, model: Model, part: str, query: exp.Query) -> None:
    """Store one state table of ``model`` as the result of ``query``, computed in the warehouse (``query`` is
    consumed: its tree is changed while its SQL is written)."""
    con.execute(f"CREATE OR REPLACE TABLE {sql(model.state_table(part))} AS {sql(query, consume=True)}")
    tables = model.state.setdefault("tables", [])
    if part not in tables:
        tables.append(part)


def read_state(
    con: duckdb.DuckDBPyConnection, model: Model, part: str, order_by: str
) -> list[tuple[Any, ...]]:
    if part not in model.state.get("tables", []):
        raise NotFoundError(f"model {model.qualified_name} has no {part} table", hint="train it again")
    return con.execute(f"SELECT * FROM {sql(model.state_table(part))} ORDER BY {order_by}").fetchall()
