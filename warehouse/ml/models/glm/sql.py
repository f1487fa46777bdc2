"""The SQL of generalized linear models: scores, losses and the aggregates of gradients and Hessians.

A model holds ``beta``, shape (outputs, 1 + dims): column 0 the intercept, in the standardized space of
the encoded dimensions ``__x0..``. ``Family`` names how a score becomes a loss: squared error
(linear), the logistic loss (binary) or softmax cross-entropy (multiclass).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import Enum

import duckdb
import numpy as np
from sqlglot import exp

from warehouse.ml.preprocessing.automatic import dim_name
from warehouse.ml.sqlexpr import add, col, ident, num, paren, sql
from warehouse.ml.supervised import EVAL, W, Y


class Family(Enum):
    SQUARED = "squared"
    LOGISTIC = "logistic"
    SOFTMAX = "softmax"


def _z(k: int) -> str:
    return f"__z{k}"


def _g(k: int) -> str:
    return f"__g{k}"


def linear_scores(source: exp.Expr, beta: np.ndarray, inputs: list[exp.Expr]) -> exp.Select:
    """``source`` plus ``__z<k>`` = beta[k, 0] + sum_j beta[k, j + 1] * inputs[j], for each output k."""
    zs = [
        exp.alias_(
            add(
                [
                    num(row[0]),
                    *[
                        exp.Mul(this=paren(x.copy()), expression=num(w))
                        for x, w in zip(inputs, row[1:], strict=True)
                    ],
                ]
            ),
            ident(_z(k)),
        )
        for k, row in enumerate(beta)
    ]
    return exp.select("*", *zs).from_(source, copy=False)


def scores(source: exp.Expr, beta: np.ndarray) -> exp.Select:
    """``source`` (holding the encoded dimensions ``__x0..``) plus ``__z<k>``."""
    return linear_scores(source, beta, [col(dim_name(j)) for j in range(beta.shape[1] - 1)])


def _softplus(z: exp.Expr) -> exp.Expr:
    """ln(1 + e^z), stable for large |z|."""
    positive = exp.Add(
        this=z.copy(),
        expression=exp.func("ln", exp.Add(this=num(1.0), expression=exp.func("exp", exp.Neg(this=z.copy())))),
    )
    negative = exp.func("ln", exp.Add(this=num(1.0), expression=exp.func("exp", z.copy())))
    return exp.If(this=exp.GT(this=z.copy(), expression=num(0.0)), true=positive, false=negative)


def sigmoid(z: exp.Expr) -> exp.Expr:
    return exp.Div(
        this=num(1.0), expression=paren(exp.Add(this=num(1.0), expression=exp.func("exp", exp.Neg(this=z))))
    )


def probabilities(source: exp.Expr, beta: np.ndarray, family: Family) -> exp.Select:
    """``source`` plus ``__z<k>`` and ``__p<k>``: P(class k) (softmax) or P(positive) as ``__p0`` (logistic)."""
    return probabilities_of(scores(source, beta), beta.shape[0], family)


def probabilities_of(scored_rows: exp.Select, k: int, family: Family) -> exp.Select:
    """Rows with ``__z<k>`` plus ``__p<k>`` (and ``__zmax``, ``__zsum`` for softmax)."""
    scored = scored_rows.subquery("__scored")
    if family is Family.LOGISTIC:
        return exp.select("*", exp.alias_(sigmoid(col(_z(0))), ident("__p0"))).from_(scored, copy=False)
    top = (
        exp.Greatest(this=col(_z(0)), expressions=[col(_z(i)) for i in range(1, k)]) if k > 1 else col(_z(0))
    )
    with_max = exp.select("*", exp.alias_(top, ident("__zmax"))).from_(scored, copy=False)
    exps = [exp.func("exp", exp.Sub(this=col(_z(i)), expression=col("__zmax"))) for i in range(k)]
    with_sum = exp.select("*", exp.alias_(add(exps), ident("__zsum"))).from_(
        with_max.subquery("__max"), copy=False
    )
    ps = [
        exp.alias_(exp.Div(this=e.copy(), expression=col("__zsum")), ident(f"__p{i}"))
        for i, e in enumerate(exps)
    ]
    return exp.select("*", *ps).from_(with_sum.subquery("__sum"), copy=False)


def _loss_and_gradient(family: Family, k: int) -> tuple[exp.Expr, list[exp.Expr], exp.Expr]:
    """Per row: loss, d loss / d z_k, and d2 loss / d z^2 (scalar families only) over __z*, __y."""
    y = col(Y)
    if family is Family.SQUARED:
        r = paren(exp.Sub(this=col(_z(0)), expression=y))
        return exp.Mul(this=r, expression=r.copy()), [exp.Mul(this=num(2.0), expression=r.copy())], num(2.0)
    if family is Family.LOGISTIC:
        p = sigmoid(col(_z(0)))
        loss = exp.Sub(this=_softplus(col(_z(0))), expression=exp.Mul(this=y, expression=col(_z(0))))
        return (
            loss,
            [exp.Sub(this=p, expression=y.copy())],
            exp.Mul(this=p.copy(), expression=paren(exp.Sub(this=num(1.0), expression=p.copy()))),
        )
    z_y = exp.Case()
    for i in range(k):
        z_y = z_y.when(exp.EQ(this=y.copy(), expression=num(float(i))), col(_z(i)))
    grads: list[exp.Expr] = [
        exp.Sub(
            this=col(f"__q{i}"),
            expression=exp.If(
                this=exp.EQ(this=y.copy(), expression=num(float(i))), true=num(1.0), false=num(0.0)
            ),
        )
        for i in range(k)
    ]
    return exp.Sub(this=col("__lse"), expression=z_y), grads, num(0.0)


def _softmax_columns(scored: exp.Expr, k: int) -> exp.Select:
    """Scored rows plus ``__lse`` (log-sum-exp of the scores) and ``__q<k>`` (class probabilities)."""
    top = exp.Greatest(this=col(_z(0)), expressions=[col(_z(i)) for i in range(1, k)])
    lse = exp.Add(
        this=top,
        expression=exp.func(
            "ln", add([exp.func("exp", exp.Sub(this=col(_z(i)), expression=top.copy())) for i in range(k)])
        ),
    )
    with_lse = exp.select("*", exp.alias_(lse, ident("__lse"))).from_(scored, copy=False)
    qs = [
        exp.alias_(exp.func("exp", exp.Sub(this=col(_z(i)), expression=col("__lse"))), ident(f"__q{i}"))
        for i in range(k)
    ]
    return exp.select("*", *qs).from_(with_lse.subquery("__lse_rows"), copy=False)


def _softmax_curvatures(k: int) -> list[exp.Expr]:
    """d2 loss / dz_a dz_b = q_a (delta_ab - q_b), for a <= b, aliased ``__h<a>_<b>``."""
    out: list[exp.Expr] = []
    for a in range(k):
        for b in range(a, k):
            other = (
                exp.Sub(this=num(1.0), expression=col(f"__q{b}")) if a == b else exp.Neg(this=col(f"__q{b}"))
            )
            out.append(
                exp.alias_(exp.Mul(this=col(f"__q{a}"), expression=paren(other)), ident(f"__h{a}_{b}"))
            )
    return out


@dataclass
class Pass:
    """One pass over the training table at a given beta."""

    train_loss: float  # sum of weighted row losses, training rows
    train_weight: float
    eval_loss: float | None  # mean over eval rows, None without an eval split
    gradient: np.ndarray  # same shape as beta
    hessian: np.ndarray | None  # (outputs * (1+d))^2 over beta flattened row by row, when asked


def evaluate_pass(
    con: duckdb.DuckDBPyConnection,
    table: str,
    beta: np.ndarray,
    family: Family,
    *,
    hessian: bool = False,
    plain: bool = False,
) -> Pass:
    """Loss, gradient (and Hessian) of the weighted training loss in one aggregate query.

    ``plain``: every row weighs 1 and none is held out, so the sums need no weight factor.
    """
    k, d1 = beta.shape
    loss, grads, curvature = _loss_and_gradient(family, k)
    rows: exp.Select = scores(exp.to_table(table), beta)
    curvatures = [exp.alias_(curvature, ident("__h"))]
    if family is Family.SOFTMAX:
        rows = _softmax_columns(rows.subquery("__z_rows"), k)
        curvatures = _softmax_curvatures(k) if hessian else []
    per_row = exp.select(
        "*",
        exp.alias_(loss, ident("__loss")),
        *[exp.alias_(g, ident(_g(i))) for i, g in enumerate(grads)],
        *curvatures,
        exp.alias_(exp.If(this=col(EVAL), true=num(0.0), false=col(W)), ident("__wt")),
        exp.alias_(exp.If(this=col(EVAL), true=col(W), false=num(0.0)), ident("__we")),
    ).from_(exp.Subquery(this=rows, alias=exp.TableAlias(this=ident("__scored"))), copy=False)
    constant = 2.0 if family is Family.SQUARED else None  # squared error: d2 loss / dz2 = 2 everywhere
    blocks = k if family is Family.SOFTMAX else 1
    aggregates = _aggregates_sql(k, d1, hessian, constant is not None, plain, blocks)
    row = con.execute(f"WITH __rows AS ({sql(per_row)}) {aggregates}").fetchone()
    assert row is not None
    values = [0.0 if v is None else float(v) for v in row]
    gradient = np.array(values[4 : 4 + k * d1]).reshape(k, d1)
    matrix = None
    if hessian:
        size = blocks * d1
        matrix = np.zeros((size, size))
        for (p, q), v in zip(_pairs(size), values[4 + k * d1 :], strict=True):
            matrix[p, q] = matrix[q, p] = v * (constant or 1.0)
    eval_weight = values[3]
    return Pass(values[0], values[1], values[2] / eval_weight if eval_weight else None, gradient, matrix)


def _pairs(d1: int) -> list[tuple[int, int]]:
    return [(a, b) for a in range(d1) for b in range(a, d1)]


@functools.lru_cache(maxsize=32)
def _aggregates_sql(
    k: int, d1: int, hessian: bool, constant_curvature: bool, plain: bool, blocks: int = 1
) -> str:
    """SELECT of the loss, gradient and Hessian sums over ``__rows`` (generated once per shape).

    Weights are zeroed outside the split rather than FILTERed: hundreds of FILTERed aggregates plan
    slowly; with ``plain`` rows and a constant curvature the Hessian sums are just sum(x_a * x_b).
    """
    xs = [num(1.0), *[col(dim_name(j)) for j in range(d1 - 1)]]

    def total(value: exp.Expr, weight: str = "__wt") -> exp.Expr:
        if plain:
            return exp.func("sum", value) if weight == "__wt" else num(0.0)
        return exp.func("sum", exp.Mul(this=col(weight), expression=value))

    aggregates = [
        total(col("__loss")),
        total(num(1.0)),
        total(col("__loss"), "__we"),
        total(num(1.0), "__we"),
    ]
    aggregates += [total(exp.Mul(this=col(_g(i)), expression=x.copy())) for i in range(k) for x in xs]
    if hessian:
        products: list[exp.Expr] = []
        for p, q in _pairs(blocks * d1):  # parameter (output a, input i) = p, (b, j) = q
            (a, i), (b, j) = divmod(p, d1), divmod(q, d1)
            product: exp.Expr = exp.Mul(this=xs[i].copy(), expression=xs[j].copy())
            if not constant_curvature:
                weight = col("__h") if blocks == 1 else col(f"__h{a}_{b}")
                product = exp.Mul(this=weight, expression=product)
            products.append(product)
        aggregates += [total(p) for p in products]
    return sql(exp.Select(expressions=aggregates).from_(exp.to_table("__rows"), copy=False))
