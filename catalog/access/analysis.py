"""Read a principal's SQL without running it: dialect, the relations it touches, the columns it reads.

The SQL may be BigQuery or DuckDB: text DuckDB's own parser accepts runs as DuckDB SQL (unless it
has BigQuery backticks); anything else is parsed as BigQuery and transpiled with sqlglot.

The analysis decides what the privileged side builds (only the touched relations) and whether a
denied column is referenced (an error, as in BigQuery). It is not the security boundary - the
restricted DuckDB instance only ever holds permitted, masked data - so an over-approximation is
safe: when sqlglot cannot resolve columns exactly, every column whose name appears counts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import traverse_scope

from lakehouse.errors import AccessDenied, UsageError

DIALECTS = ("auto", "bigquery", "duckdb")


@dataclass(frozen=True)
class ParsedQuery:
    sql: str  # the DuckDB SQL that runs in the restricted instance
    dialect: str  # what the input was read as
    tree: exp.Expr  # ``sql`` parsed by sqlglot (DuckDB dialect)


def parse_query(text: str, dialect: str = "auto") -> ParsedQuery:
    """One read-only query, as DuckDB SQL; raises UsageError for anything else."""
    if dialect not in DIALECTS:
        raise UsageError(f"unknown SQL dialect {dialect!r}", hint="use one of " + ", ".join(DIALECTS))
    kinds = _duckdb_statement_types(text)
    if kinds is not None:  # DuckDB's own parser is the authority on what DuckDB would run
        if len(kinds) != 1:
            raise UsageError(
                f"expected exactly one query, got {len(kinds)} statements", hint="run one SELECT at a time"
            )
        if kinds[0] != duckdb.StatementType.SELECT:
            raise AccessDenied(
                f"only queries may run under access rules, not {kinds[0].name}",
                hint="write a SELECT (or WITH ... SELECT)",
            )
    if dialect == "auto":
        dialect = "bigquery" if "`" in text or kinds is None else "duckdb"
    try:
        trees = [t for t in sqlglot.parse(text, read=dialect) if t is not None]
    except SqlglotError as exc:
        raise UsageError(f"cannot parse the query as {dialect} SQL: {_first_line(exc)}") from exc
    if len(trees) != 1:
        raise AccessDenied(
            f"expected exactly one query, got {len(trees)} statements", hint="run one SELECT at a time"
        )
    tree = trees[0]
    if not isinstance(tree, exp.Query):
        raise AccessDenied(
            f"only queries may run under access rules, not {type(tree).__name__.upper()}",
            hint="write a SELECT (or WITH ... SELECT)",
        )
    sql = text.strip().rstrip(";") if dialect == "duckdb" else tree.sql("duckdb")
    if dialect != "duckdb":
        tree = sqlglot.parse_one(sql, read="duckdb")
    return ParsedQuery(sql=sql, dialect=dialect, tree=tree)


def table_nodes(tree: exp.Expr) -> list[exp.Table]:
    """Named relations the query reads (not CTEs, not table functions such as read_csv)."""
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    out = []
    for node in tree.find_all(exp.Table):
        if not isinstance(node.this, exp.Identifier):
            continue
        if not node.db and not node.catalog and node.name.lower() in ctes:
            continue
        out.append(node)
    return out


def referenced_columns(
    tree: exp.Expr,
    resolve: Callable[[exp.Table], str],
    schema: Mapping[str, list[str]],
) -> dict[str, set[str]]:
    """Lower-cased column names read from each relation (canonical name -> columns)."""
    try:
        out = _qualified(tree, resolve, schema)
    except (SqlglotError, KeyError, ValueError, TypeError):
        out = _by_name(tree, resolve, schema)
    aliases: dict[str, set[str]] = {}
    for node in table_nodes(tree):
        aliases.setdefault(resolve(node), set()).update({node.alias_or_name.lower(), node.name.lower()})
    regex_columns = _has_columns_function(tree)
    for canonical, columns in schema.items():
        if regex_columns or _used_as_value(tree, aliases.get(canonical, set())):
            out[canonical] = {c.lower() for c in columns}
    return out


def _qualified(
    tree: exp.Expr, resolve: Callable[[exp.Table], str], schema: Mapping[str, list[str]]
) -> dict[str, set[str]]:
    originals = table_nodes(tree)
    tree = tree.copy()
    for original, node in zip(originals, table_nodes(tree), strict=True):
        canonical = resolve(original)  # the resolver knows the nodes of the caller's tree
        dataset, _, name = canonical.partition(".")
        alias = node.alias or node.name
        node.replace(exp.table_(name, db=dataset, alias=alias))
    nested: dict[str, object] = {}
    for canonical, columns in schema.items():
        dataset, _, name = canonical.partition(".")
        tables = nested.setdefault(dataset, {})
        assert isinstance(tables, dict)
        tables[name] = dict.fromkeys((c.lower() for c in columns), "UNKNOWN")
    qualified = qualify(tree, schema=nested, dialect="duckdb", validate_qualify_columns=True)
    out: dict[str, set[str]] = {c: set() for c in schema}
    for scope in traverse_scope(qualified):
        for column in scope.columns:
            source = scope.sources.get(column.table)
            if isinstance(source, exp.Table):
                out[f"{source.db}.{source.name}".lower()].add(column.name.lower())
    if _projects_star(qualified):
        raise ValueError("a star was left unexpanded")
    return out


def _by_name(
    tree: exp.Expr, resolve: Callable[[exp.Table], str], schema: Mapping[str, list[str]]
) -> dict[str, set[str]]:
    names = {i.name.lower() for i in tree.find_all(exp.Identifier)}
    star = _projects_star(tree)
    return {c: {n.lower() for n in cols if star or n.lower() in names} for c, cols in schema.items()}


def _projects_star(tree: exp.Expr) -> bool:
    """``SELECT *`` or ``SELECT t.*`` anywhere (``COUNT(*)`` reads no column)."""
    for select in tree.find_all(exp.Select):
        for projection in select.expressions:
            if isinstance(projection, exp.Star) or (
                isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
            ):
                return True
    return False


def _has_columns_function(tree: exp.Expr) -> bool:
    """DuckDB's ``COLUMNS('regex')`` / ``COLUMNS(*)`` select columns by pattern."""
    return any(
        isinstance(f, exp.Func) and f.sql_name().upper() == "COLUMNS" for f in tree.find_all(exp.Func)
    ) or any(
        isinstance(f, exp.Anonymous) and f.name.upper() == "COLUMNS" for f in tree.find_all(exp.Anonymous)
    )


def _used_as_value(tree: exp.Expr, aliases: set[str]) -> bool:
    """DuckDB lets ``SELECT t FROM tbl t`` return whole rows as structs."""
    return any(not c.table and c.name.lower() in aliases for c in tree.find_all(exp.Column))


def _duckdb_statement_types(text: str) -> list[duckdb.StatementType] | None:
    """Statement types as DuckDB parses ``text``, or None when DuckDB cannot parse it."""
    con = duckdb.connect(":memory:")
    try:
        return [statement.type for statement in con.extract_statements(text)]
    except duckdb.Error:
        return None
    finally:
        con.close()


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def without_exclusions(parsed: ParsedQuery, hidden: set[str]) -> ParsedQuery:
    """Drop ``hidden`` columns from ``* EXCLUDE (...)`` lists.

    The restricted instance holds neither denied columns nor columns the query does not read, so
    BigQuery's ``SELECT * EXCEPT (col)`` must not name them there (DuckDB would report them missing).
    """
    tree = parsed.tree.copy()
    changed = False
    for star in tree.find_all(exp.Star):
        excluded = star.args.get("except_") or []
        kept = [c for c in excluded if c.name.lower() not in hidden]
        if len(kept) != len(excluded):
            star.set("except_", kept or None)
            changed = True
    if not changed:
        return parsed
    return ParsedQuery(sql=tree.sql("duckdb"), dialect=parsed.dialect, tree=tree)
