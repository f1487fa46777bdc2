"""BigQuery-dialect SQL on DuckDB: parsing (sqlglot, extended for BigQuery ML) and execution.

The names load on first use (``lakehouse.lazy``): ``warehouse.sql.results`` and ``warehouse.sql.literals``
(DuckDB SQL as is, a SELECT of literals) are importable without sqlglot.
"""

from typing import TYPE_CHECKING

from lakehouse.lazy import exports

if TYPE_CHECKING:
    from warehouse.sql.frontend import execute, needs_lake, parse_statements, run_script, to_duckdb
    from warehouse.sql.results import Result, run_duckdb

__all__ = ["Result", "execute", "needs_lake", "parse_statements", "run_duckdb", "run_script", "to_duckdb"]
__getattr__ = exports(
    "warehouse.sql",
    {
        **dict.fromkeys(
            ["execute", "needs_lake", "parse_statements", "run_script", "to_duckdb"], "warehouse.sql.frontend"
        ),
        **dict.fromkeys(["Result", "run_duckdb"], "warehouse.sql.results"),
    },
)
