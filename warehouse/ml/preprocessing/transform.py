"""The TRANSFORM clause: preprocessing fitted on the training data and re-applied at scoring time.

``fit`` expands ``*``/``* EXCEPT``, computes the statistics of every analytic ML preprocessing function
on the training rows and inlines them as constants; the resulting select list (DuckDB SQL) is stored with
the model, and ``apply`` runs it over PREDICT/EVALUATE input. Input columns the transform does not
replace pass through; the label passes through unaliased. A STRUCT-valued item
(``ML.POLYNOMIAL_EXPAND(STRUCT(a, b)) AS p``) becomes one feature per field, named ``p_a``, ``p_a_b`` ...
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from lakehouse.errors import UsageError
from warehouse.ml.preprocessing import encoders
from warehouse.ml.preprocessing import functions as transform_functions
from warehouse.ml.preprocessing.automatic import Feature, infinite_in_training, is_floating_type
from warehouse.ml.sqlexpr import (
    DIALECT,
    col,
    columns_of,
    finite_or_null,
    ident,
    nan_as_null,
    num,
    paren,
    sql,
    string,
)


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


def _raw(relation: exp.Expr) -> exp.Subquery:
    return exp.Subquery(this=relation.copy(), alias=exp.TableAlias(this=ident("__raw")))


def _statistics(con: duckdb.DuckDBPyConnection, relation: exp.Expr, aggregates: list[exp.Expr]) -> list[Any]:
    row = con.execute(sql(exp.select(*aggregates).from_(_raw(relation)))).fetchone()
    assert row is not None
    return list(row)


def _constant(value: Any) -> exp.Expr:
    return num(value) if isinstance(value, int | float) or value is None else string(str(value))


def _floating(con: duckdb.DuckDBPyConnection, relation: exp.Expr, x: exp.Expr) -> bool:
    """Whether an analytic function's input ``x`` is a FLOAT or DOUBLE (DESCRIBE: no scan)."""
    [(_, dtype)] = columns_of(con, sql(exp.select(exp.alias_(x.copy(), ident("__x"))).from_(_raw(relation))))
    return is_floating_type(dtype)


def _analytic(
    con: duckdb.DuckDBPyConnection, relation: exp.Expr, name: str, args: list[exp.Expr]
) -> exp.Expr:
    """An analytic ML function with its statistics over the training rows inlined.

    A NaN input is missing as NULL is, in the statistics and in the output (the imputer fills it), as a
    NaN feature is (``automatic``): DuckDB orders NaN above every number, so a NaN was the max of
    ML.MIN_MAX_SCALER and ML.MAX_ABS_SCALER (stored as NULL: every output NULL), the mean of ML.IMPUTER
    (stored as NULL: nothing imputed), a value above all in ML.ROBUST_SCALER's and ML.QUANTILE_BUCKETIZE's
    quantiles, and 'STDDEV_SAMP is out of range' for ML.STANDARD_SCALER. An infinite input in a training
    row stops CREATE MODEL with one line, as an infinite feature does; BigQuery ML's pages on these
    functions say nothing of NaN or infinities."""
    spec = transform_functions.ANALYTIC[name]
    x, described, floating = args[0], args[0], _floating(con, relation, args[0])
    if floating:  # the statistics describe the finite values (an infinity is refused below)
        x, described = nan_as_null(args[0]), finite_or_null(args[0])
    aggregates = spec.aggregates(described, args[1:])
    checks = [exp.func("count_if", exp.func("isinf", args[0].copy()))] if floating else []
    values = _statistics(con, relation, [*aggregates, *checks])  # one scan
    if checks and values[-1]:
        count, given = int(values[-1]), args[0].sql("bigquery")
        raise infinite_in_training(
            f"ML.{name} input {given!r}",
            count,
            "TRANSFORM statistics take finite numbers (NULL and NaN are missing values)",
            f"to make them missing: ML.{name}(IF(IS_INF({given}), NULL, {given})); or filter the rows out",
        )
    return spec.build(x, args[1:], [_constant(v) for v in values[: len(aggregates)]])


def _fit_expression(
    con: duckdb.DuckDBPyConnection, relation: exp.Expr, expression: exp.Expr, drops: dict[str, str]
) -> exp.Expr:
    """``expression`` with its ML calls replaced by SQL, innermost first; training statistics inlined.

    A one-hot encoder's dropped category (``drop => 'most_frequent'``) is recorded in ``drops`` under
    the key ``""``: only a whole TRANSFORM item can carry one, as its own feature."""
    tree = expression.copy()
    for node in reversed(list(tree.find_all(exp.Window, exp.Dot))):
        found = transform_functions.ml_call(node)
        if found is None or (isinstance(node, exp.Dot) and isinstance(node.parent, exp.Window)):
            continue
        name, args, window = found
        if name in transform_functions.ANALYTIC:
            replacement = _analytic(con, relation, name, args)
        elif name in ("ONE_HOT_ENCODER", "LABEL_ENCODER"):
            given = encoders.arguments(name, args[1:])
            kept = encoders.vocabulary(encoders.counts(con, relation, args[0]), given)
            drop = encoders.dropped(kept, given)
            if drop is not None:
                if node is not tree:
                    raise UsageError(
                        "ML.ONE_HOT_ENCODER with drop 'most_frequent' must be a whole TRANSFORM item",
                        hint="write ML.ONE_HOT_ENCODER(x, 'most_frequent') OVER () AS name",
                    )
                drops[""] = drop
            replacement = encoders.build(name, args[0], sorted(c for c, _ in kept))
        else:
            replacement = transform_functions.scalar(name, args)
        if node is tree:
            tree = paren(replacement)
        else:
            node.replace(paren(replacement))
    return tree


def _flatten(name: str, expression: exp.Expr) -> list[tuple[str, exp.Expr]]:
    """A STRUCT-valued item (``ML.POLYNOMIAL_EXPAND``, ``ML.FEATURE_CROSS``) becomes one feature per field,
    named ``<item>_<field>``; any other item stays one feature."""
    inner = expression.this if isinstance(expression, exp.Paren) else expression
    if not isinstance(inner, exp.Struct):
        return [(name, expression)]
    return [(f"{name}_{field.this.name}", paren(field.expression)) for field in inner.expressions]


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
    fitted: list[tuple[str, exp.Expr]] = []
    dropped: dict[str, str] = {}
    for name, expression in items:
        drops: dict[str, str] = {}
        fitted += _flatten(name, _fit_expression(con, relation, expression, drops))
        if drops:
            dropped[name] = drops[""]
    names = [n.lower() for n, _ in fitted]
    clashes = sorted({n for n in names if names.count(n) > 1})
    if clashes:
        raise UsageError(f"TRANSFORM outputs {clashes[0]!r} twice", hint="give the items distinct names")
    select = [sql(exp.alias_(e, ident(n))) for n, e in fitted]
    query = exp.select(*[sqlglot.parse_one(s, read=DIALECT) for s in select]).from_(
        exp.Subquery(this=relation, alias=exp.TableAlias(this=ident("__raw")))
    )
    state = {"select": select, "outputs": [n for n, _ in fitted], "labels": labels, "dropped": dropped}
    return query, state


def apply(con: duckdb.DuckDBPyConnection, state: Mapping[str, Any], input_query: exp.Query) -> exp.Query:
    """``input_query`` with a model's fitted TRANSFORM (``fit``'s state) applied; other columns pass through."""
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


def drop_categories(features: list[Feature], state: dict[str, Any]) -> None:
    """Remove each dummy-encoded one-hot item's dropped category from its feature: it encodes as all zeros."""
    dropped = {name.lower(): category for name, category in state.get("dropped", {}).items()}
    for feature in features:
        category = dropped.get(feature.name.lower())
        if category is not None and category in feature.categories:
            feature.categories.remove(category)
