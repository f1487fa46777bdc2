"""Training rows read where they are: a temp view over the training query's own table instead of a copy.

A model type that only reads its training rows (``ModelType.reads_in_place``) and needs their row ids
(``__rid``: the order the query returns them in, 0..n-1, as the written table's ``rowid`` gives them) can
read them from the query's table itself when nothing would change in the copy: the query is a plain scan
(``SELECT <columns> FROM <table>``, or ``*``) of a DuckDB table whose ``rowid`` runs 0..n-1 (no deleted
rows; a DuckDB table is scanned in ``rowid`` order), and every feature is a DOUBLE column without NULL or NaN
that the encoding leaves as it is (not standardized, not centered). Each value is then the very double the
copy would hold, and each row's id the copy's ``rowid``. Writing 5M rows x 8 doubles cost about as much as
a Lloyd step (~0.4 s of a k-means CREATE MODEL); the view costs nothing per read.
"""

from __future__ import annotations

from importlib import resources

import duckdb
from sqlglot import exp

from warehouse.ml.model import ROW_ID
from warehouse.ml.preprocessing.automatic import Dim, Encoding, Feature, dim_name
from warehouse.ml.sqlexpr import col, ident, sql

#: the clauses a plain scan has none of
_CLAUSES = ("joins", "where", "group", "having", "qualify", "order", "limit", "offset", "distinct", "with_")


def scanned_table(relation: exp.Expr) -> exp.Table | None:
    """The table a plain scan reads (``SELECT a, b FROM t`` or ``SELECT * FROM t``), else None."""
    if not isinstance(relation, exp.Select) or any(relation.args.get(c) for c in _CLAUSES):
        return None
    if relation.args.get("laterals") or relation.args.get("pivots") or relation.args.get("sample"):
        return None
    source = relation.args.get("from_")
    table = source.this if isinstance(source, exp.From) else None
    if not isinstance(table, exp.Table) or not isinstance(table.this, exp.Identifier):
        return None
    if table.catalog or any(table.args.get(a) for a in ("version", "when", "pivots", "joins", "sample")):
        return None
    for e in relation.expressions:
        plain_star = isinstance(e, exp.Star) and not any(e.args.values())
        if not (plain_star or (isinstance(e, exp.Column) and isinstance(e.this, exp.Identifier))):
            return None
    return table


def unchanged(features: list[Feature], dims: list[Dim], encoding: Encoding) -> bool:
    """Whether encoding leaves every value as it is: DOUBLE features without NULL or NaN (``null_count``
    counts NaN too; an infinity was refused), one dimension each, neither standardized nor centered."""
    return (
        not encoding.standardize
        and not encoding.center
        and len(dims) == len(features)
        and all(f.numeric and f.dtype.upper() == "DOUBLE" and f.null_count == 0 for f in features)
        and all(d.numeric and d.feature == f.name for d, f in zip(dims, features, strict=True))
    )


#: the catalog entries an unqualified (or schema-qualified) name may resolve to, and what they are
_ENTRIES = resources.files(__package__).joinpath("in_place.sql").read_text()


def row_numbered(con: duckdb.DuckDBPyConnection, table: exp.Table) -> bool:
    """Whether ``table`` names one DuckDB table (not a view, not another kind of database's table, no column
    of its own named rowid) whose ``rowid`` runs 0..n-1."""
    entries = con.execute(_ENTRIES, {"name": table.name, "schema": table.db or None}).fetchall()
    if len(entries) != 1:
        return False
    _, _, is_view, database_type, rowid_column = entries[0]
    if is_view or database_type != "duckdb" or rowid_column:
        return False
    plain = exp.Table(this=table.this.copy(), db=table.args["db"].copy() if table.db else None)
    # n distinct row ids, none negative, the largest n - 1: they are 0..n-1
    query = exp.select("count(*)", exp.func("max", exp.column("rowid"))).from_(plain)
    row = con.execute(sql(query)).fetchone()
    assert row is not None  # an aggregate without GROUP BY: one row
    rows, high = row
    return bool(rows) and high == rows - 1


def view(
    con: duckdb.DuckDBPyConnection,
    relation: exp.Expr,
    features: list[Feature],
    dims: list[Dim],
    encoding: Encoding,
    roles: dict[str, str],
) -> exp.Select | None:
    """The training table as a view over the query's own table, when it holds what the copy would (else
    None): the table's ``rowid`` as ``__rid``, each feature as its dimension ``__x<i>``, the role columns
    under their roles' names."""
    table = scanned_table(relation)
    if table is None or not unchanged(features, dims, encoding) or not row_numbered(con, table):
        return None
    plain = exp.Table(this=table.this.copy(), db=table.args["db"].copy() if table.db else None)
    return exp.select(
        exp.alias_(exp.column("rowid"), ident(ROW_ID)),
        *[exp.alias_(col(d.feature), ident(dim_name(i))) for i, d in enumerate(dims)],
        *[exp.alias_(col(column), ident(role)) for role, column in roles.items()],
    ).from_(plain)
