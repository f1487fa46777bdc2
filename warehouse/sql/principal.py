"""BigQuery ML for principals: the warehouse's side of ``catalog.access``'s ``MLCompiler`` protocol.

The access layer decides who may call which model on which rows and runs the query in a restricted
DuckDB instance; this adapter lends it what only the ML engine knows - the BigQuery ML dialect, the
models a query calls, a model's registry row and parameter tables, the rows each ML call reads, and
the compiled DuckDB SQL. It implements the protocol structurally (domains do not import each other);
the wiring layer hands ``COMPILER`` to ``catalog.access.run_query``.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pyarrow as pa
from sqlglot import exp

from lakehouse.quoting import literal
from warehouse.ml import engine, registry
from warehouse.ml.model import Scratch
from warehouse.ml.preprocessing import functions as transform_functions
from warehouse.ml.sqlexpr import sql
from warehouse.sql.dialect import MLTableFunction, parse
from warehouse.sql.frontend import parse_statements, to_duckdb

#: the registry's relation name (its rows for the models a query calls travel with the parameters)
REGISTRY_RELATION = registry.REGISTRY


class PrincipalCompiler:
    """The ML engine as ``catalog.access.MLCompiler``: no state, one shared instance (``COMPILER``)."""

    def parse(self, text: str) -> list[exp.Expr]:
        return parse_statements(text)

    def uses_ml(self, tree: exp.Expr) -> bool:
        if any(True for _ in tree.find_all(MLTableFunction)):
            return True
        return any(
            transform_functions.ml_call(node) is not None for node in tree.find_all(exp.Window, exp.Dot)
        )

    def models(self, tree: exp.Expr) -> list[str]:
        names = []
        for call in tree.find_all(MLTableFunction):
            if call.this is None:  # a data function without MODEL (ML.VALIDATE_DATA_DRIFT, ML.DESCRIBE_DATA)
                continue
            schema, name = engine.model_name(call.this)
            names.append(f"{schema}.{name}")
        return list(dict.fromkeys(names))

    def export(self, warehouse: duckdb.DuckDBPyConnection, model: str) -> Mapping[str, pa.Table] | None:
        schema, _, name = model.partition(".")
        if not _has_registry(warehouse) or not registry.exists(warehouse, schema, name):
            return None
        loaded = registry.load(warehouse, schema, name)
        rows = warehouse.execute(
            f"SELECT * FROM {REGISTRY_RELATION} WHERE name = {literal(loaded.qualified_name)}"
        )
        out = {REGISTRY_RELATION: rows.fetch_arrow_table()}
        for part in loaded.state.get("tables", []):
            relation = f"{schema}.{name}__{part}".lower()
            out[relation] = warehouse.execute(
                f"SELECT * FROM {sql(loaded.state_table(part))}"
            ).fetch_arrow_table()
        return out

    def reads(self, tree: exp.Expr, models: Mapping[str, pa.Table]) -> exp.Expr:
        training = _training_queries(models.get(REGISTRY_RELATION))
        out = tree.copy()
        for call in sorted(out.find_all(MLTableFunction), key=lambda node: -node.depth):  # innermost first
            holder = call.parent if isinstance(call.parent, exp.Table) else call
            alias = holder.args.get("alias") if isinstance(holder, exp.Table) else None
            rows = _rows_read(call, training)
            holder.replace(
                exp.Subquery(
                    this=rows,
                    alias=alias or exp.TableAlias(this=exp.to_identifier(f"ml_{call.function.lower()}")),
                )
            )
        return out

    def compile(self, con: duckdb.DuckDBPyConnection, tree: exp.Expr) -> str:
        # scratch tables (small function results) live in ``con`` until it closes with the query
        return sql(to_duckdb(con, tree, Scratch(con)))


COMPILER = PrincipalCompiler()


def _has_registry(con: duckdb.DuckDBPyConnection) -> bool:
    """A read-only warehouse without a registry has no models (``registry.ensure`` would try to create it)."""
    schema, _, table = REGISTRY_RELATION.partition(".")
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        f"AND schema_name = {literal(schema)} AND table_name = {literal(table)}"
    ).fetchone()
    return bool(row and row[0])


def _training_queries(rows: pa.Table | None) -> dict[str, str]:
    if rows is None:
        return {}
    return {
        str(r["name"]).lower(): str(r["training_query"])
        for r in rows.select(["name", "training_query"]).to_pylist()
    }


def _rows_read(call: MLTableFunction, training: Mapping[str, str]) -> exp.Query:
    """The input rows of an ML call: ``TABLE t``, ``(query)``, the training query, or none at all."""
    source = call.args.get("input")
    study = call.args.get("study")
    if study is not None and source is not None:  # ML.VALIDATE_DATA_DRIFT reads both relations
        return (
            exp.select("*")
            .from_(_subquery(source, "__base"))
            .join(_subquery(study, "__study"), join_type="CROSS")
        )
    if isinstance(source, exp.Subquery) and isinstance(source.this, exp.Query):
        return source.this
    if isinstance(source, exp.Table):
        return exp.select("*").from_(source.copy())
    if call.this is None:
        return exp.select(exp.alias_(exp.null(), "__no_input_rows"))
    schema, name = engine.model_name(call.this)
    query = training.get(f"{schema}.{name}".lower())
    if source is None and call.function in engine.TRAINING_DATA_DEFAULT and query is not None:
        parsed = parse(query)[0]
        assert isinstance(parsed, exp.Query), query
        return parsed
    return exp.select(exp.alias_(exp.null(), "__no_input_rows"))


def _subquery(source: exp.Expr, alias: str) -> exp.Subquery:
    query = source.this if isinstance(source, exp.Subquery) else exp.select("*").from_(source.copy())
    return exp.Subquery(this=query.copy(), alias=exp.TableAlias(this=exp.to_identifier(alias)))
