"""ML.EVALUATE metrics as data: SQL aggregates for regression, formulas over confusion counts for
classification, rank sums for ROC AUC. The inputs are relations with the engine's columns:
``__y`` (label value or class index), ``__pred`` (prediction or predicted class index) and ``__p<k>``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import duckdb
import numpy as np
from sqlglot import exp

from warehouse.ml.sqlexpr import col, ident, num, parse, sql

EPS = float(np.finfo(np.float64).eps)

#: regression metric -> DuckDB aggregate over __y, __pred (median_absolute_error: the lower median)
REGRESSION: dict[str, str] = {
    "mean_absolute_error": "avg(abs(__pred - __y))",
    "mean_squared_error": "avg((__pred - __y) * (__pred - __y))",
    "mean_squared_log_error": "CASE WHEN min(least(__pred, __y)) > -1 THEN "
    "avg(power(ln(greatest(1 + __pred, 1e-300)) - ln(greatest(1 + __y, 1e-300)), 2)) END",
    "median_absolute_error": "quantile_disc(abs(__pred - __y), 0.5)",
    "r2_score": "1 - sum((__y - __pred) * (__y - __pred)) / nullif(var_pop(__y) * count(*), 0)",
    "explained_variance": "1 - var_pop(__y - __pred) / nullif(var_pop(__y), 0)",
}

CLASSIFICATION_METRICS = ("precision", "recall", "accuracy", "f1_score", "log_loss", "roc_auc")


def regression(
    con: duckdb.DuckDBPyConnection, relation: exp.Query, known: Mapping[str, float | None] | None = None
) -> dict[str, float | None]:
    """``REGRESSION``'s metrics of ``relation``; ``known``: those the caller has already, exactly
    (``known_from_arrays``), left out of the query."""
    given = dict(known or {})
    names = [name for name in REGRESSION if name not in given]
    query = exp.select(*[exp.alias_(parse(REGRESSION[name]), ident(name)) for name in names]).from_(
        relation.subquery("__scored")
    )
    row = con.execute(sql(query)).fetchone()
    assert row is not None
    found = {name: None if v is None else float(v) for name, v in zip(names, row, strict=True)}
    return {name: given[name] if name in given else found[name] for name in REGRESSION}


def known_from_arrays(y: np.ndarray, pred: np.ndarray) -> dict[str, float | None]:
    """The regression metrics that cost most in SQL, for a caller that holds the rows (labels and
    predictions as DOUBLE, at least one row) in memory, exactly as ``REGRESSION`` computes them:
    median_absolute_error is quantile_disc's element (the lower median, the ``(n - 1) // 2``-th smallest
    absolute error), and mean_squared_log_error is NULL when a label or a prediction is <= -1 (its
    logarithms are then not computed at all; otherwise the SQL computes it)."""
    errors = np.abs(pred - y)
    middle = (len(errors) - 1) // 2
    known: dict[str, float | None] = {"median_absolute_error": float(np.partition(errors, middle)[middle])}
    if not min(float(pred.min()), float(y.min())) > -1:
        known["mean_squared_log_error"] = None
    return known


@dataclass(frozen=True)
class Counts:
    tp: float
    fp: float
    fn: float


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


#: one-vs-rest metric of one class from its confusion counts
PER_CLASS: dict[str, Callable[[Counts], float]] = {
    "precision": lambda c: _ratio(c.tp, c.tp + c.fp),
    "recall": lambda c: _ratio(c.tp, c.tp + c.fn),
    "f1_score": lambda c: _ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn),
}


def confusion(con: duckdb.DuckDBPyConnection, relation: exp.Query, classes: int) -> np.ndarray:
    """counts[true, predicted] over class indexes."""
    query = (
        exp.select(col("__y"), col("__pred"), exp.func("count", exp.Star()))
        .from_(relation.subquery("__scored"))
        .group_by(col("__y"), col("__pred"))
    )
    matrix = np.zeros((classes, classes))
    for y, pred, n in con.execute(sql(query)).fetchall():
        if y is not None and pred is not None:
            matrix[int(y), int(pred)] = n
    return matrix


def _true_probability(classes: int, binary: bool) -> exp.Expr:
    if binary:
        return exp.If(
            this=exp.EQ(this=col("__y"), expression=num(1.0)),
            true=col("__p0"),
            false=exp.Sub(this=num(1.0), expression=col("__p0")),
        )
    case = exp.Case()
    for k in range(classes):
        case = case.when(exp.EQ(this=col("__y"), expression=num(float(k))), col(f"__p{k}"))
    return case


def log_loss(con: duckdb.DuckDBPyConnection, relation: exp.Query, classes: int, binary: bool) -> float:
    clipped = exp.func(
        "greatest", exp.func("least", _true_probability(classes, binary), num(1 - EPS)), num(EPS)
    )
    row = con.execute(
        sql(
            exp.select(exp.func("avg", exp.Neg(this=exp.func("ln", clipped)))).from_(
                relation.subquery("__scored")
            )
        )
    ).fetchone()
    return float(row[0]) if row and row[0] is not None else float("nan")


def auc(con: duckdb.DuckDBPyConnection, relation: exp.Query, score: str, positive: exp.Expr) -> float | None:
    """ROC AUC by the rank-sum (Mann-Whitney) formula with average ranks for ties; equals sklearn's."""
    ranked = exp.select(
        exp.alias_(positive, ident("__pos")),
        exp.alias_(
            parse(f"rank() OVER (ORDER BY {score}) + (count(*) OVER (PARTITION BY {score}) - 1) / 2.0"),
            ident("__rank"),
        ),
    ).from_(relation.subquery("__scored"))
    query = exp.select(
        parse("sum(__rank) FILTER (WHERE __pos)"), parse("count_if(__pos)"), parse("count_if(NOT __pos)")
    ).from_(ranked.subquery("__ranked"))
    row = con.execute(sql(query)).fetchone()
    if not row or not row[1] or not row[2]:
        return None
    rank_sum, positives, negatives = float(row[0]), float(row[1]), float(row[2])
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def classification(
    con: duckdb.DuckDBPyConnection, relation: exp.Query, classes: int, binary: bool
) -> dict[str, float | None]:
    """precision, recall, f1 (binary: of the positive class; multiclass: macro), accuracy, log_loss, roc_auc."""
    matrix = confusion(con, relation, classes)
    total = matrix.sum()
    counts = [
        Counts(matrix[k, k], matrix[:, k].sum() - matrix[k, k], matrix[k, :].sum() - matrix[k, k])
        for k in range(classes)
    ]
    result: dict[str, float | None] = {}
    for name, formula in PER_CLASS.items():
        result[name] = formula(counts[1]) if binary else float(np.mean([formula(c) for c in counts]))
    result["accuracy"] = float(np.trace(matrix) / total) if total else None
    result["log_loss"] = log_loss(con, relation, classes, binary)
    if binary:
        result["roc_auc"] = auc(con, relation, "__p0", exp.EQ(this=col("__y"), expression=num(1.0)))
    else:
        values = [
            auc(con, relation, f"__p{k}", exp.EQ(this=col("__y"), expression=num(float(k))))
            for k in range(classes)
        ]
        known = [v for v in values if v is not None]
        result["roc_auc"] = float(np.mean(known)) if known else None
    return {name: result[name] for name in CLASSIFICATION_METRICS}
