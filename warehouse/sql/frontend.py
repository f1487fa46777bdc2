"""The SQL front end: BigQuery-dialect statements in, DuckDB results out.

``CREATE MODEL`` and ``DROP MODEL`` go to the ML engine. Every other statement is rewritten and
transpiled by sqlglot to DuckDB: each ``ML.<F>(...)`` table function becomes a subquery the engine
generates (innermost first, so an ML function may read another's output), and
``project.dataset.table`` becomes ``dataset.table`` (a database attached under that name, such as
``lake``, is kept); BigQuery functions DuckDB names differently are rewritten (``rewrites``),
INFORMATION_SCHEMA views become their rows, and what DuckDB cannot run is refused in one line
(``support``).

Start-up time: a statement that names no ML function (``uses_ml``) never imports the ML engine, and a
result whose columns are all of a plain type (``results.PLAIN_TYPES``) is fetched as Python rows without
pyarrow (and numpy): both imports are the larger part of a short ``lakehouse sql``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import duckdb
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from lakehouse import information_schema as views
from lakehouse.errors import UsageError, parse_error_message
from lakehouse.progress import ProgressCallback
from warehouse.sql import rewrites, script, support
from warehouse.sql.dialect import ML_DATA_FUNCTIONS, MLTableFunction, parse
from warehouse.sql.results import LakeUse, Params, Result, result_of

if TYPE_CHECKING:  # imported when a statement uses ML (start-up time of `lakehouse sql`)
    from warehouse.ml.model import Scratch

log = logging.getLogger(__name__)


def parse_statements(text: str) -> list[exp.Expr]:
    """The statements of ``text`` (BigQuery SQL with BigQuery ML); a parse error is one plain line."""
    try:
        return parse(text)
    except (ParseError, TokenError) as exc:
        raise UsageError(parse_error_message(exc), hint="BigQuery SQL expected") from exc


def execute(
    con: duckdb.DuckDBPyConnection, text: str, params: Params = None, progress: ProgressCallback | None = None
) -> Result:
    """Run every statement of ``text``; the result of the last one."""
    results = run_script(con, text, params, progress)
    return results[-1] if results else Result(message="no statement")


def run_script(
    con: duckdb.DuckDBPyConnection, text: str, params: Params = None, progress: ProgressCallback | None = None
) -> list[Result]:
    """Run the statements of a file in order; one Result each (of the statements a script runs)."""
    if script.is_script(text):
        interpreter = script.Interpreter(
            con, parse_statements, lambda s: run_statement(con, s, params, progress)
        )
        return interpreter.run(script.blocks(text))
    return [run_statement(con, s, params, progress) for s in parse_statements(text)]


def uses_ml(statement: exp.Expr) -> bool:
    """Whether ``statement`` is ML DDL or calls an ``ML.<F>`` function (table, preprocessing or analytic)."""
    if _model_ddl(statement):
        return True
    return any(
        isinstance(node, MLTableFunction)
        or (isinstance(node.this, exp.Identifier | exp.Column) and node.this.name.upper() == "ML")
        for node in statement.find_all(MLTableFunction, exp.Dot)
    )


def lake_use(text: str) -> LakeUse:
    """What the statements of ``text`` need of the lake, from one parse: ``none`` when every one is a query
    that reads no table, view, file or table function (``SELECT 1``, ``SELECT now()``: no extensions, no
    attach); ``read`` when every one is a query without ML (it writes nothing: the lake may be attached
    read-only, without ``httpfs`` for an encrypted lake's writes); else ``write``. A script
    (``script.is_script``) may do anything."""
    if script.is_script(text):
        return "write"
    statements = parse_statements(text)
    if any(not isinstance(s, exp.Query) or uses_ml(s) for s in statements):
        return "write"
    return "read" if any(s.find(exp.Table) is not None for s in statements) else "none"


def needs_lake(text: str) -> bool:
    """Whether ``text`` reads or writes the lake at all (``lake_use``)."""
    return lake_use(text) != "none"


def _model_ddl(statement: exp.Expr) -> bool:
    return (
        isinstance(statement, exp.Create | exp.Drop)
        and str(statement.args.get("kind", "")).upper() == "MODEL"
    )


def run_statement(
    con: duckdb.DuckDBPyConnection,
    statement: exp.Expr,
    params: Params = None,
    progress: ProgressCallback | None = None,
) -> Result:
    if not uses_ml(statement) and not views.references(statement):
        support.check_statement(statement)
        return fetch(con, support.duckdb_sql(_map_names(con, rewrites.rewrite(statement.copy()))), params)
    from warehouse.ml import engine
    from warehouse.ml.model import Scratch

    scratch = Scratch(con)
    try:
        if isinstance(statement, exp.Create) and _model_ddl(statement):
            return Result(
                message=engine.create_model(con, statement, lambda q: to_duckdb(con, q, scratch), progress),
                changed_models=True,
            )
        if isinstance(statement, exp.Drop) and _model_ddl(statement):
            return Result(message=engine.drop_model(con, statement), changed_models=True)
        support.check_statement(statement)
        return fetch(con, support.duckdb_sql(to_duckdb(con, statement, scratch)), params)
    finally:
        scratch.close()


def fetch(con: duckdb.DuckDBPyConnection, text: str, params: Params = None) -> Result:
    """Run DuckDB SQL ``text``; plain-typed results as Python rows, others through Arrow. A function
    DuckDB lacks is one line naming the BigQuery function (``support``)."""
    log.debug("duckdb: %s", text)
    try:
        cursor = con.execute(text, params) if params else con.execute(text)
    except duckdb.CatalogException as exc:
        unsupported = support.missing_function(exc)
        if unsupported is None:
            raise
        raise unsupported from exc
    return result_of(cursor)


def _map_names(con: duckdb.DuckDBPyConnection, tree: exp.Expr) -> exp.Expr:
    """``project.dataset.table`` becomes ``dataset.table`` unless ``project`` is an attached database."""
    attached = {r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
    for table in list(tree.find_all(exp.Table)):
        if table.args.get("catalog") is not None and table.catalog not in attached:
            table.set("catalog", None)
    return tree


def to_duckdb(con: duckdb.DuckDBPyConnection, statement: exp.Expr, scratch: Scratch) -> exp.Expr:
    """``statement`` with its ML table functions replaced by the engine's SQL, BigQuery's
    INFORMATION_SCHEMA views by their rows and BigQuery names mapped."""
    from warehouse.ml.monitoring import tfdv_validate
    from warehouse.ml.preprocessing import functions as transform_functions
    from warehouse.sql import information_schema

    tree = rewrites.rewrite(statement.copy())
    information_schema.rewrite(con, tree, scratch)
    tree = _map_names(con, tree)
    tfdv_validate.rewrite(tree)
    transform_functions.rewrite_in_query(tree)
    calls = sorted(tree.find_all(MLTableFunction), key=lambda n: -n.depth)
    for call in calls:
        holder = call.parent if isinstance(call.parent, exp.Table) else call
        query = _run_call(con, call, scratch)
        alias = holder.args.get("alias") if isinstance(holder, exp.Table) else None
        holder.replace(
            exp.Subquery(
                this=query,
                alias=alias or exp.TableAlias(this=exp.to_identifier(f"ml_{call.function.lower()}")),
            )
        )
    return tree


def _relation(call: MLTableFunction, source: exp.Expr | None) -> exp.Query | None:
    """The rows of an ML call's ``TABLE t`` or ``(query)`` argument."""
    if source is None:
        return None
    if isinstance(source, exp.Subquery) and isinstance(source.this, exp.Query):
        return source.this
    if isinstance(source, exp.Table):
        return exp.select("*").from_(source)
    raise UsageError(
        f"ML.{call.function}: cannot read input {source.sql('bigquery')!r}",
        hint="use TABLE t or (SELECT ...)",
    )


def _params(call: MLTableFunction) -> dict[str, Any]:
    from warehouse.ml.options import literal_value

    params: dict[str, Any] = {}
    struct = call.args.get("params")
    for field_ in struct.expressions if struct is not None else []:
        if isinstance(field_, exp.PropertyEQ | exp.Alias):
            key = field_.this.name if isinstance(field_, exp.PropertyEQ) else field_.alias
            value = field_.expression if isinstance(field_, exp.PropertyEQ) else field_.this
            params[key.lower()] = literal_value(value, key)
        else:
            raise UsageError(f"ML.{call.function}: STRUCT fields need names", hint="STRUCT(0.5 AS threshold)")
    return params


def _run_call(con: duckdb.DuckDBPyConnection, call: MLTableFunction, scratch: Scratch) -> exp.Query:
    from warehouse.ml import engine

    input_query = _relation(call, call.args.get("input"))
    if call.function in ML_DATA_FUNCTIONS:
        return engine.data_function(
            con,
            call.function,
            [q for q in (input_query, _relation(call, call.args.get("study"))) if q is not None],
            _params(call),
            call.this,
            scratch,
        )
    return engine.table_function(
        con,
        call.function,
        call.this,
        input_query,
        _params(call),
        call.args.get("thresholds"),
        scratch,
        lambda query: to_duckdb(con, query, scratch),
        parse,
    )
