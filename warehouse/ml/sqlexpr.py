"""Builders for the SQL the ML engine generates: quoted identifiers, exact numbers, relations.

Everything dynamic goes through sqlglot expressions; user-given names are always quoted identifiers
and numbers become ``CAST('<repr>' AS DOUBLE)`` so a model's parameters reach DuckDB bit for bit.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

DIALECT = "duckdb"
_DOUBLE = exp.DataType.build("DOUBLE")


def ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(ident(name), table=ident(table) if table else None)


def num(value: float | int | None) -> exp.Expr:
    """An exact DOUBLE literal (a NULL for None or NaN)."""
    if value is None or value != value:
        return exp.Cast(this=exp.null(), to=_DOUBLE.copy())
    return exp.Cast(this=exp.Literal.string(repr(float(value))), to=_DOUBLE.copy())


def string(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def finite_or_null(x: exp.Expr) -> exp.Expr:
    """``x`` when finite, else NULL (NaN and infinities): an aggregate over it ignores them. (An aggregate's
    ``FILTER (WHERE ...)`` gives the same values, but DuckDB copies the whole input chunk for each
    filtered aggregate: with many columns that cost grew with the square of their number.)"""
    return exp.Case(ifs=[exp.If(this=exp.func("isfinite", x.copy()), true=x.copy())])


def nan_as_null(x: exp.Expr) -> exp.Expr:
    """``x``, with NaN as NULL (a missing value); infinities kept."""
    return exp.Case(ifs=[exp.If(this=exp.func("isnan", x.copy()), true=exp.null())], default=x.copy())


def table(schema: str, name: str) -> exp.Table:
    return exp.table_(ident(name), db=ident(schema))


_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.DPipe)


def _parenthesize(node: exp.Expr) -> None:
    """Wrap arithmetic operands that are themselves arithmetic: sqlglot prints a built tree without
    precedence parentheses (Div(a, Mul(b, c)) would print as a / b * c).

    The operand moves into the parenthesis as it is (no copy): a copy would leave the nodes still to
    be visited behind, unwrapped (a / (b * c + d) for a / (b * (c + d))), and copying every nested
    operand is quadratic in a long sum's length."""
    if not isinstance(node, _ARITHMETIC):
        return
    for child in list(node.iter_expressions()):
        if isinstance(child, _ARITHMETIC):
            wrapper = exp.Paren()
            child.replace(wrapper)
            wrapper.set("this", child)


def sql(expression: exp.Expr, *, strict: bool = False, consume: bool = False) -> str:
    """DuckDB SQL of a tree the engine built, with every arithmetic nesting parenthesized.

    ``strict``: a construct DuckDB has no equivalent for raises sqlglot's ``UnsupportedError``
    instead of being logged and written approximately. ``consume``: the caller hands the tree over, and it
    is parenthesized in place instead of in a copy (a large statement built for one use: its copy costs
    about as much as writing its SQL).
    """
    tree = expression if consume else expression.copy()
    for node in list(tree.walk()):
        _parenthesize(node)
    # the copy is ours: the generator need not copy it again (a third of a large statement's SQL time)
    return tree.sql(DIALECT, copy=False, unsupported_level=ErrorLevel.RAISE if strict else ErrorLevel.WARN)


def parse(text: str) -> exp.Expr:
    """Parse a fixed DuckDB SQL fragment written in this package (never user text)."""
    return sqlglot.parse_one(text, read=DIALECT)


def add(terms: Sequence[exp.Expr]) -> exp.Expr:
    """Left-deep sum of terms (0.0 for none)."""
    if not terms:
        return num(0.0)
    total = terms[0]
    for term in terms[1:]:
        total = exp.Add(this=total, expression=term)
    return total


def paren(e: exp.Expr) -> exp.Paren:
    return exp.Paren(this=e)


def struct(fields: Iterable[tuple[str, exp.Expr]]) -> exp.Struct:
    return exp.Struct(expressions=[exp.PropertyEQ(this=ident(k), expression=v) for k, v in fields])


def columns_of(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    """(name, DuckDB type) of every column of a relation given as SQL text."""
    rows = con.execute(f"DESCRIBE {relation}").fetchall()
    return [(r[0], r[1]) for r in rows]


@functools.lru_cache(maxsize=64)
def _template(text: str) -> exp.Expr:
    return parse(text)


def fill(template: str, **nodes: exp.Expr) -> exp.Expr:
    """Parse a fixed DuckDB SQL template of this package and put ``nodes`` in for its placeholders.

    A placeholder is a column ``__p_<name>`` in the template; it is replaced by ``nodes[name]``
    (a quoted identifier, a literal, a subquery), so user-given names never become SQL text.
    """
    tree = _template(template).copy()
    for column in list(tree.find_all(exp.Column)):
        if column.name.startswith("__p_") and not column.table:
            column.replace(nodes[column.name[4:]].copy())
    for table_ in list(tree.find_all(exp.Table)):
        if table_.name.startswith("__p_") and not table_.db:
            node = nodes[table_.name[4:]].copy()
            alias = table_.args.get("alias")
            if alias is not None and isinstance(node, exp.Subquery | exp.Table):
                node.set("alias", alias)
            table_.replace(node)
    return tree
