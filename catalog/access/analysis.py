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
from sqlglot.tokens import TokenType

from catalog.access.ml import MLCompiler
from lakehouse import information_schema
from lakehouse.errors import AccessDenied, UsageError, parse_error_message

DIALECTS = ("auto", "bigquery", "duckdb")


@dataclass(frozen=True)
class ParsedQuery:
    sql: str  # the DuckDB SQL that runs in the restricted instance ("" while ML calls await compiling)
    dialect: str  # what the input was read as
    tree: exp.Expr  # ``sql`` parsed by sqlglot (DuckDB dialect); with ML calls, the rows they read
    ml: exp.Expr | None = None  # the BigQuery tree with ML calls, compiled in the restricted instance


def parse_query(text: str, dialect: str = "auto", compiler: MLCompiler | None = None) -> ParsedQuery:
    """One read-only query, as DuckDB SQL; raises UsageError for anything else.

    With ``compiler``, BigQuery text is read in the BigQuery ML dialect; a query that calls ML
    functions comes back with ``ml`` set (``tree`` is then that same tree until ``with_ml_reads``).
    Without one, an ML call is refused.
    """
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
    called = _ml_call(text)
    if dialect == "auto":
        bigquery = "`" in text or kinds is None or (called is not None and compiler is not None)
        dialect = "bigquery" if bigquery else "duckdb"
    ml_dialect = compiler is not None and dialect == "bigquery"
    if called is not None and not ml_dialect:
        reason = "no ML compiler was given" if compiler is None else "DuckDB SQL has no ML functions"
        raise UsageError(
            f"ML.{called} cannot run under access rules here: {reason}",
            hint="BigQuery ML runs as BigQuery SQL with the warehouse's compiler: `lakehouse sql --user U`, "
            "or run_query(..., compile_ml=...) from Python",
        )
    try:
        trees = compiler.parse(text) if compiler is not None and ml_dialect else _parse(text, dialect)
    except SqlglotError as exc:
        raise UsageError(parse_error_message(exc, f"the query as {dialect} SQL")) from exc
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
    if compiler is not None and ml_dialect and compiler.uses_ml(tree):
        return ParsedQuery(sql="", dialect=dialect, tree=tree, ml=tree)
    if dialect == "duckdb":
        return ParsedQuery(sql=text.strip().rstrip(";"), dialect=dialect, tree=tree)
    sql, tree = _as_duckdb(tree)
    return ParsedQuery(sql=sql, dialect=dialect, tree=tree)


def with_ml_reads(parsed: ParsedQuery, reads: exp.Expr) -> ParsedQuery:
    """``parsed`` (with ML calls) analysed through ``reads``: its ML calls replaced by the rows they read."""
    _, tree = _as_duckdb(reads)
    return ParsedQuery(sql="", dialect=parsed.dialect, tree=tree, ml=parsed.ml)


def _parse(text: str, dialect: str) -> list[exp.Expr]:
    return [t for t in sqlglot.parse(text, read=dialect) if t is not None]


def _as_duckdb(tree: exp.Expr) -> tuple[str, exp.Expr]:
    """``tree`` as DuckDB SQL, and that SQL parsed back (the analysis reads DuckDB trees)."""
    sql = tree.sql("duckdb")
    try:
        return sql, sqlglot.parse_one(sql, read="duckdb")
    except SqlglotError as exc:  # sqlglot wrote DuckDB SQL it cannot read back
        raise UsageError(
            parse_error_message(exc, "the query translated to DuckDB SQL"),
            hint="write it in DuckDB SQL, or leave out the construct named",
        ) from exc


def _ml_call(text: str) -> str | None:
    """The NAME of the first ``ML.<NAME>(`` among the query's tokens (BigQuery ML), or None."""
    try:
        tokens = sqlglot.tokenize(text, read="bigquery")
    except SqlglotError:
        return None  # the parser reports it
    for i in range(len(tokens) - 3):
        if (
            tokens[i].text.upper() == "ML"
            and tokens[i + 1].token_type == TokenType.DOT
            and tokens[i + 3].token_type == TokenType.L_PAREN
        ):
            return tokens[i + 2].text.upper()
    return None


def table_nodes(tree: exp.Expr) -> list[exp.Table]:
    """Named relations the query reads (not CTEs, not table functions such as read_csv)."""
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    out = []
    for node in tree.find_all(exp.Table):
        if not isinstance(node.this, exp.Identifier):
            continue
        if not node.db and not node.catalog and node.name.lower() in ctes:
            continue
        if node.db == information_schema.SESSION_SCHEMA:  # the principal's INFORMATION_SCHEMA rows
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
    stars = _star_projections(tree)
    # a star reads every column but those all stars leave out (``* EXCEPT (a)``); a name counts as
    # read wherever else it appears
    excluded = set.intersection(*(_excepted(s) for s in stars)) if stars else set()
    in_except = {
        id(i) for s in stars for c in s.args.get("except_") or [] for i in c.find_all(exp.Identifier)
    }
    names = {i.name.lower() for i in tree.find_all(exp.Identifier) if id(i) not in in_except}
    return {
        c: {n.lower() for n in cols if n.lower() in names or (stars and n.lower() not in excluded)}
        for c, cols in schema.items()
    }


def _projects_star(tree: exp.Expr) -> bool:
    """``SELECT *`` or ``SELECT t.*`` anywhere (``COUNT(*)`` reads no column)."""
    return bool(_star_projections(tree))


def _star_projections(tree: exp.Expr) -> list[exp.Star]:
    stars = []
    for select in tree.find_all(exp.Select):
        for projection in select.expressions:
            if isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star):
                projection = projection.this
            if isinstance(projection, exp.Star):
                stars.append(projection)
    return stars


def _excepted(star: exp.Star) -> set[str]:
    return {c.name.lower() for c in star.args.get("except_") or []}


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


def without_exclusions(parsed: ParsedQuery, hidden: set[str]) -> ParsedQuery:
    """Drop ``hidden`` columns from ``* EXCLUDE (...)`` lists.

    The restricted instance holds neither denied columns nor columns the query does not read, so
    BigQuery's ``SELECT * EXCEPT (col)`` must not name them there (DuckDB would report them missing).
    """
    tree, changed = _drop_exclusions(parsed.tree, hidden)
    if parsed.ml is not None:
        ml, _ = _drop_exclusions(parsed.ml, hidden)
        return ParsedQuery(sql="", dialect=parsed.dialect, tree=tree, ml=ml)
    if not changed:
        return parsed
    return ParsedQuery(sql=tree.sql("duckdb"), dialect=parsed.dialect, tree=tree)


def _drop_exclusions(original: exp.Expr, hidden: set[str]) -> tuple[exp.Expr, bool]:
    tree = original.copy()
    changed = False
    for star in tree.find_all(exp.Star):
        excluded = star.args.get("except_") or []
        kept = [c for c in excluded if c.name.lower() not in hidden]
        if len(kept) != len(excluded):
            star.set("except_", kept or None)
            changed = True
    return tree, changed
