"""The bridge between dbt-duckdb and the ML engine.

The ``model`` materialization (``dbt_project/macros/materializations/model.sql``) submits a Python job
on dbt's own DuckDB connection (dbt-duckdb runs Python jobs in-process, on a cursor of that connection);
the job calls ``train`` with the model's name, its ``ml_config`` (dbt_ml's config shape: BigQuery ML
options verbatim) and its compiled SQL, which dbt rendered for DuckDB. Measured with dbt-duckdb 1.11 and
DuckDB 1.5.5: this sees the tables earlier models built, and needs no UDF; a Python UDF that runs the
engine from inside a query would have to open a second connection mid-statement, whose catalog writes
(CREATE SCHEMA ml, the state tables) can conflict with dbt's open transaction.

A ``LakehouseError`` of the job does not escape as a Python traceback (dbt-duckdb prints one for any exception
of a Python job): ``errors_for_dbt`` leaves its one line in the DuckDB variable ``ERROR_VARIABLE`` of dbt's
cursor (the job runs on it), and the materialization raises it as the model's dbt error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from lakehouse.errors import LakehouseError, UsageError
from warehouse.ml import engine

log = logging.getLogger(__name__)


def configure(conn: duckdb.DuckDBPyConnection) -> None:
    """Called by the project's dbt-duckdb plugin on every connection it opens.

    The materialization needs nothing registered on the connection (see the module docstring); this keeps
    DuckDB's own progress bar off so a dbt log is not interleaved with it.
    """
    conn.execute("SET enable_progress_bar = false")


#: the DuckDB variable that carries a failed job's message to the materialization (NULL: it succeeded)
ERROR_VARIABLE = "lakehouse_ml_error"


@contextmanager
def errors_for_dbt(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the materialization's job: a ``LakehouseError`` (bad config, bad data) becomes the value of
    ``ERROR_VARIABLE`` on ``con``, which the materialization raises as one dbt error line."""
    con.execute(f"SET VARIABLE {ERROR_VARIABLE} = NULL")
    try:
        yield
    except LakehouseError as exc:
        con.execute(f"SET VARIABLE {ERROR_VARIABLE} = ?", [str(exc)])


def _literal(value: Any, name: str) -> exp.Expr:
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, list | tuple):
        items = [_literal(v, name) for v in value]
        return exp.Struct(expressions=items) if isinstance(value, tuple) else exp.Array(expressions=items)
    raise UsageError(f"ml_config option {name} = {value!r} is not a string, number, boolean or list")


#: dbt_ml's ``dbt_ml.hparam_range(a, b)`` / ``dbt_ml.hparam_candidates([...])`` render as these lists
HPARAM_MACROS = ("hparam_range", "hparam_candidates")


def _hparam(value: Any, name: str) -> exp.Expr | None:
    """``['hparam_range', 0, 5]`` -> ``HPARAM_RANGE(0, 5)`` (dbt_ml's shape of a search space), else None."""
    if isinstance(value, list) and value and isinstance(value[0], str) and value[0].lower() in HPARAM_MACROS:
        return exp.Anonymous(this=value[0].upper(), expressions=[_literal(v, name) for v in value[1:]])
    return None


def _properties(ml_config: Mapping[str, Any]) -> exp.Properties:
    props: list[exp.Expr] = []
    for name, value in ml_config.items():
        searched = _hparam(value, name)
        if searched is not None:
            props.append(exp.Property(this=exp.var(name), value=searched))
            continue
        if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
            value = [tuple(v) for v in value]  # class_weights = [['a', 0.5], ...] -> STRUCTs
        props.append(exp.Property(this=exp.var(name), value=_literal(value, name)))
    return exp.Properties(expressions=props)


def statement(schema: str, name: str, ml_config: Mapping[str, Any], compiled_sql: str) -> exp.Create:
    """``CREATE OR REPLACE MODEL schema.name OPTIONS(<ml_config>) AS <dbt's compiled (DuckDB) SQL>``."""
    return exp.Create(
        this=exp.table_(exp.to_identifier(name), db=exp.to_identifier(schema)),
        kind="MODEL",
        replace=True,
        properties=_properties(ml_config),
        expression=sqlglot.parse_one(compiled_sql, read="duckdb"),
    )


def train(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, ml_config: Mapping[str, Any], compiled_sql: str
) -> str:
    """CREATE OR REPLACE MODEL schema.name with ``ml_config`` over dbt's compiled (DuckDB) SQL."""
    message = engine.create_model(con, statement(schema, name, ml_config, compiled_sql), lambda q: q)
    log.info("%s", message)
    return message
