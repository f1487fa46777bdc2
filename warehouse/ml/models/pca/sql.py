"""The scoring SQL of PCA: projections on the components, the reconstruction error, the explained share.

A row's encoded dimensions ``__x0..`` become one DuckDB list ``__xs``; principal component ``c`` is
``list_dot_product(__xs, <column c of the loadings>)`` with the loadings as one constant DOUBLE[] (each
value an exact string literal cast to DOUBLE, so the model's parameters reach DuckDB bit for bit). The
SQL grows with ``k``, never with ``k x d`` expression nodes.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from sqlglot import exp

from warehouse.ml.preprocessing.automatic import dim_name
from warehouse.ml.sqlexpr import col, ident, num

PC = "principal_component_{}"  # ML.PREDICT's output columns, numbered from 1
XS = "__xs"  # the encoded dimensions as one list
PCS = "__pcs"  # the principal components as one list
MSE = "__mse"
_DOUBLES = exp.DataType.build("DOUBLE[]", dialect="duckdb")


def doubles(values: Iterable[float]) -> exp.Expr:
    """A constant DOUBLE[] with every value exact."""
    return exp.Cast(
        this=exp.Array(expressions=[exp.Literal.string(repr(float(v))) for v in values]), to=_DOUBLES.copy()
    )


def _dot(left: exp.Expr, right: exp.Expr) -> exp.Expr:
    return exp.func("list_dot_product", left, right)


def _list(names: Iterable[str]) -> exp.Expr:
    return exp.func("list_value", *[col(n) for n in names])


def dims_list(dims: int) -> exp.Expr:
    """``__xs``: the row's encoded dimensions as one list."""
    return exp.alias_(_list(dim_name(j) for j in range(dims)), ident(XS))


def pc_columns(k: int) -> list[str]:
    return [PC.format(c + 1) for c in range(k)]


def projections(vectors: np.ndarray) -> list[exp.Expr]:
    """``principal_component_1..k`` over a row that has ``__xs``."""
    return [
        exp.alias_(_dot(col(XS), doubles(vectors[:, c])), ident(name))
        for c, name in enumerate(pc_columns(vectors.shape[1]))
    ]


def pcs_list(k: int) -> exp.Expr:
    """``__pcs``: the row's principal components as one list."""
    return exp.alias_(_list(pc_columns(k)), ident(PCS))


def squared_norm() -> exp.Expr:
    """``|x|^2`` of the encoded row (needs ``__xs``)."""
    return _dot(col(XS), col(XS))


def projected_norm() -> exp.Expr:
    """``|p|^2`` of the row's principal components (needs ``__pcs``)."""
    return _dot(col(PCS), col(PCS))


def mean_squared_error(features: int) -> exp.Expr:
    """Over a row with ``__xs`` and ``__pcs``: the squared distance between the row and its
    reconstruction from the kept components, per input feature. The components are orthonormal, so
    that distance is ``|x|^2 - |p|^2`` (as training computes it; never below 0)."""
    difference = exp.Sub(this=squared_norm(), expression=projected_norm())
    return exp.Div(this=exp.func("greatest", difference, num(0.0)), expression=num(float(features)))
