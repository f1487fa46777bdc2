"""The TRANSFORM clause: preprocessing fitted on the training data and re-applied at scoring time.

``fit`` expands ``*``/``* EXCEPT``, computes the statistics of every analytic ML preprocessing function
on the training rows and inlines them as constants; the resulting select list (DuckDB SQL) is stored with
the model, and ``apply`` runs it over PREDICT/EVALUATE input. Input columns the transform does not
replace pass through; the label passes through unaliased.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from lakehouse.errors import UsageError
from warehouse.ml import transform_functions
from warehouse.ml.registry import Model
from warehouse.ml.sqlexpr import DIALECT, col, columns_of, ident, num, paren, sql, string


def _outputs(clause: exp.TransformModelProperty, raw: list[str]) -> list[tuple[str, exp.Expr]]:
    """(output name, expression) per TRANSFORM item, stars expanded over the query's columns."""
    items: list[tuple[str, exp.Expr]] = []
    for item in clause.expressions:
        if isinstance(item, exp.Star):
            skipped = {c.name.lower() for c in item.args.get("except_") or []}
            items += [(c, col(c)) for c in raw if c.lower() not in skipped]
        elif isinstance(item, exp.Alias):
            items.append((item.alias, item.this))
        elif isinstance(item, exp.Column):
            items.append((item.name, item))
        else:
            raise UsageError(
                f"TRANSFORM item {item.sql('bigquery')!r} needs a name", hint="write expr AS name"
            )
    return items


def _statistics(
    con: duckdb.DuckDBPyConnection, relation: exp.Expr, aggregates: list[exp.Expr]
) -> list[exp.Expr]:
    row = con.execute(
        sql(
            exp.select(*aggregates).from_(
                exp.Subquery(this=relation.copy(), alias=exp.TableAlias(this=ident("__raw")))
            )
        )
    ).fetchone()
    assert row is not None
    return [num(v) if isinstance(v, int | float) or v is None else string(str(v)) for v in row]


def _categories(
    con: duckdb.DuckDBPyConnection, relation: exp.Expr, x: exp.Expr, args: list[exp.Expr]
) -> list[str]:
    """Categories kept by an encoder (alphabetical), after top_k and frequency_threshold."""
    numbers = [int(a.this) if isinstance(a, exp.Literal) and not a.is_string else None for a in args]
    top_k, threshold = (numbers + [None, None])[:2]
    value = exp.cast(x.copy(), "VARCHAR")
    query = (
        exp.select(exp.alias_(value, "c"), exp.alias_(exp.func("count", exp.Star()), "n"))
        .from_(exp.Subquery(this=relation.copy(), alias=exp.TableAlias(this=ident("__raw"))))
        .where(exp.Not(this=exp.Is(this=value.copy(), expression=exp.null())))
        .group_by(value.copy())
    )
    counts = con.execute(sql(query)).fetchall()
    kept = [(c, n) for c, n in counts if threshold is None or n >= threshold]
    if top_k is not None:
        kept = sorted(kept, key=lambda cn: (-cn[1], cn[0]))[:top_k]
    return sorted(c for c, _ in kept)


def _encoder(name: str, x: exp.Expr, categories: list[str]) -> exp.Expr:
    value = exp.cast(x.copy(), "VARCHAR")
    if name == "LABEL_ENCODER":  # 0 = NULL, rare or unseen; 1.. alphabetical
        case = exp.Case()
        for i, c in enumerate(categories, start=1):
            case = case.when(exp.EQ(this=value.copy(), expression=string(c)), exp.Literal.number(i))
        return case.else_(exp.Literal.number(0)) if categories else exp.Literal.number(0)
    kept = (
        exp.In(this=value.copy(), expressions=[string(c) for c in categories]) if categories else exp.false()
    )
    return exp.If(
        this=kept, true=value, false=exp.null()
    )  # one-hot by the model's own encoding, rare -> NULL


def _fit_expression(con: duckdb.DuckDBPyConnection, relation: exp.Expr, expression: exp.Expr) -> exp.Expr:
    tree = expression.copy()
    for node in list(tree.find_all(exp.Window, exp.Dot)):
        found = transform_functions.ml_call(node)
        if found is None or (isinstance(node, exp.Dot) and isinstance(node.parent, exp.Window)):
            continue
        name, args, window = found
        if name in transform_functions.ANALYTIC:
            spec = transform_functions.ANALYTIC[name]
            stats = _statistics(con, relation, spec.aggregates(args[0], args[1:]))
            replacement = spec.build(args[0], args[1:], stats)
        elif name in ("ONE_HOT_ENCODER", "LABEL_ENCODER"):
            encoder_args = (
                args[2:] if name == "ONE_HOT_ENCODER" else args[1:]
            )  # ONE_HOT_ENCODER's 2nd arg is drop
            replacement = _encoder(name, args[0], _categories(con, relation, args[0], encoder_args))
        else:
            replacement = transform_functions.scalar(name, args)
        if node is tree:
            tree = paren(replacement)
        else:
            node.replace(paren(replacement))
    return tree


def fit(
    con: duckdb.DuckDBPyConnection,
    relation: exp.Expr,
    clause: exp.TransformModelProperty,
    labels: list[str],
    to_duckdb: Callable[[exp.Expr], exp.Expr],
) -> tuple[exp.Expr, dict[str, Any]]:
    """The transformed training relation, and the state ``apply`` needs."""
    raw = [c for c, _ in columns_of(con, sql(exp.Subquery(this=relation.copy())))]
    items = _outputs(clause, raw)
    names = [n.lower() for n, _ in items]
    for label in labels:
        if label.lower() not in names and label.lower() in {c.lower() for c in raw}:
            items.append((label, col(label)))
    fitted = [(name, _fit_expression(con, relation, expression)) for name, expression in items]
    select = [sql(exp.alias_(e, ident(n))) for n, e in fitted]
    query = exp.select(*[sqlglot.parse_one(s, read=DIALECT) for s in select]).from_(
        exp.Subquery(this=relation, alias=exp.TableAlias(this=ident("__raw")))
    )
    return query, {"select": select, "outputs": [n for n, _ in fitted], "labels": labels}


def apply(con: duckdb.DuckDBPyConnection, model: Model, input_query: exp.Query) -> exp.Query:
    """``input_query`` with the model's TRANSFORM applied; other input columns pass through."""
    state = model.state["transform"]
    present = {c.lower(): c for c, _ in columns_of(con, sql(exp.Subquery(this=input_query.copy())))}
    labels = {label.lower() for label in state["labels"]}
    selected = []
    for name, text in zip(state["outputs"], state["select"], strict=True):
        if name.lower() in labels and name.lower() not in present:
            continue  # scoring rows without a label
        selected.append((name, sqlglot.parse_one(text, read=DIALECT)))
    shadowed = [present[n.lower()] for n, _ in selected if n.lower() in present]
    star = exp.Star(except_=[col(c) for c in shadowed]) if shadowed else exp.Star()
    return exp.select(star, *[e for _, e in selected]).from_(input_query.subquery("__raw"))
