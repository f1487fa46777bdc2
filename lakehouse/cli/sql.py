"""``lakehouse sql``: BigQuery SQL (BigQuery ML included) against the warehouse; ``--dialect duckdb`` for DuckDB SQL.

A statement as argument, a file with ``-f``, statements on stdin, or an interactive prompt when
stdin is a terminal (statements end with ``;``, ``\\q`` or an empty line at the start quits).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lakehouse.cli.context import AppContext, pass_app
from lakehouse.cli.principal import principal_of, principal_options
from lakehouse.connect import lake_exists
from lakehouse.errors import LakehouseError, UsageError

if TYPE_CHECKING:
    from catalog.access import Principal


def _render(result: Any, fmt: str) -> None:
    from lakehouse.cli.output import print_json, print_table

    if getattr(result, "message", None) and not result.columns:
        if fmt == "json":
            print_json({"message": result.message})
        else:
            click.echo(result.message)
        return
    if fmt == "json":
        print_json([dict(zip(result.columns, row, strict=True)) for row in result.rows])
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(result.columns)
        writer.writerows(result.rows)
    else:
        print_table(result.columns, result.rows)


def _runner(dialect: str | None) -> Any:
    """The library function that runs a script in ``dialect`` (BigQuery unless DuckDB is asked for)."""
    import warehouse
    from warehouse.sql.results import run_duckdb

    return run_duckdb if dialect == "duckdb" else warehouse.run_script


def _interactive(con: Any, fmt: str, debug: bool, dialect: str | None = None) -> None:
    import duckdb
    from sqlglot.errors import SqlglotError

    from lakehouse.cli.output import error

    buffer: list[str] = []
    while True:
        try:
            line = input("sql> " if not buffer else "...> ")
        except EOFError:
            break
        if not buffer and line.strip() in {"\\q", "exit", "quit"}:
            break
        buffer.append(line)
        if not line.rstrip().endswith(";"):
            continue
        text, buffer = "\n".join(buffer), []
        try:
            for result in _runner(dialect)(con, text):
                _render(result, fmt)
        except LakehouseError as exc:
            error(str(exc))
        except (duckdb.Error, SqlglotError) as exc:  # the statement's error: show it and keep the session
            if debug:
                raise
            error(f"{type(exc).__name__}: {exc}")


@click.command("sql")
@click.argument("query", required=False)
@click.option(
    "-f",
    "--file",
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="run the statements of a .sql file",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
@click.option("--json", "as_json", is_flag=True, help="same as --format json")
@click.option(
    "--dialect",
    type=click.Choice(["bigquery", "duckdb"]),
    help="SQL dialect of the statements: bigquery (the default; BigQuery ML included) or duckdb (run as is)",
)
@principal_options
@click.option("--timeout", type=float, help="seconds a principal's query may run")
@pass_app
def sql(
    app: AppContext,
    query: str | None,
    file: Path | None,
    fmt: str,
    as_json: bool,
    dialect: str | None,
    roles: tuple[str, ...],
    user: str | None,
    groups: tuple[str, ...],
    timeout: float | None,
) -> None:
    """Run BigQuery SQL (CREATE MODEL, ML.PREDICT, ...) on the warehouse.

    Without --role/--user/--group the statement runs privileged (an administrator's session). With
    them, one SELECT runs in a restricted session that holds only what that principal may see:
    rows filtered and columns masked by catalog/policy.yml, every query written to the audit log.

    --dialect duckdb runs DuckDB SQL as is (privileged), or as a principal in the same restricted
    session; without --dialect a principal's query is read as DuckDB SQL when DuckDB parses it and it
    has no backticks, else as BigQuery SQL.
    """
    import warehouse
    from warehouse.sql import literals
    from warehouse.sql.results import duckdb_lake_use, run_duckdb

    fmt = "json" if as_json else fmt
    if query and file:
        raise UsageError("give a QUERY or -f FILE, not both")
    principal = principal_of(user, groups, roles)
    if principal is not None:
        _run_as_principal(app, query, file, fmt, principal, timeout, dialect)
        return
    if query is None and file is None and sys.stdin.isatty():
        con = warehouse.connect(app.settings)
        try:
            _interactive(con, fmt, app.debug, dialect)
        finally:
            con.close()
        return
    text = query if query is not None else file.read_text() if file else sys.stdin.read()
    # a SELECT of literals is the same statement in DuckDB SQL: run as is, without sqlglot
    literal = literals.literal_select(text)
    as_is = dialect == "duckdb" or literal
    # SELECT 1 needs neither the lake nor the policy's say on its encryption; a query is told from a write
    # in either dialect (DuckDB SQL by DuckDB's parser: no sqlglot)
    use = "none" if literal else duckdb_lake_use(text) if dialect == "duckdb" else warehouse.lake_use(text)
    lake = use != "none"
    # a query that writes nothing attaches an existing lake read-only: no httpfs (an encrypted lake's writes)
    read_lake = use == "read" and lake_exists(app.loaded)
    con = warehouse.connect(app.settings if lake else app.loaded, lake=lake, lake_read_only=read_lake)
    try:
        from lakehouse.cli.output import progress_bar

        with progress_bar() as progress:
            results = run_duckdb(con, text) if as_is else warehouse.run_script(con, text, progress=progress)
        for result in results:
            _render(result, fmt)
    finally:
        con.close()
    if any(result.changed_models for result in results):
        from lakehouse.wiring.pipeline import models_changed

        models_changed(app.settings)


def _run_as_principal(
    app: AppContext,
    query: str | None,
    file: Path | None,
    fmt: str,
    principal: Principal,
    timeout: float | None,
    dialect: str | None,
) -> None:
    from catalog.access import run_query
    from lakehouse.cli.output import progress_bar
    from warehouse.sql.principal import COMPILER

    text = query if query is not None else file.read_text() if file else sys.stdin.read()
    with progress_bar() as progress:
        result = run_query(
            app.settings,
            principal,
            text,
            dialect=dialect or "auto",
            timeout=timeout,
            progress=progress,
            compile_ml=COMPILER,
        )
    _render(result, fmt)
