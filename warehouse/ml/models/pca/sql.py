"""The scoring SQL of PCA: projections on the components, the reconstruction error, the explained share.

Everything is an expression of the encoded dimensions ``__x0..`` with the component loadings as exact
DOUBLE literals. Sums are balanced trees, so a model with thousands of dimensions stays far below
DuckDB's expression-depth limit (a left-deep sum adds one level per term).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlglot import exp

from warehouse.ml.preprocessing.automatic import dim_name
from warehouse.ml.sqlexpr import col, ident, num, paren

PC = "principal_component_{}"  # ML.PREDICT's output columns, numbered from 1
MSE = "__mse"


def total(terms: Sequence[exp.Expr]) -> exp.Expr:
    """The sum of ``terms`` as a balanced tree (0.0 for none)."""
    if not terms:
        return num(0.0)
    if len(terms) == 1:
        return terms[0]
    middle = len(terms) // 2
    return paren(exp.Add(this=total(terms[:middle]), expression=total(terms[middle:])))


def _square(e: exp.Expr) -> exp.Expr:
    return exp.Mul(this=paren(e), expression=paren(e.copy()))


def projection(vectors: np.ndarray, c: int) -> exp.Expr:
    """Principal component ``c + 1`` of a row: the dot product of its dimensions with column ``c``."""
    return total(
        [exp.Mul(this=col(dim_name(j)), expression=num(float(v))) for j, v in enumerate(vectors[:, c])]
    )


def projections(vectors: np.ndarray) -> list[exp.Expr]:
    """``principal_component_1..k``."""
    return [exp.alias_(projection(vectors, c), ident(PC.format(c + 1))) for c in range(vectors.shape[1])]


def pc_columns(k: int) -> list[str]:
    return [PC.format(c + 1) for c in range(k)]


def squared_norm(dims: int) -> exp.Expr:
    """``sum(x_j^2)`` over the encoded dimensions."""
    return total([_square(col(dim_name(j))) for j in range(dims)])


def projected_norm(k: int) -> exp.Expr:
    """``sum(p_c^2)`` over the principal component columns."""
    return total([_square(col(name)) for name in pc_columns(k)])


def mean_squared_error(vectors: np.ndarray, features: int) -> exp.Expr:
    """Over a row that has its dimensions and its ``principal_component_*`` columns: the squared
    distance between the row and its reconstruction from the kept components, per input feature."""
    d, k = vectors.shape
    residuals = [
        exp.Sub(
            this=col(dim_name(j)),
            expression=paren(
                total(
                    [
                        exp.Mul(this=col(PC.format(c + 1)), expression=num(float(vectors[j, c])))
                        for c in range(k)
                    ]
                )
            ),
        )
        for j in range(d)
    ]
    return exp.Div(this=paren(total([_square(r) for r in residuals])), expression=num(float(features)))
