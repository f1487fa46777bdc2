"""BigQuery-dialect SQL on DuckDB: parsing (sqlglot, extended for BigQuery ML) and execution."""

from warehouse.sql.frontend import (
    Result,
    execute,
    needs_lake,
    parse_statements,
    run_duckdb,
    run_script,
    to_duckdb,
)

__all__ = ["Result", "execute", "needs_lake", "parse_statements", "run_duckdb", "run_script", "to_duckdb"]
