"""What the BigQuery front end cannot run on DuckDB, each refused with one clear line.

- the BigQuery scripting ``script`` does not run (``EXECUTE IMMEDIATE``, ``CALL``, ``RAISE``, ``CASE``
  statements, labels, ``BEGIN … EXCEPTION``, transactions): sqlglot reads it only as an opaque command;
- a construct sqlglot knows has no DuckDB equivalent (``UnsupportedError`` when writing DuckDB SQL,
  e.g. ``RESPECT NULLS`` on an aggregate);
- a BigQuery function DuckDB has no function for (DuckDB's "function does not exist").

``tests/fixtures/bigquery_corpus`` lists the documented statements that end here.
"""

from __future__ import annotations

import re

import duckdb
from sqlglot import exp
from sqlglot.errors import UnsupportedError

from lakehouse.errors import UsageError
from warehouse.ml import sqlexpr

SCRIPTING_HINT = (
    "scripts may use DECLARE, SET, IF, BEGIN … END, LOOP, WHILE, REPEAT, BREAK/LEAVE, CONTINUE/ITERATE"
)
_MISSING_FUNCTION = re.compile(r"(?:Scalar|Aggregate|Table) Function with name \"?(\w+)\"? does not exist")


def check_statement(statement: exp.Expr) -> None:
    """Refuse a scripting statement before anything runs."""
    if isinstance(statement, exp.Command):
        keyword = " ".join(statement.sql("bigquery").split()[:2]).upper()
        raise UsageError(f"BigQuery scripting is not supported here: {keyword} …", hint=SCRIPTING_HINT)
    if isinstance(statement, exp.Declare | exp.Set):
        keyword = type(statement).__name__.upper()
        raise UsageError(f"BigQuery scripting is not supported here: {keyword}", hint=SCRIPTING_HINT)


def duckdb_sql(tree: exp.Expr) -> str:
    """DuckDB SQL of ``tree``; a construct without a DuckDB equivalent is one clear error."""
    try:
        return sqlexpr.sql(tree, strict=True)
    except UnsupportedError as exc:
        reason = str(exc).strip().splitlines()[0]
        raise UsageError(
            f"not supported on the DuckDB engine: {reason}", hint="leave out the construct named"
        ) from exc


def missing_function(exc: duckdb.CatalogException) -> UsageError | None:
    """DuckDB's "function does not exist" as: this BigQuery function is not supported."""
    found = _MISSING_FUNCTION.search(str(exc))
    if found is None:
        return None
    return UsageError(
        f"function {found.group(1).upper()} is not supported on the DuckDB engine",
        hint="see the unsupported list in README (BigQuery SQL in `lakehouse sql`)",
    )
