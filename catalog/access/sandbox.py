"""The restricted DuckDB instance a principal's SQL runs in.

It is a fresh in-memory DuckDB that registers the principal's relations (Arrow data built by the
privileged side) or attaches their encrypted relation files read-only, exposes
them under their usual names (``lake.customers``, ``main.dim_customers``, unqualified
``customers``), then closes every door before any principal SQL runs: external access off (no
files, no ATTACH of other files, no COPY/EXPORT), no temp directory, extension autoload and
autoinstall off, ``python_enable_replacements`` off, configuration locked. Only one SELECT runs;
the caller gets Arrow data back and never the connection. A query with BigQuery ML calls is compiled
on the locked instance by the warehouse's compiler (trusted code, given by the caller), so whatever
the compiler computes sees only what the instance holds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import duckdb
import pyarrow as pa
from sqlglot import exp

from catalog.access.store import RelationFile, key_options
from lakehouse.errors import AccessDenied, LakehouseError, UsageError, plain
from lakehouse.settings import Settings

#: fixed at start-up; the remaining doors are closed by LOCKDOWN once the relations are attached
BASE_CONFIG: dict[str, str | bool] = {
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "python_enable_replacements": False,
    "allow_persistent_secrets": False,
}
#: order matters: the temp directory cannot change once external access is off
LOCKDOWN = (
    "SET temp_directory = ''",
    "SET enable_external_access = false",
    "SET lock_configuration = true",
)


class QueryTimeout(LakehouseError, TimeoutError):
    """A principal's query ran longer than its time limit."""


#: builds the DuckDB SQL to run from the locked instance itself (the ML compile step; trusted code)
Compile = Callable[[duckdb.DuckDBPyConnection], str]


class Sandbox:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def run(self, sql: str | Compile, *, timeout: float | None = None) -> pa.Table:
        """Run exactly one SELECT; anything else is refused before it runs.

        ``sql`` may be a function that writes the SQL on the locked instance (compiling BigQuery ML
        there, where only permitted data is); the time limit covers both.
        """
        return self.compile_and_run(sql, timeout=timeout)[1]

    def compile_and_run(self, sql: str | Compile, *, timeout: float | None = None) -> tuple[str, pa.Table]:
        """The SQL that ran and its rows (see ``run``)."""
        with self._limited(timeout):
            text = sql if isinstance(sql, str) else sql(self._con)
            try:
                statements = self._con.extract_statements(text)
            except duckdb.Error as exc:
                raise UsageError(f"cannot parse the query: {_first_line(exc)}") from exc
            kinds = [s.type for s in statements]
            if kinds != [duckdb.StatementType.SELECT]:
                names = ", ".join(k.name for k in kinds) or "nothing"
                raise AccessDenied(f"only one SELECT may run under access rules, got: {names}")
            return text, self._con.sql(text).to_arrow_table()

    @contextmanager
    def _limited(self, timeout: float | None) -> Iterator[None]:
        """DuckDB errors as one line each; the instance interrupted after ``timeout`` seconds."""
        timer = threading.Timer(timeout, self._con.interrupt) if timeout else None
        if timer:
            timer.start()
        try:
            yield
        except duckdb.InterruptException as exc:
            raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped") from exc
        except duckdb.PermissionException as exc:
            raise AccessDenied(f"not allowed under access rules: {_first_line(exc)}") from exc
        except duckdb.Error as exc:
            raise UsageError(f"query failed: {_first_line(exc)}") from exc
        finally:
            if timer:
                timer.cancel()


@contextmanager
def open_sandbox(
    settings: Settings, relations: Mapping[str, RelationFile], unqualified: Mapping[str, str]
) -> Iterator[Sandbox]:
    """``relations``: canonical name (``lake.customers``, ``main.dim_x``) -> relation file.

    ``unqualified``: bare table name -> canonical name it stands for.
    """
    config: dict[str, str | bool | int | float | list[str]] = dict(BASE_CONFIG)
    if settings.threads:
        config["threads"] = settings.threads
    if settings.memory_limit:
        config["memory_limit"] = settings.memory_limit
    con = duckdb.connect(":memory:", config=config)
    try:
        aliases: dict[str, exp.Table] = {}
        for i, (canonical, relation) in enumerate(sorted(relations.items())):
            if relation.data is not None:
                con.register(f"_r{i}", relation.data)
                aliases[canonical] = exp.table_(f"_r{i}")
                continue
            assert relation.path is not None, canonical
            options = ", ".join(["READ_ONLY", *key_options(relation.key)])
            con.execute(f"ATTACH {exp.Literal.string(str(relation.path)).sql('duckdb')} AS _r{i} ({options})")
            aliases[canonical] = exp.table_("data", db="main", catalog=f"_r{i}")
        if any(c.startswith("lake.") for c in relations):
            con.execute("ATTACH ':memory:' AS lake")
        for canonical, alias in aliases.items():
            dataset, _, name = canonical.partition(".")
            target = (
                exp.table_(name, db="main", catalog="lake")
                if dataset == "lake"
                else exp.table_(name, db=dataset)
            )
            if dataset != "lake":
                con.execute(
                    exp.Create(this=exp.to_identifier(dataset), kind="SCHEMA", exists=True).sql("duckdb")
                )
            _view(con, target, alias)
        for bare, canonical in unqualified.items():
            if canonical.startswith("lake.") and not any(c == f"main.{bare}" for c in relations):
                _view(con, exp.table_(bare, db="main", catalog="memory"), aliases[canonical])
        for statement in LOCKDOWN:
            con.execute(statement)
        yield Sandbox(con)
    finally:
        con.close()


def _view(con: duckdb.DuckDBPyConnection, target: exp.Table, relation: exp.Table) -> None:
    source = exp.select("*").from_(relation.copy())
    con.execute(exp.Create(this=target, kind="VIEW", expression=source).sql("duckdb"))


def _first_line(exc: Exception) -> str:
    return plain(str(exc).strip().splitlines()[0])
